"""Find the catalogue entry a resident's message is about.

The message is folded, shorthand is expanded, place names are set aside, typos are corrected,
and what remains is scored against every entry's title, aliases, keywords and summary:
words and word pairs ("khai sinh", "tạm trú") weighted by how rare they are in the catalogue
(BM25-style idf), plus a bonus when a whole alias appears in the message. Long rambling
messages still work because filler words weigh nothing and rare subject words dominate.

Plain Python, no NumPy (a ward process stays small): a message's score is summed over only the
entries its words appear in, and a province-scale catalogue skips, MaxScore-style, the entries
that common words alone could not lift among the best (`_word_scores`).
"""

from __future__ import annotations

import copy
import heapq
import itertools
import math
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, NamedTuple

from content.normalize import STILL, Lexicon, opens_with_still, tokenize
from content.spelling import Speller

if TYPE_CHECKING:
    from content.entry_model import EntryModel

FIELD_WEIGHTS = {"title": 1.0, "alias": 1.0, "keyword": 0.55, "summary": 0.25}
PAIR_BOOST = 1.6  # a word pair ("tam tru") says more than its two words apart
PHRASE_BONUS = 0.6  # share of a whole alias's weight added when it appears verbatim
EXACT_BONUS = 1.0  # the message is nothing but an alias ("VNeID", "khai sinh?")
CANDIDATES = 8
UNKNOWN_PAIR = 0.5  # weight of a word pair the catalogue never uses, as a share of a word
MODEL_WEIGHT = 2.0  # the model at its most sure adds twice the best word score
FAINT_WEIGHT = 0.2  # a word this common says almost nothing about which entry is meant
CONFIDENT_COVERAGE = 0.45  # share of the message an alias match must explain to be sure
CONFIDENT_SCORE = 2.5
# A feature in this share of the entries or more also keeps one byte per entry: a candidate's
# lookup is then an index, not a binary search (at most 16 bytes per posting, beside its 12).
DENSE_SHARE = 1 / 16
SLACK = 1e-9  # allowance for rounding when a bound rules an entry out of the best


NEGATIONS = frozenset({"khong", "chua", "chang", "cha"})


def _place_phrases(places: Iterable[str]) -> list[str]:
    """Folded place names, longest first (so "Đăk Bla" goes before "Bla")."""
    return sorted({" ".join(tokenize(p)) for p in places if tokenize(p)}, key=lambda p: -len(p))


@dataclass(frozen=True)
class IndexDoc:
    """One searchable thing: an entry or a group of intent examples."""

    id: str
    kind: str
    title: str
    phrases: tuple[str, ...]  # title and aliases: matched whole for the phrase bonus
    keywords: tuple[str, ...] = ()
    summary: str = ""


@dataclass(frozen=True)
class Match:
    """A scored candidate."""

    doc: IndexDoc
    score: float
    phrase: str | None  # the alias found verbatim in the message, if any
    phrase_words: frozenset[str] = frozenset()  # its subject words
    coverage: float = 0.0  # share of the message's informative weight this entry explains
    # The entry matched one word of the message and nothing else, no pair, no alias: "sách"
    # of "mượn sách" finding "danh sách" in an alias says little about what was asked.
    # Worked out for the best match only (the one the decision reads).
    lone_word: bool = False
    word_score: float = 0.0  # the words' own score, before the entry model's opinion (0 when
    # ranked by the words alone, or for an entry only the model found)

    @property
    def confident(self) -> bool:
        """Named by an alias that covers a fair share of the message, or explaining most of
        the message with a strong score: the catalogue knows what this is about."""
        if self.phrase is not None:
            return self.coverage >= CONFIDENT_COVERAGE or self.score >= 2 * CONFIDENT_SCORE
        return self.coverage >= CONFIDENT_COVERAGE + 0.15 and self.score >= CONFIDENT_SCORE

    def overlaps(self, other: Match) -> bool:
        """True when both matched through aliases sharing subject words (a vague message)."""
        return bool(self.phrase_words & other.phrase_words)


@dataclass(frozen=True)
class Query:
    """A message as the search understood it."""

    tokens: tuple[str, ...]  # folded, expanded, corrected; place names removed
    features: tuple[str, ...]  # informative words and pairs known to the catalogue
    unknown: tuple[str, ...]  # informative words the catalogue does not know
    places: tuple[str, ...]  # place names found (folded)
    mass: float  # weight of everything informative in the message


