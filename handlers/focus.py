"""The entry in focus: the card being discussed stays in the conversation state, so a
follow-up without a subject of its own ("lệ phí bao nhiêu", "mất mấy ngày", "con tôi mới 10
tuổi thì sao") is about it, on every channel and process. A message naming another subject
switches the focus; the focus ends with the conversation (30 minutes of silence).
"""

from __future__ import annotations

import re
from dataclasses import replace

from content.indexing import card_lines
from content.models import AnswerEntry
from content.normalize import STILL, folded_phrase, opens_with_still
from content.search import Match, Query, SearchResult
from content.situations import outside_age, told_age
from handlers.decide import SURE_SCORE, decide
from handlers.lead import Asked
from handlers.turn import Turn

KEY = "focus"
OFFICE = "office"
FOCUS_RATIO = 0.6  # the focused entry this close to the best keeps the focus
NAMING = 1.0  # the alias's words beside the facet words say this much: they name a subject
CARD_WORD = 0.2  # words saying at least this much are weighed (not "làm", "giấy" alone)
CARD_SHARE = 0.75  # the focused card's lines holding this share of them keep the focus
# ...unless another card explains nearly all of the message and the focused one scores this
# little beside it ("tích hợp bằng lái vô được không" after the VNeID levels card, whose lines
# mention integrated papers): the message has a subject of its own.
FAINT_FOCUS = 0.25
OWN_SUBJECT_COVERAGE = 0.8
SHORT_FOLLOW_UP = 8  # words: a short message nothing else explains leans on the focus
# A yes/no question about doing something ("có phải dẫn con theo không", "lăn tay được không"):
# with no subject of its own, it asks about the entry in focus, however long its story.
YES_NO = re.compile(
    r"\b(?:co phai|co can|phai|duoc|dc|co duoc)\b(?:\s+\w+){0,8}\s+(?:khong|ko|k|hong|chua)\b"
)
# Words that make a message lean on what came before ("thế còn", "vậy nếu", "thì sao").
FOLLOW_UP = (
    "the con",
    "vay con",
    "con neu",
    "the neu",
    "vay neu",
    "neu",
    "thi sao",
    "the thi",
    "vay thi",
    "truong hop",
    "con truong hop",
    "cai nay",
    "thu tuc nay",
    "viec nay",
    "giay nay",
)


def remember(turn: Turn, entry_id: str) -> None:
    """Put an entry in focus (its card was just shown)."""
    turn.state.data[KEY] = entry_id


def focused(turn: Turn) -> AnswerEntry | None:
    """The entry in focus in this conversation, if any."""
    entry_id = turn.state.data.get(KEY)
    return turn.deps.catalogue.get(entry_id) if isinstance(entry_id, str) else None


def _leans_back(folded: str) -> bool:
    padded = f" {folded} "
    return any(f" {phrase} " in padded for phrase in FOLLOW_UP)


def _without(query: Query, turn: Turn, asked: Asked) -> Query:
    """The query without the words that ask a facet or name a situation: what is left is the
    message's own subject, if it has one."""
    lexicon = turn.deps.lexicon
    phrases = [p for name in asked.facets for p in lexicon.aspects[name]]
    phrases += [
        p
        for name in asked.situations
        if name in lexicon.situations
        for p in lexicon.situations[name].asked
    ]
    phrases += list(FOLLOW_UP)
    # Read as the message's tokens are: "trên đt" is "tren dien thoai" there.
    phrases = [lexicon.as_tokens(p) for p in phrases]
    # The search drops question words ("được không"), so "đăng ký thay được không" is left
    # as "đăng ký thay": the phrase without its closing question word is removed too.
    phrases += [
        " ".join(p.split()[:-1])
        for p in phrases
        if len(p.split()) >= 3 and p.split()[-1] in QUESTION_TAILS
    ]
    padded = f" {' '.join(query.tokens)} "
    for phrase in sorted(set(phrases), key=len, reverse=True):
        while f" {phrase} " in padded:
            padded = padded.replace(f" {phrase} ", " ")
    return (
        turn.deps.index.analyze(padded)
        if padded.strip()
        else replace(query, tokens=(), features=(), unknown=(), mass=0.0)
    )


