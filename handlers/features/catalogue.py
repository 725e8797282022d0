"""Answer a question from the catalogue: a follow-up about the entry in focus, a confident
card, a short clarifying choice (always with "Không phải các mục trên"), or an honest escape.
"""

from __future__ import annotations

import re

from content.clauses import MIN_WORDS
from content.models import (
    AnswerEntry,
    ContactList,
    HowTo,
    Intent,
    Procedure,
    Redirect,
    Topic,
    WardAnswer,
)
from content.normalize import fold, folded_phrase
from content.search import Match, SearchResult
from handlers.acts import ASKS_A_NUMBER, greets
from handlers.cards import HOTLINES, MENU_BUTTON, card, details, follow_up_card, topic_facts_card
from handlers.decide import Decision, decide
from handlers.domain.actions import Action, open_entry
from handlers.domain.types import Button, Response
from handlers.fallback import ASK_PERSON, out_of_scope, unknown, unreadable
from handlers.feature import Feature
from handlers.features import feedback, subscriptions
from handlers.features.feedback import GUIDE_ID
from handlers.features.menu import STALE, main_menu
from handlers.focus import OFFICE, contrasted, follow_up, remember
from handlers.lead import Asked, asked_of, lead_lines
from handlers.render import with_buttons
from handlers.turn import Turn

NONE_OF_THESE = Button("Không phải các mục trên", Action("none").pack())
CLOSEST = 3
# The entry model this sure of a card that the words matched only partly: no hedge line (on
# the labelled corpus, 9 in 10 hedged cards were right; the model backs half of those and few
# of the cards shown for subjects the catalogue lacks).
MODEL_BACKS = 0.8
SURE_CHATTER = 0.7  # chatter this sure is not answered with a card its words only brush
FAINT_CHOICE = 0.5  # options explaining less of the message than this are not a real choice
KIN_RATIO = 0.4  # a correction stays in the denied card's family when it scores this well
MODEL_SETTLES = 0.3  # the entry model this sure of one option of a choice, and
MODEL_MARGIN = 2.0  # ...this many times surer than of any other, answers it
COMPARES = re.compile(r"\b(?:khac nhau|khac gi|khac cho nao|phan biet|so sanh|hay la|giong)\b")
HEDGE = "(Mình chưa có thông tin đúng với câu hỏi này; đây là mục gần nhất mình có.)"
ASKED = "asked"  # the last question answered or clarified, for "không phải"
SHOWN = "shown"  # ids of the cards offered for it, best first
REJECTED = "rejected"  # ids the resident said were not it ("Không phải các mục trên")


def intent_of(entry: AnswerEntry) -> Intent:
    """The intent reported for an answer with this entry."""
    if isinstance(entry, Procedure):
        return "procedure"
    if isinstance(entry, HowTo):
        return "feedback" if entry.id == GUIDE_ID else "howto"
    if isinstance(entry, ContactList):
        return "hotline"
    if isinstance(entry, Redirect):
        return "redirect"
    if isinstance(entry, WardAnswer):
        return "learned"
    assert isinstance(entry, Topic)
    return entry.intent


def _family(turn: Turn, a: str, b: str) -> bool:
    """True when one entry is a topic that lists the other: answering either is right."""
    for parent, child in ((a, b), (b, a)):
        entry = turn.deps.catalogue.get(parent)
        if isinstance(entry, Topic) and child in entry.children:
            return True
    return False


def _kin(turn: Turn, a: str, b: str) -> bool:
    """True for one family: a topic and its entries, or two entries of one topic."""
    if a == b or _family(turn, a, b):
        return True
    topics = turn.deps.catalogue.topics_of
    return bool(topics.get(a, frozenset()) & topics.get(b, frozenset()))


def _corrected(
    turn: Turn, result: SearchResult, refused: set[str], focus: str
) -> tuple[SearchResult, bool]:
    """The matches left after "không phải, ý tôi là …": the denied cards set aside, and when
    the denied card's own family explains the correction well enough ("không phải mất, đổi
    thẻ cũ" after the lost-card answer), that family only (True)."""
    left = [m for m in result.matches if m.doc.id not in refused]
    if not left or not focus:
        return SearchResult(result.query, left), False
    kin = [m for m in left if _kin(turn, focus, m.doc.id)]
    if kin and kin[0].score >= KIN_RATIO * left[0].score:
        return SearchResult(result.query, kin), True
    return SearchResult(result.query, left), False