@dataclass(frozen=True)
class SearchResult:
    """Ranked candidates for one message."""

    query: Query
    matches: list[Match] = field(default_factory=list)

    @property
    def best(self) -> Match | None:
        """The top candidate, if any."""
        return self.matches[0] if self.matches else None


class _Posting(NamedTuple):
    """The entries one feature appears in and what it adds to each one's score."""

    rows: array[int]  # entry rows, ascending
    adds: array[float]  # per row: its field's weight x the feature's weight
    top: float  # the most it adds to any entry (a bound, for skipping entries)
    levels: tuple[float, ...] = ()  # with `dense`: what each byte value adds (0: nothing)
    dense: bytes = b""  # for a common feature: per entry row, an index into `levels`

    @classmethod
    def build(cls, row: dict[int, float], weight: float, entries: int) -> _Posting:
        """From entry row -> field weight (rows in ascending order)."""
        adds = array("d", [share * weight for share in row.values()])
        posting = cls(array("i", list(row)), adds, max(adds))
        levels = (0.0, *sorted(set(adds)))
        if len(row) >= DENSE_SHARE * entries and len(levels) < 256:
            code = {add: at for at, add in enumerate(levels)}
            table = bytearray(entries)
            for i, add in zip(posting.rows, adds, strict=True):
                table[i] = code[add]
            posting = posting._replace(levels=levels, dense=bytes(table))
        return posting

    def has(self, i: int) -> bool:
        """Whether entry row `i` has this feature."""
        if self.dense:
            return self.dense[i] != 0
        at = bisect_left(self.rows, i)
        return at < len(self.rows) and self.rows[at] == i


def _explained(i: int, weighed: Sequence[tuple[_Posting, float]]) -> float:
    """The summed weight of the features (posting, weight) that entry row `i` has."""
    return sum(weight for posting, weight in weighed if posting.has(i))


def _features(tokens: Sequence[str], stopwords: frozenset[str]) -> list[str]:
    """Informative words and every adjacent pair: a pair of common words can still name a
    thing ("bản sao", "báo tử"); pairs the catalogue never uses are simply not in the index."""
    # Small numbers ("2 đứa", "mức 1") say nothing alone; hotlines and codes ("113") do.
    feats = [t for t in tokens if t not in stopwords and not (t.isdigit() and len(t) < 3)]
    feats += [f"{a} {b}" for a, b in itertools.pairwise(tokens)]
    return feats


