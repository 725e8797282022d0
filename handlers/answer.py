"""Answer a free-text question from the catalogue: a confident card, a short clarifying
choice when two entries fit equally well, or a kind fallback."""

from __future__ import annotations

from content.models import AnswerEntry, ContactList, HowTo, Intent, Procedure, Topic
from content.normalize import fold
from content.search import Match, SearchResult
from handlers import subscriptions
from handlers.actions import open_entry
from handlers.cards import MENU_BUTTON, card
from handlers.fallback import fallback
from handlers.feedback import GUIDE_ID, feedback
from handlers.focus import lead_lines
from handlers.menu import main_menu
from handlers.render import with_buttons
from handlers.smalltalk import greets
from handlers.turn import Turn
from handlers.types import Button, Response

MAX_QUERY_CHARS = 1500  # rambling beyond this adds noise, not meaning
MIN_SCORE = 0.9  # below this nothing in the catalogue really matches
MIN_COVERAGE = 0.5  # without a verbatim alias, the entry must explain half of the message
SURE_SCORE = 2.5  # ...unless it matches this strongly anyway
CLARIFY_RATIO = 0.85  # a rival this close to the best makes us ask instead of guess
MAX_CHOICES = 3
CONVERSATIONAL = {"feedback", "subscribe", "offtopic"}


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


def _rivals(turn: Turn, result: SearchResult, best: Match) -> list[Match]:
    rivals: list[Match] = []
    for match in result.matches[1:]:
        if best.phrase_words and best.phrase_words < match.phrase_words:
            # The rival matched a longer alias that contains the best one's: it is the more
            # specific entry ("vneid mức 2" beats "vneid"), so answer it instead of asking.
            return [] if match.score < CLARIFY_RATIO * best.score else [match, best]
        if match.doc.kind in CONVERSATIONAL or _family(turn, best.doc.id, match.doc.id):
            continue
        if match.score < CLARIFY_RATIO * best.score:
            break
        # Ask only when the message is vague: no alias of the best entry in it, or an alias
        # the rival shares. A message naming two things ("bản sao hay trích lục?") is answered.
        if best.phrase is None or (match.phrase is not None and match.overlaps(best)):
            rivals.append(match)
    return rivals[: MAX_CHOICES - 1]


def _place_notes(turn: Turn, result: SearchResult) -> list[str]:
    notes = []
    for former in turn.deps.catalogue.ward.former_names:
        names = {fold(former.name), *map(fold, former.aliases)}
        mentioned = any(p in names or any(p in n or n in p for n in names)
                        for p in result.query.places)
        if former.confirmed and mentioned:
            notes.append(f"Lưu ý: {former.name} (cũ) nay thuộc {former.now_part_of}.")
    return notes[:1]


def entry_response(turn: Turn, entry: AnswerEntry, result: SearchResult | None = None,
                   score: float | None = None) -> Response:
    """The card of an entry, leading with what the question asked."""
    deps = turn.deps
    lead: list[str] = []
    if result is not None:
        lead = lead_lines(entry, result.query, turn.folded, deps.catalogue, deps.lexicon,
                          deps.index) + _place_notes(turn, result)
    reply = card(entry, deps.catalogue, lead)
    return Response([reply], intent=intent_of(entry), content_id=entry.id, title=entry.title,
                    score=score)


def clarify(turn: Turn, matches: list[Match]) -> Response:
    """Offer the closest entries as a short choice."""
    catalogue = turn.deps.catalogue
    entries = [e for e in (catalogue.get(m.doc.id) for m in matches) if e is not None]
    buttons = [Button(e.title, open_entry(e.id)) for e in entries]
    reply = with_buttons("Ý bạn là mục nào dưới đây?", [*buttons, MENU_BUTTON])
    return Response([reply], intent="clarify", score=round(matches[0].score, 3),
                    options=[e.title for e in entries])


def _weak(best: Match) -> bool:
    """A match on common words only ("thủ tục xin nuôi chó cảnh" matching "thủ tục")."""
    return best.phrase is None and best.coverage < MIN_COVERAGE and best.score < SURE_SCORE


def _unanswered(response: Response, result: SearchResult, best: Match | None) -> Response:
    response.unanswered = True
    response.normalized = " ".join(result.query.tokens)
    if best is not None:
        response.best_guess, response.score = best.doc.id, round(best.score, 3)
    return response


async def answer(turn: Turn) -> Response:
    """Search the catalogue and decide between an answer, a choice and a fallback."""
    result = turn.deps.index.search(turn.text[:MAX_QUERY_CHARS])
    best = result.best
    if best is None or best.score < MIN_SCORE or _weak(best):
        if greets(turn):  # "Xin chào, cho bác hỏi mấy việc": the menu is the answer
            return main_menu(turn, greet=True)
        return _unanswered(fallback(turn), result, best)
    if best.doc.kind == "offtopic":
        return _unanswered(fallback(turn, out_of_scope=True), result, best)
    score = round(best.score, 3)
    if best.doc.kind == "subscribe":
        response = await subscriptions.offer(turn)
    elif best.doc.kind == "feedback" or best.doc.id == GUIDE_ID:
        response = await feedback(turn)
    elif rivals := _rivals(turn, result, best):
        if rivals[-1] is best:  # a more specific rival was found: it is the answer
            best = rivals[0]
            entry = turn.deps.catalogue.get(best.doc.id)
            assert entry is not None, best.doc.id
            response = entry_response(turn, entry, result, round(best.score, 3))
        else:
            response = clarify(turn, [best, *rivals])
    else:
        entry = turn.deps.catalogue.get(best.doc.id)
        assert entry is not None, best.doc.id
        response = entry_response(turn, entry, result, score)
    response.score = score
    return response