def _names_another(turn: Turn, entry: AnswerEntry, own: Query) -> bool:
    """True when the message names another entry by an alias that the facet words are part
    of ("tra cứu hồ sơ trên mạng ở đâu": "hồ sơ" asks no facet there, it is the subject)."""
    best = turn.result.best
    if best is None or best.phrase is None or best.doc.id == entry.id or not best.confident:
        return False
    if _names_part_of(turn, entry, best):
        return False
    removed = set(turn.query.tokens) - set(own.tokens)
    if not best.phrase_words & removed:
        return False  # the message without its facet words was already compared
    index = turn.deps.index
    rest = " ".join(w for w in index.prepared(best.phrase).split() if w not in removed)
    return max((index.weight(f) for f in index.text_features(rest)), default=0.0) >= NAMING


def _broad_for_age(turn: Turn, entry: AnswerEntry, age: int) -> AnswerEntry | None:
    """The topic card listing this entry, when its title leaves no age out."""
    for topic_id in sorted(turn.deps.catalogue.topics_of.get(entry.id, frozenset())):
        topic = turn.deps.catalogue.get(topic_id)
        if topic is not None and not outside_age(folded_phrase(topic.title), age):
            return topic
    return None


def _names_part_of(turn: Turn, entry: AnswerEntry, named: Match) -> bool:
    """True for a short message whose named alias lies in the focused card's own title ("nhà
    bác là hộ cận nghèo" after "Trợ cấp hưu trí xã hội (... 70–75 tuổi hộ nghèo, cận nghèo)")."""
    if len(turn.text.split()) > SHORT_FOLLOW_UP or not named.phrase_words:
        return False
    return named.phrase_words <= set(folded_phrase(entry.title).split())


def _card_explains(turn: Turn, entry: AnswerEntry, own: Query) -> bool:
    """True when the focused card's own lines hold most of the message's words ("không có
    giấy bệnh viện thì lấy giấy gì": the birth card's documents name the hospital paper),
    however strongly another card's titles and aliases match them."""
    index = turn.deps.index
    words = [f for f in own.features if index.weight(f) >= CARD_WORD]
    if not words:
        return False
    said = _card_features(turn, entry)
    held = sum(index.weight(f) for f in words if f in said)
    return held >= CARD_SHARE * sum(index.weight(f) for f in words)


def explains_message(turn: Turn) -> bool:
    """True when the card in focus holds most of what this message says ("tôi lỡ đọc mã cho
    nó rồi" while the scam warning is discussed): it is said about that card."""
    entry = focused(turn)
    return entry is not None and _card_explains(turn, entry, turn.query)


_CARD_FEATURES: dict[tuple[int, int], tuple[AnswerEntry, frozenset[str]]] = {}


def _card_features(turn: Turn, entry: AnswerEntry) -> frozenset[str]:
    """Every informative word and pair of a card's lines; kept per index and entry, since
    the same card is compared with every follow-up."""
    index = turn.deps.index
    key = (id(index), id(entry))
    kept = _CARD_FEATURES.get(key)
    if kept is None or kept[0] is not entry:
        if len(_CARD_FEATURES) >= 4096:
            _CARD_FEATURES.clear()
        said = frozenset().union(*(index.text_features(line) for line in card_lines(entry)))
        kept = _CARD_FEATURES[key] = (entry, said)
    return kept[1]


def _confident(match: Match) -> bool:
    return match.phrase is not None or match.score >= SURE_SCORE


CONTRAST = re.compile(r"^(?:the|vay|thi)\s+con\s+")
QUESTION_TAILS = frozenset({"duoc", "khong", "cho", "chua"})
CONTRAST_WORDS = 12  # "còn vụ thuế thì ai thu, phường thu luôn hả": a contrast is short
CONTRASTED_THINGS = ("vu", "chuyen", "viec", "cai", "khoan", "phan", "may", "tien")