class SearchIndex:
    """An inverted index over the catalogue with typo correction, built once at start."""

    _building: bool
    _prepared: dict[str, list[str]]

    def __init__(
        self, docs: Sequence[IndexDoc], lexicon: Lexicon, places: Iterable[str] = ()
    ) -> None:
        self.docs = list(docs)
        # Each row's place among equal scores (the specific entry before the broad topic,
        # then by id), worked out once: a tie is common on a province's copies of an entry.
        order = sorted(range(len(self.docs)), key=self._tie_order)
        self._tie_rank = [0] * len(self.docs)
        for rank, i in enumerate(order):
            self._tie_rank[i] = rank
        self.lexicon = lexicon
        self._stop = lexicon.stopwords
        self._places = _place_phrases(places)
        weights: dict[str, dict[int, float]] = {}
        word_freq: Counter[str] = Counter()
        pair_freq: Counter[tuple[str, str]] = Counter()
        self._phrases: list[list[tuple[str, frozenset[str], float, str, str]]] = []
        self._building, self._prepared = True, {}  # aliases repeat across entries
        for i, doc in enumerate(self.docs):
            for text, kind in self._fields(doc):
                tokens = self._prepare(text)
                word_freq.update(tokens)
                pair_freq.update(itertools.pairwise(tokens))
                for feat in _features(tokens, self._stop):
                    row = weights.setdefault(feat, {})
                    row[i] = max(row.get(i, 0.0), FIELD_WEIGHTS[kind])
        n = len(self.docs)
        self._idf = {
            f: math.log(1 + (n - len(r) + 0.5) / (len(r) + 0.5)) for f, r in weights.items()
        }
        # Rows come in document order: the first weight of a row is set while reading it.
        self._postings = {f: _Posting.build(r, self._weight(f), n) for f, r in weights.items()}
        self._unknown_idf = math.log(1 + (n + 0.5) / 1.5)
        self.speller = Speller(word_freq, pair_freq)
        for doc in self.docs:
            self._phrases.append([self._phrase(p) for p in doc.phrases])
        self._building, self._prepared = False, {}
        self._text_features: dict[str, frozenset[str]] = {}
        self._model: EntryModel | None = None
        self._model_docs: tuple[int, ...] = ()

    def attach_model(self, model: EntryModel | None) -> None:
        """Add the learned entry model's opinion to every ranking (None: the search alone)."""
        self._model = model
        if model is not None:
            rows = {doc.id: i for i, doc in enumerate(self.docs)}
            self._model_docs = tuple(rows[e] for e in model.ids)

    def extended(self, docs: Sequence[IndexDoc]) -> SearchIndex:
        """This index with `docs` added, or put in place of the documents of the same id (an
        entry with more aliases): the words' weights and the speller take in the new texts;
        the entry model and the place names are kept, so this costs milliseconds, not the
        minutes of training (what staff teach in the console is searchable at once)."""
        fresh = {doc.id: doc for doc in docs}
        kept = [fresh.pop(doc.id, doc) for doc in self.docs]
        twin = SearchIndex([*kept, *fresh.values()], self.lexicon)
        twin._places = self._places
        twin.attach_model(self._model)
        return twin

    def with_places(self, places: Iterable[str]) -> SearchIndex:
        """The same index for another ward: place names are only read from questions, so
        wards with the same entries share the postings, the speller and the phrases."""
        twin = copy.copy(self)
        twin._places = _place_phrases(places)
        return twin

    @staticmethod
    def _fields(doc: IndexDoc) -> Iterable[tuple[str, str]]:
        yield doc.title, "title"
        for phrase in doc.phrases:
            yield phrase, "alias"
        for keyword in doc.keywords:
            yield keyword, "keyword"
        if doc.summary:
            yield doc.summary, "summary"

    def prepared(self, text: str) -> str:
        """A catalogue text as the index reads it, as one string (what the model learns)."""
        return " ".join(self._prepare(text))

    def _prepare(self, text: str) -> list[str]:
        """Words of a text as the index compares them; memoised while the index is built."""
        cached = self._prepared.get(text) if self._building else None
        if cached is None:
            cached = self.lexicon.without_questions(self.lexicon.expand(tokenize(text)))
            if self._building:
                self._prepared[text] = cached
        return cached

    def _phrase(self, text: str) -> tuple[str, frozenset[str], float, str, str]:
        """An alias for verbatim matching: its subject words in order, plus the common words
        it also needs ("sao y" needs "sao" and "y" somewhere in the message). An alias that
        denies ("không còn huyện") is said only word for word: its words scattered ("còn phải
        lên huyện không", a question) say something else."""
        tokens = self._prepare(text)
        core = " ".join(t for t in tokens if t not in self._stop)
        needed = frozenset(t for t in tokens if t in self._stop)
        mass = sum(self._weight(f) for f in _features(tokens, self._stop))
        whole = f" {' '.join(tokens)} " if needed & NEGATIONS else ""
        return core, needed, mass, text, whole

    def _weight(self, feature: str) -> float:
        idf = self._idf.get(feature, 0.0)
        return idf * PAIR_BOOST if " " in feature else idf

    def weight(self, feature: str) -> float:
        """How much a word or pair says, on a scale where a word unique to one entry is ~1."""
        return self._weight(feature) / self._unknown_idf

    def text_features(self, text: str) -> frozenset[str]:
        """The informative words and pairs of a catalogue text (for matching lines); memoised,
        since the same catalogue lines are compared with every question."""
        found = self._text_features.get(text)
        if found is None:
            found = frozenset(_features(self._prepare(text), self._stop))
            if len(self._text_features) < 50_000:
                self._text_features[text] = found
        return found

    def query_features(self, query: Query) -> set[str]:
        """Every informative word and pair of an analysed message, known or not."""
        return set(_features(query.tokens, self._stop))

    def analyze(self, text: str) -> Query:
        """Fold, expand, set aside place names, correct typos, and extract features."""
        tokens = self._prepare(text)
        if tokens[:1] == [STILL] and opens_with_still(text):
            tokens = tokens[1:]  # "con mấy đứa..." is "còn mấy đứa", not a child
        tokens += [w for means in self.lexicon.events_in(" ".join(tokens)) for w in means.split()]
        joined = f" {' '.join(tokens)} "
        places = []
        for place in self._places:
            if f" {place} " in joined:
                places.append(place)
                joined = joined.replace(f" {place} ", " ")
        tokens = self.speller.correct(joined.split(), self._stop)
        feats = list(dict.fromkeys(_features(tokens, self._stop)))
        known = tuple(f for f in feats if f in self._postings)
        unknown = tuple(
            f for f in feats if " " not in f and f not in self._postings and not f.isdigit()
        )
        mass = sum(self._weight(f) for f in known if " " not in f)
        mass += self._unknown_idf * len(unknown)
        return Query(tuple(tokens), known, unknown, tuple(places), mass)

    def search(self, text: str, limit: int = CANDIDATES, learned: bool = True) -> SearchResult:
        """Rank entries for a message; the best first."""
        return self.rank(self.analyze(text), limit, learned)

    def model_probabilities(self, query: Query, doc_ids: Sequence[str]) -> list[float]:
        """The entry model's probability that this message is about each of `doc_ids`, from
        one reading (0 without a model, or for an entry it does not know)."""
        if self._model is None:
            return [0.0] * len(doc_ids)
        probabilities = self._model.probabilities(" ".join(query.tokens))
        at = {doc_id: i for i, doc_id in enumerate(self._model.ids)}
        return [float(probabilities[at[d]]) if d in at else 0.0 for d in doc_ids]

    def rank(self, query: Query, limit: int = CANDIDATES, learned: bool = True) -> SearchResult:
        """Rank entries for an already analysed message; `learned`: with the entry model's
        opinion (the reading that decides), or by the words alone (cheap comparisons)."""
        if not query.features:
            return SearchResult(query)
        by_words: dict[int, float] = {}
        if learned and self._model is not None:
            scores = self._word_scores(query.features)  # the model may lift any entry
            by_words = dict(scores)
            if scores:
                # The learned second opinion, in proportion to how strongly the words matched.
                probabilities = self._model.probabilities(" ".join(query.tokens))
                lift = MODEL_WEIGHT * max(scores.values())
                for i, p in zip(self._model_docs, probabilities, strict=True):
                    scores[i] = scores.get(i, 0.0) + lift * p
        else:
            scores = self._word_scores(query.features, limit)
        k = min(limit, sum(map(bool, scores.values())))
        if k <= 0:
            return SearchResult(query)
        top = self._best(scores, k)
        core = f" {' '.join(t for t in query.tokens if t not in self._stop)} "
        words = frozenset(query.tokens)
        said = f" {' '.join(query.tokens)} "
        weighed = [(self._postings[f], self._weight(f)) for f in query.features]
        total = sum(w for _, w in weighed) + self._unknown_idf * len(query.unknown)
        total += UNKNOWN_PAIR * self._unknown_idf * self._unknown_pairs(query)
        ranked = sorted(
            (
                # Coverage: the weight of the message's features the entry has, summed in the
                # message's order.
                (
                    self._rescore(
                        i,
                        scores[i],
                        core,
                        words,
                        said,
                        _explained(i, weighed) / total,
                        by_words.get(i, 0.0),
                    ),
                    i,
                )
                for i in top
            ),
            # On a tie, the specific entry beats the broad topic that lists it.
            key=lambda pair: (-pair[0].score, pair[0].doc.kind == "topic", pair[0].doc.id),
        )
        matches = [match for match, _ in ranked]
        best, best_i = ranked[0]
        if best.phrase is None and self._lone_word(best_i, query.features):
            matches[0] = replace(best, lone_word=True)  # only the best one is judged on it
        return SearchResult(query, matches)

    def _word_scores(self, features: Sequence[str], limit: int = 0) -> dict[int, float]:
        """Entry row -> score by words (each feature it has adds its share, the strongest
        feature first) for every entry the features touch; with a `limit`, only for those
        that can still be among the `limit` best (at least `limit` of them, if touched)."""
        postings = sorted((self._postings[f] for f in features), key=lambda p: -p.top)
        remaining = sum(p.top for p in postings)  # the most the unread features can add
        scores: dict[int, float] = {}
        get = scores.get
        for at, posting in enumerate(postings):
            # MaxScore: once all the unread features together cannot lift an untouched entry
            # to the limit-th score so far, only the touched entries are still candidates,
            # and the common words' long postings need not be read whole.
            if 0 < limit <= len(scores) and remaining + SLACK < max(scores.values()):
                floor = heapq.nlargest(limit, scores.values())[-1]
                if remaining + SLACK < floor:
                    return self._completed(scores, postings[at:], remaining, floor, limit)
            for i, add in zip(posting.rows, posting.adds, strict=True):
                scores[i] = get(i, 0.0) + add
            remaining -= posting.top
        return scores

    @staticmethod
    def _completed(
        partial: dict[int, float],
        rest: Sequence[_Posting],
        remaining: float,
        floor: float,
        limit: int,
    ) -> dict[int, float]:
        """The scores of the `partial` entries that can still reach the `limit` best, with the
        `rest` features looked up entry by entry: highest partial score first, until even the
        `rest` at their most cannot lift the next one to the limit-th complete score."""
        cut = floor - remaining - SLACK
        hopeful = sorted(
            (i for i, score in partial.items() if score >= cut),
            key=partial.__getitem__,
            reverse=True,
        )
        best: list[float] = []  # a min-heap of the `limit` best complete scores
        scores: dict[int, float] = {}
        for i in hopeful:
            score = partial[i]
            if len(best) == limit and score + remaining + SLACK < best[0]:
                break  # the later ones' partial scores are no higher
            for rows, adds, _, levels, dense in rest:  # in the order a full reading adds them
                if dense:
                    score += levels[dense[i]]  # 0.0 when the entry lacks the feature
                else:  # inline: a method call per lookup costs ~10% of a large ranking
                    at = bisect_left(rows, i)
                    if at < len(rows) and rows[at] == i:
                        score += adds[at]
            scores[i] = score
            if len(best) < limit:
                heapq.heappush(best, score)
            else:
                heapq.heappushpop(best, score)
        return scores

    def _best(self, scores: dict[int, float], k: int) -> list[int]:
        """The rows of the `k` highest scores (all above zero). A tie for the last place goes
        as the ranking orders ties: the specific entry before the broad topic, then by id."""
        if len(scores) <= k:
            return list(scores)
        last = heapq.nlargest(k, scores.values())[-1]
        above = [i for i, score in scores.items() if score > last]
        tied = [i for i, score in scores.items() if score == last]
        return above + heapq.nsmallest(k - len(above), tied, key=self._tie_rank.__getitem__)

    def _tie_order(self, i: int) -> tuple[bool, str]:
        """Equal scores rank the specific entry before the broad topic, then by id."""
        doc = self.docs[i]
        return doc.kind == "topic", doc.id

    def _unknown_pairs(self, query: Query) -> int:
        """Adjacent subject words the catalogue never puts together ("quân sự", "rượu bia"):
        a subject it does not know, which no entry explains."""
        return sum(
            1
            for a, b in itertools.pairwise(query.tokens)
            if a not in self._stop
            and b not in self._stop
            and f"{a} {b}" not in self._postings
            and not a.isdigit()
            and not b.isdigit()
        )

    def _lone_word(self, i: int, features: Sequence[str]) -> bool:
        """True when entry `i` shares exactly one feature with the message, a single word
        (words nearly every entry has, like "phường", do not count)."""
        shared = []
        for feat in features:
            if self.weight(feat) < FAINT_WEIGHT:
                continue
            if self._postings[feat].has(i):
                shared.append(feat)
                if len(shared) > 1:
                    return False
        return len(shared) == 1 and " " not in shared[0]

    def _rescore(
        self,
        i: int,
        score: float,
        core: str,
        words: frozenset[str],
        said: str,
        coverage: float,
        word_score: float = 0.0,
    ) -> Match:
        best_mass, best_phrase, best_core, exact = 0.0, None, "", False
        faint = FAINT_WEIGHT * self._unknown_idf
        for phrase, needed, mass, original, whole in self._phrases[i]:
            # An alias of faint words only ("phường ở đâu" reads "phường") counts only when it
            # is the whole message: inside a longer one it names nothing.
            if mass < faint and f" {phrase} " != core:
                continue
            if (
                phrase
                and mass > best_mass
                and f" {phrase} " in core
                and needed <= words
                and (not whole or whole in said)
            ):
                best_mass, best_phrase, best_core = mass, original, phrase
                exact = f" {phrase} " == core
        total = (score + PHRASE_BONUS * best_mass) / self._unknown_idf + EXACT_BONUS * exact
        return Match(
            self.docs[i],
            total,
            best_phrase,
            frozenset(best_core.split()),
            coverage,
            word_score=word_score,
        )