def _plainly_offtopic(turn: Turn, best: Match) -> bool:
    """An off-topic group named by its own words ("xổ số", "quán cà phê"), or a message the act
    classifier reads as chatter; a question the words only brush is a ward matter we lack."""
    reading = turn.reading
    guess = reading.guess if reading is not None else None
    return best.confident or guess is None or guess.act != "question"


def _subject_unknown(turn: Turn, best: Match) -> bool:
    """True when the message names, by a word pair the lexicon reads as one word ("con
    nuôi"), a subject no card speaks of, and no card is named by an alias."""
    compounds = turn.deps.lexicon.compounds.values()
    return best.phrase is None and any(word in compounds for word in turn.query.unknown)


def _held_focus(turn: Turn, asked: Asked) -> AnswerEntry | None:
    """The entry in focus, for a facet asked that nothing in the catalogue answers better
    ("làm ở công an phường hay phải lên tỉnh" after the căn cước card)."""
    if not asked.facets or OFFICE in asked.facets:
        return None
    if turn.reading is not None and turn.reading.chatter:
        return None
    focus = turn.state.data.get("focus")
    return turn.deps.catalogue.get(focus) if isinstance(focus, str) else None


def _settled_by_focus(turn: Turn, decision: Decision) -> Decision:
    """A choice between unrelated cards that the conversation settles: when exactly one of
    them is the entry in focus, of its family or one it links to ("có số tổng đài nào không"
    while the online portal is discussed), that one is meant."""
    focus = turn.state.data.get("focus")
    entry = turn.deps.catalogue.get(focus) if isinstance(focus, str) else None
    if entry is None:
        return decision
    linked = set(entry.related)
    kin = [m for m in decision.matches if m.doc.id in linked or _kin(turn, entry.id, m.doc.id)]
    return Decision("answer", (kin[0],)) if len(kin) == 1 else decision


def _without_comparisons(turn: Turn, decision: Decision) -> Decision:
    """A card comparing two things ("mức 1 và mức 2 khác nhau thế nào") answers a question
    that compares; "muốn làm tài khoản mức 2 thì ra đâu" wants the card on doing it."""
    if COMPARES.search(turn.folded):
        return decision
    kept = [m for m in decision.matches if not COMPARES.search(folded_phrase(m.doc.title))]
    if len(kept) == 1:
        return Decision("answer", (kept[0],))
    if 1 < len(kept) < len(decision.matches):
        return Decision("clarify", tuple(kept))
    return decision


def _settled_by_model(turn: Turn, result: SearchResult, decision: Decision) -> Decision:
    """A choice the entry model settles: when it gives one option most of its belief and
    several times any other's, that option is meant."""
    ids = [m.doc.id for m in decision.matches]
    probabilities = turn.deps.index.model_probabilities(result.query, ids)
    beliefs = sorted(((p, i) for i, p in enumerate(probabilities)), reverse=True)
    (top, at), (second, _) = beliefs[0], beliefs[1]
    if top >= MODEL_SETTLES and top >= MODEL_MARGIN * second:
        return Decision("answer", (decision.matches[at],))
    return decision


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


def entry_response(
    turn: Turn, entry: AnswerEntry, result: SearchResult | None = None, follow_up: bool = False
) -> Response:
    """The card of an entry, leading with what the question asked; the entry is in focus. A
    follow-up gets what it asked and the whole card one tap away."""
    deps = turn.deps
    lead: list[str] = []
    if result is not None:
        lead = lead_lines(
            entry, result.query, turn.folded, deps.catalogue, deps.lexicon, deps.index
        ) + _place_notes(turn, result)
    facets = asked_of(turn.folded, deps.lexicon, entry).facets
    reply = None
    if isinstance(entry, Topic) and facets:  # the fact asked, for each of its procedures
        reply = topic_facts_card(entry, deps.catalogue, facets)
    if reply is None:
        reply = (
            follow_up_card(entry, deps.catalogue, lead)
            if follow_up
            else card(entry, deps.catalogue, lead)
        )
    if isinstance(entry, Procedure | HowTo):
        turn.state.data["answered"] = entry.id  # lets the closing "thanks" ask for a rating
    remember(turn, entry.id)
    turn.state.data.pop(REJECTED, None)  # an answer starts a fresh subject
    return Response([reply], intent=intent_of(entry), content_id=entry.id, title=entry.title)


