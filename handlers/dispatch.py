"""One dispatcher over the feature table: buttons, slash commands, typed phrases, the flow in
progress and the dialogue act of the message, in that order.

A flow that does not take a message (a side question, a thank-you) lets it be answered as
usual; the flow stays open and its current question follows the answer, draft intact.
"""

from __future__ import annotations

from content.normalize import folded_phrase
from handlers import acts
from handlers.domain.actions import Action
from handlers.domain.types import Reply, Response
from handlers.feature import Feature
from handlers.features import FEATURES
from handlers.features.menu import STALE, entries_section, find_section, main_menu
from handlers.turn import Turn

UNKNOWN_COMMAND = "Mình chưa biết lệnh này."
LONGEST_SECTION_TITLE = 60  # a longer message is never a section's name

_BY_VERB = {verb: handler for f in FEATURES for verb, handler in f.verbs.items()}
_BY_COMMAND = {name: handler for f in FEATURES for name, handler in f.commands.items()}
_BY_FLOW = {flow: f for f in FEATURES for flow in f.flows}
_BY_SECTION = {f.section: f.start for f in FEATURES if f.section and f.start}


async def on_section(turn: Turn, section_id: str) -> Response:
    """A main-menu section: a list of entries, or the feature it hands over to."""
    section = find_section(turn, section_id)
    if section is None:
        return main_menu(turn, greet=False, intro=STALE)
    start = _BY_SECTION.get(section.action) if section.action else None
    return await start(turn) if start is not None else entries_section(turn, section)


async def on_action(turn: Turn, action: Action | None) -> Response:
    """Carry out a pressed button (or a typed choice)."""
    if action is not None and action.verb == "section":
        return await on_section(turn, action.arg)
    handler = _BY_VERB.get(action.verb) if action is not None else None
    if action is None or handler is None:
        return main_menu(turn, greet=False, intro=STALE)
    return await handler(turn, action.arg)


def _typed_section(turn: Turn) -> str | None:
    """The id of the main-menu section whose name was typed ("gửi phản ánh")."""
    if len(turn.folded) > LONGEST_SECTION_TITLE:
        return None
    for section in turn.deps.catalogue.menu.sections:
        if turn.folded == folded_phrase(section.title):
            return section.id
    return None


def flow_feature(turn: Turn) -> Feature | None:
    """The feature whose flow is in progress, if any."""
    return _BY_FLOW.get(turn.state.flow or "")


async def _choice(turn: Turn, number: int) -> Response:
    options = turn.state.options
    if 1 <= number <= len(options):
        return await on_action(turn, Action.unpack(options[number - 1]))
    return main_menu(turn, greet=False, intro=f"Không có mục số {number}. Bạn chọn lại nhé.")


async def answer_act(turn: Turn, reading: acts.Reading) -> Response:
    """The first feature of the table that answers this act (the catalogue answers the rest)."""
    for feature in FEATURES:
        hook = feature.acts.get(reading.act)
        if hook is not None:
            response = await hook(turn)
            if response is not None:
                return response
    raise AssertionError(f"no feature answers the act {reading.act!r}")


async def route(turn: Turn) -> Response:
    """Decide what to do with one message."""
    turn.flow_owner = flow_feature(turn)
    for feature in FEATURES:
        if feature.first is not None:
            response = await feature.first(turn)
            if response is not None:
                return response
    if turn.msg.payload is not None:
        return await on_action(turn, Action.unpack(turn.msg.payload))
    text = turn.text.strip()
    if text.startswith("/"):
        command, _, rest = text.partition(" ")
        handler = _BY_COMMAND.get(command.split("@")[0].lower())
        if handler is None:
            return main_menu(turn, greet=False, intro=UNKNOWN_COMMAND)
        return await handler(turn, rest)
    turn.reading = reading = acts.read(turn)
    if reading.act == "cancel":
        return await answer_act(turn, reading)
    if reading.act == "choice" and reading.choice is not None:
        return await _choice(turn, reading.choice)
    section_id = _typed_section(turn)
    if section_id is not None:
        return await on_section(turn, section_id)
    for feature in FEATURES:
        if feature.typed is not None:
            response = await feature.typed(turn)
            if response is not None:
                return response
    owner = turn.flow_owner
    if owner is not None and owner.on_message is not None:
        response = await owner.on_message(turn)
        if response is not None:
            return response
    response = await answer_act(turn, reading)
    if owner is not None and owner.resume is not None and turn.state.flow in owner.flows:
        # The answer's own buttons give way: numbers and "Hủy" keep their places.
        answered = [Reply(r.text, (), r.image_url) for r in response.replies]
        response.replies = [*answered, owner.resume(turn)]
    return response
