"""Answer a free-text question from the catalogue: a confident card, a short clarifying
choice when two entries fit equally well, or a kind fallback."""

from __future__ import annotations

from content.models import AnswerEntry, ContactList, HowTo, Intent, Procedure, Topic
from content.normalize import fold
from content.search import Match, SearchResult
from handlers import feedback, subscriptions
from handlers.actions import open_entry
from handlers.cards import MENU_BUTTON, card
from handlers.decide import decide
from handlers.fallback import fallback
from handlers.feedback import GUIDE_ID
from handlers.focus import lead_lines
from handlers.menu import main_menu
from handlers.render import with_buttons
from handlers.smalltalk import greets
from handlers.turn import Turn
from handlers.types import Button, Response


def intent_of(entry: AnswerEntry) -> Intent:
    """The intent reported for an answer with this entry."""
    if isinstance(entry, Procedure):
        return "procedure"
    if isinstance(entry, HowTo):
        return "feedback" if entry.id == GUIDE_ID else "howto"
    if isinstance(entry, ContactList):
        return "hotline"
    assert isinstance(entry, Topic)
    return entry.intent


def _family(turn: Turn, a: str, b: str) -> bool:
    """True when one entry is a topic that lists the other: answering either is right."""
    for parent, child in ((a, b), (b, a)):
        entry = turn.deps.catalogue.get(parent)
        if isinstance(entry, Topic) and child in entry.children:
            return True
    return False


def _place_notes(turn: Turn, result: SearchResult) -> list[str]:
    notes = []
    for former in turn.deps.catalogue.ward.former_names:
        names = {fold(former.name), *map(fold, former.aliases)}
        mentioned = any(
            p in names or any(p in n or n in p for n in names) for p in result.query.places
        )
        if former.confirmed and mentioned:
            notes.append(f"Lưu ý: {former.name} (cũ) nay thuộc {former.now_part_of}.")
    return notes[:1]


def entry_response(turn: Turn, entry: AnswerEntry, result: SearchResult | None = None) -> Response:
    """The card of an entry, leading with what the question asked."""
    deps = turn.deps
    lead: list[str] = []
    if result is not None:
        lead = lead_lines(
            entry, result.query, turn.folded, deps.catalogue, deps.lexicon, deps.index
        ) + _place_notes(turn, result)
    reply = card(entry, deps.catalogue, lead)
    if isinstance(entry, Procedure | HowTo):
        turn.state.data["answered"] = entry.id  # lets the closing "thanks" ask for a rating
    return Response([reply], intent=intent_of(entry), content_id=entry.id, title=entry.title)


def clarify(turn: Turn, matches: list[Match]) -> Response:
    """Offer the closest entries as a short choice."""
    catalogue = turn.deps.catalogue
    entries = [e for e in (catalogue.get(m.doc.id) for m in matches) if e is not None]
    buttons = [Button(e.title, open_entry(e.id)) for e in entries]
    reply = with_buttons("Ý bạn là mục nào dưới đây?", [*buttons, MENU_BUTTON])
    return Response(
        [reply],
        intent="clarify",
        score=round(matches[0].score, 3),
        options=[e.title for e in entries],
    )


def _unanswered(response: Response, result: SearchResult, best: Match | None) -> Response:
    response.unanswered = True
    response.normalized = " ".join(result.query.tokens)
    if best is not None:
        response.best_guess, response.score = best.doc.id, round(best.score, 3)
    return response


async def answer(turn: Turn) -> Response:
    """Search the catalogue and answer, offer a choice, or fall back kindly."""
    result = turn.deps.index.rank(turn.query)  # analysed once per turn (small talk uses it too)
    decision = decide(result, lambda a, b: _family(turn, a, b))
    best = decision.matches[0] if decision.matches else None
    if decision.kind == "fallback":
        if greets(turn):  # "Xin chào, cho bác hỏi mấy việc": the menu is the answer
            return main_menu(turn, greet=True)
        return _unanswered(fallback(turn), result, best)
    if decision.kind == "offtopic":
        return _unanswered(fallback(turn, out_of_scope=True), result, best)
    assert best is not None
    if decision.kind == "subscribe":
        response = await subscriptions.offer(turn)
    elif decision.kind == "feedback":
        response = await feedback.start(turn, draft=turn.text)
    elif decision.kind == "clarify":
        response = clarify(turn, list(decision.matches))
    else:
        entry = turn.deps.catalogue.get(best.doc.id)
        assert entry is not None, best.doc.id
        response = entry_response(turn, entry, result)
    response.score = round(best.score, 3)
    return response