def _entries(turn: Turn, matches: list[Match]) -> list[AnswerEntry]:
    found = (turn.deps.catalogue.get(m.doc.id) for m in matches)
    return [e for e in found if e is not None]


def clarify(turn: Turn, matches: list[Match]) -> Response:
    """Offer the closest entries as a short choice, ending with "none of these"."""
    entries = _entries(turn, matches)
    buttons = [Button(e.title, open_entry(e.id)) for e in entries]
    reply = with_buttons("Ý bạn là mục nào dưới đây?", [*buttons, NONE_OF_THESE, MENU_BUTTON])
    turn.state.data[SHOWN] = [e.id for e in entries]
    return Response(
        [reply],
        intent="clarify",
        score=round(matches[0].score, 3),
        options=[e.title for e in entries],
    )


def _only_greets(turn: Turn) -> bool:
    """A greeting with nothing the catalogue could take up ("Xin chào, cho bác hỏi mấy việc"),
    unlike "ad ơi vneid lỗi hoài" (a greeting word, and a question)."""
    if not greets(turn) or len(turn.text.split()) >= MIN_WORDS:
        return False
    guess = turn.reading.guess if turn.reading is not None else None
    if guess is None:
        return True
    table = guess.probabilities
    return table.get("greeting", 0.0) > table.get("question", 0.0)


def _unanswered(response: Response, result: SearchResult, best: Match | None) -> Response:
    response.unanswered = True
    response.normalized = " ".join(result.query.tokens)
    if best is not None:
        response.best_guess, response.score = best.doc.id, round(best.score, 3)
    return response


def _closest(turn: Turn, result: SearchResult, skip: frozenset[str] = frozenset()) -> list:
    answerable = [m for m in result.matches if turn.deps.catalogue.get(m.doc.id) is not None]
    return _entries(turn, [m for m in answerable if m.doc.id not in skip][:CLOSEST])


def _hotlines(turn: Turn) -> AnswerEntry | None:
    """The card of numbers by matter, for a message asking which number to call that no card
    answers ("họ đang hát nè, gọi ai cho tôi liền", "nước vô nhà thì gọi số mô")."""
    if ASKS_A_NUMBER.search(turn.folded) is None:
        return None
    return turn.deps.catalogue.get(HOTLINES)


def _a_number(best: Match) -> bool:
    """True when the best card is itself a card of phone numbers."""
    return best.doc.kind in ("contacts", "hotline") or best.doc.id == HOTLINES


def _all_faint(matches: list[Match]) -> bool:
    """True when no option is named and none explains much of the message ("bão tốc mái,
    phường có hỗ trợ tiền sửa nhà không" brushing the funeral aid and the building permit):
    the subject is one the catalogue lacks, said plainly with the closest cards."""
    return all(m.phrase is None and m.coverage < FAINT_CHOICE for m in matches)


def _repeated(turn: Turn, decision: Decision) -> bool:
    """True when this choice is the one shown just before: asking again helps nobody."""
    shown = turn.state.data.get(SHOWN) or []
    offered = [m.doc.id for m in decision.matches]
    return turn.state.options != [] and sorted(shown) == sorted(offered)


async def answer(turn: Turn) -> Response:
    """Answer a follow-up about the focused entry, or search the catalogue."""
    asked = asked_of(turn.folded, turn.deps.lexicon)
    turn.state.data[ASKED] = turn.text[:500]
    focus_before = turn.state.data.get("focus")
    response = await _answer(turn, asked)
    if OFFICE in asked.facets and focus_before:  # the office's hours: the procedure stays
        turn.state.data["focus"] = focus_before
    return response