def contrasted(turn: Turn, asked: Asked) -> AnswerEntry | None:
    """The card a short contrast names by a word of its title ("còn điện thì sao" after the
    water card: the power card; "còn vụ thuế thì ai thu": the tax card), when the card in
    focus does not hold that word in its own name."""
    entry = focused(turn)
    words = turn.text.split()
    if entry is None or len(words) > CONTRAST_WORDS or not _opens_with_contrast(turn):
        return None
    own = _without(turn.query, turn, asked)  # no facet words
    subject = [t for t in own.tokens if t not in turn.deps.lexicon.stopwords]
    subject = [t for t in subject if t not in (STILL, *CONTRASTED_THINGS)]
    if not subject or subject[0] in set(folded_phrase(entry.title).split()):
        return None
    for match in turn.result.matches:  # the best-ranked card whose name holds the subject
        if match.doc.id == entry.id or match.doc.kind in ("feedback", "offtopic", "subscribe"):
            continue
        if subject[0] in folded_phrase(match.doc.title).split():
            return turn.deps.catalogue.get(match.doc.id)
    return None


def _opens_with_contrast(turn: Turn) -> bool:
    """ "Còn …", "thế còn …", "vậy còn …" (an unmarked "con" only where it is not a child)."""
    opening = turn.text.lstrip().lower()
    if opening.startswith(("còn ", "thế còn ", "vậy còn ", "thì còn ")):
        return True
    return opens_with_still(turn.text) or CONTRAST.match(turn.folded) is not None


def follow_up(turn: Turn, asked: Asked) -> tuple[AnswerEntry, SearchResult] | None:
    """The focused entry, when this message is a follow-up about it; None when the message
    has a subject of its own (or nothing ties it to the focus). A contrast naming another card
    ("còn điện thì sao") is read before, by `contrasted`."""
    entry = focused(turn)
    if entry is None or OFFICE in asked.facets:  # the office's hours: the contacts card
        return None
    age = told_age(turn.folded)
    if age is not None and outside_age(folded_phrase(entry.title), age):
        # "còn đứa lớn 15 tuổi thì sao" after the card for under-14s: the broad card of its
        # subject, which speaks of every age, unless the message names a subject of its own
        broad = _broad_for_age(turn, entry, age)
        best = turn.result.best
        answered = decide(turn.result, lambda a, b: False).kind == "answer"
        if broad is None or (best is not None and best.doc.id != entry.id and answered):
            return None  # "còn đứa lớn 17 tuổi mất thẻ thì sao": the card for what it says
        return broad, turn.result
    if turn.reading is not None and turn.reading.chatter:
        return None
    own = _without(turn.query, turn, asked)
    if _names_another(turn, entry, own):
        return None
    result = turn.deps.index.rank(own, learned=False)  # compared with the focus, by words
    if not own.features:
        return entry, result
    best = result.best
    scores = {m.doc.id: m.score for m in result.matches}
    named_elsewhere = best is not None and best.doc.id != entry.id and best.phrase is not None
    if not named_elsewhere and scores.get(entry.id, 0.0) >= FOCUS_RATIO * best.score:
        return entry, result
    decision = decide(result, lambda a, b: False)
    if best is not None and best.phrase and _names_part_of(turn, entry, best):
        return entry, result  # what the message names is part of the focused card's name
    if decision.kind == "answer" and best is not None and _confident(best):
        own_subject = (
            best.coverage >= OWN_SUBJECT_COVERAGE
            and scores.get(entry.id, 0.0) < FAINT_FOCUS * best.score
        )
        if best.phrase is None and not own_subject and _card_explains(turn, entry, own):
            return entry, result  # "không có giấy bệnh viện thì sao": the focused card's words
        return None  # a subject of its own: the focus moves
    if decision.kind == "clarify" and best is not None and best.score >= SURE_SCORE:
        chosen = {m.doc.id for m in decision.matches}
        if entry.id not in chosen and not _card_explains(turn, entry, own):
            return None  # its own subject, between cards of another family ("giấy chứng
            # nhận hộ kinh doanh cháy mất" after the emergency numbers)
    leans = _leans_back(folded_phrase(turn.text))
    if decision.kind == "offtopic" and (
        best.phrase is not None or not (asked.situations or leans)
    ):
        # "mua xe máy ở đâu rẻ": asked where, but not about the focus; a situation asked
        # ("lỡ để quá hạn thì sao") is about the focus unless chatter is named outright
        return None
    if asked.anything or _leans_back(folded_phrase(turn.text)):
        return entry, result
    short = len(turn.text.split()) <= SHORT_FOLLOW_UP
    if decision.kind == "fallback" and (short or YES_NO.search(turn.folded)):
        return entry, result  # nothing else explains it: "có phải dẫn con theo không, ..."
    return None
