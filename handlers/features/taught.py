"""Answers staff taught: a message that asks what a taught wording asks gets that entry at
once, before the dialogue act is answered (a taught question told as a complaint or a request
for a person is still the question staff answered). Flows in progress keep their messages."""

from __future__ import annotations

from db.teaching_queries import LEARNED_INTENT
from handlers.domain.types import Response
from handlers.feature import Feature
from handlers.features.catalogue import entry_response
from handlers.turn import Turn


async def _typed(turn: Turn) -> Response | None:
    taught = turn.deps.taught
    if taught is None or turn.flow_owner is not None or not turn.text:
        return None
    found = taught.match(turn.query)
    entry = turn.deps.catalogue.get(found.target) if found is not None else None
    if found is None or entry is None:
        return None
    response = entry_response(turn, entry)
    response.intent, response.score = LEARNED_INTENT, found.score
    return response


FEATURE = Feature("taught", typed=_typed)