async def _answer(turn: Turn, asked: Asked) -> Response:
    refused: set[str] = set()
    denied = ""
    if turn.reading is not None and turn.reading.correction:  # "không phải, ...": not that one
        denied = turn.state.data.pop("focus", "") or ""
        refused = {*(turn.state.data.get(SHOWN) or []), denied}
    other = None if refused else contrasted(turn, asked)  # "còn điện thì sao"
    followed = None if refused or other else follow_up(turn, asked)
    if followed is not None:
        entry, _ = followed
        return entry_response(turn, entry, turn.result, follow_up=True)
    result = turn.result
    in_family = False
    if refused:
        result, in_family = _corrected(turn, result, refused, denied)
    decision = decide(result, lambda a, b: _family(turn, a, b))
    if decision.kind in ("answer", "clarify") and _subject_unknown(turn, decision.matches[0]):
        # "thủ tục nhận con nuôi ở phường": the subject is a word the catalogue never uses;
        # the broad cards its other words reach do not answer it
        return _unanswered(unknown(turn, _closest(turn, result)), result, decision.matches[0])
    if in_family and decision.kind == "fallback" and result.best is not None:
        decision = Decision("answer", (result.best,))  # the denied card's sibling it names
    if decision.kind == "clarify":
        decision = _settled_by_focus(turn, decision)
    if decision.kind == "clarify":
        decision = _without_comparisons(turn, decision)
    if decision.kind == "clarify":
        decision = _settled_by_model(turn, result, decision)
    best = decision.matches[0] if decision.matches else None
    if decision.kind in ("fallback", "clarify") and other is not None:
        return entry_response(turn, other, result)  # another card's subject, by its title
    if decision.kind == "fallback" and not refused:
        held = _held_focus(turn, asked)
        if held is not None:  # nothing else fits a facet asked: the entry being discussed
            return entry_response(turn, held, result, follow_up=True)
    if decision.kind == "fallback" and not refused and (hotlines := _hotlines(turn)):
        return entry_response(turn, hotlines, result)
    if decision.kind == "fallback":
        if _only_greets(turn):  # "Xin chào, cho bác hỏi mấy việc": the menu is the answer
            return main_menu(turn, greet=True)
        if turn.reading is not None and turn.reading.chatter:
            return _unanswered(out_of_scope(turn), result, best)
        return _unanswered(unknown(turn, _closest(turn, result)), result, best)
    if decision.kind == "offtopic" and best is not None and not _plainly_offtopic(turn, best):
        # "mua xe máy, đăng ký biển số ở công an phường": a ward matter we lack, not chatter
        return _unanswered(unknown(turn, _closest(turn, result)), result, best)
    if decision.kind == "offtopic":
        return _unanswered(out_of_scope(turn), result, best)
    assert best is not None
    if decision.kind == "subscribe":
        response = await subscriptions.offer(turn)
    elif decision.kind == "feedback":
        response = await feedback.start(turn, draft=turn.text)
    elif decision.kind == "clarify":
        rejected = set(turn.state.data.get(REJECTED) or [])
        left = [m for m in decision.matches if m.doc.id not in rejected]
        if _repeated(turn, decision) or not left or _all_faint(left):
            hotlines = None if refused else _hotlines(turn)
            if hotlines is not None:  # no card fits the number asked for: the numbers by matter
                response = entry_response(turn, hotlines, result)
            else:
                response = _unanswered(unknown(turn, _entries(turn, left)), result, best)
        elif len(left) == 1:
            entry = turn.deps.catalogue.get(left[0].doc.id)
            assert entry is not None
            response = entry_response(turn, entry, result)
        else:
            response = clarify(turn, left)
    elif isinstance(turn.deps.catalogue.get(best.doc.id), WardAnswer) and not best.confident:
        # A staff answer fits one question: it is offered, not asserted, when the words only
        # brush it ("lớp yoga ở nhà văn hóa" is not "sân cầu lông ở nhà văn hóa").
        response = _unanswered(unknown(turn, _closest(turn, result)), result, best)
    elif not best.confident and not in_family and not _a_number(best) and (hot := _hotlines(turn)):
        # "nước tràn vô nhà thì gọi số mô": a number asked, which the card only brushing the
        # words does not give; the numbers by matter do
        response = entry_response(turn, hot, result)
    elif _chatter_brushing(turn, result, best, in_family):
        # "giải giùm em bài toán này": plainly chatter, which a card's words only brush
        response = _unanswered(out_of_scope(turn), result, best)
    else:
        entry = turn.deps.catalogue.get(best.doc.id)
        assert entry is not None, best.doc.id
        response = entry_response(turn, entry, result)
        turn.state.data[SHOWN] = [entry.id]
        if not best.confident and not in_family:
            response = _hedged(response, result, best, said=not _model_backs(turn, result, best))
    response.score = round(best.score, 3)
    return response


def _chatter_brushing(turn: Turn, result: SearchResult, best: Match, in_family: bool) -> bool:
    """True for a message the act classifier is sure is chatter, which the best card matches
    only weakly and the entry model does not back."""
    reading = turn.reading
    if reading is None or not reading.chatter or best.confident or in_family:
        return False
    if reading.guess is None or reading.guess.probability < SURE_CHATTER:
        return False
    return not _model_backs(turn, result, best)


def _model_backs(turn: Turn, result: SearchResult, best: Match) -> bool:
    """True when the entry model is sure enough of the card the words only partly fit."""
    (backed,) = turn.deps.index.model_probabilities(result.query, [best.doc.id])
    return backed >= MODEL_BACKS


def _hedged(response: Response, result: SearchResult, best: Match, said: bool) -> Response:
    """A card that only partly fits the question: a way out and a person, said plainly
    (`said`) unless the entry model backs the card; the question is kept for the staff (the
    catalogue may lack its subject)."""
    first = response.replies[-1]
    title, _, rest = first.text.partition("\n")
    text = f"{title}\n{HEDGE}\n{rest}" if said else first.text
    buttons = [*first.buttons[:-1], NONE_OF_THESE, ASK_PERSON, first.buttons[-1]]
    response.replies[-1] = with_buttons(text, buttons)
    return _unanswered(response, result, best)


async def none_of_these(turn: Turn, _arg: str = "") -> Response:
    """ "Không phải các mục trên" (or "không phải" after an answer): say so, offer the other
    close cards and a person; the question is kept for the staff."""
    question = turn.state.data.get(ASKED) or ""
    shown = frozenset(turn.state.data.get(SHOWN) or [])
    result = turn.deps.index.search(question) if question else None
    skip = frozenset({*shown, *(turn.state.data.get(REJECTED) or [])})
    others = _closest(turn, result, skip) if result is not None else []
    turn.state.data.pop("focus", None)
    turn.state.data[REJECTED] = sorted({*(turn.state.data.get(REJECTED) or []), *shown})
    lines = ["Xin lỗi bạn, mình chưa hiểu đúng ý."]
    if others:
        lines.append("Có phải bạn hỏi một trong các mục này không?")
    lines.append('Bạn cũng có thể hỏi lại bằng cách khác, hoặc bấm "Hỏi cán bộ phường".')
    buttons = [*(Button(e.title, open_entry(e.id)) for e in others), ASK_PERSON, MENU_BUTTON]
    turn.state.data[SHOWN] = [*shown, *(e.id for e in others)]
    response = Response([with_buttons("\n".join(lines), buttons)], intent="fallback")
    response.unanswered = bool(question)
    response.question = question or None
    response.normalized = " ".join(result.query.tokens) if result is not None else ""
    return response


async def _open(turn: Turn, entry_id: str) -> Response:
    entry = turn.deps.catalogue.get(entry_id)
    if entry is None:
        return main_menu(turn, greet=False, intro=STALE)
    return entry_response(turn, entry)


async def _more(turn: Turn, entry_id: str) -> Response:
    entry = turn.deps.catalogue.get(entry_id)
    if entry is None:
        return main_menu(turn, greet=False, intro=STALE)
    response = entry_response(turn, entry)
    response.replies = [details(entry, turn.deps.catalogue)]
    return response


async def _unreadable(turn: Turn) -> Response:
    return unreadable(turn)


FEATURE = Feature(
    "catalogue",
    verbs={"open": _open, "more": _more, "none": none_of_these},
    acts={"question": answer, "empty": _unreadable, "deny": none_of_these},
)
