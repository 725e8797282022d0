"""Vietnamese text folding and the resident lexicon (abbreviations, filler words, small talk).

Residents type with or without diacritics, so everything is compared in a folded form:
lowercase, no tone or vowel marks, "đ" as "d", punctuation as spaces.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, PrivateAttr, field_validator

from content.yaml_text import read_yaml

LEXICON_PATH = Path(__file__).resolve().parent / "lexicon.yaml"

_TOKEN = re.compile(r"[a-z0-9]+")


def _fold_table() -> dict[int, str | None]:
    """Every accented Latin letter to its base letter, combining marks removed, đ to d."""
    table: dict[int, str | None] = {ord("đ"): "d", ord("Đ"): "d"}
    for code in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        base = unicodedata.normalize("NFD", chr(code))[0]
        if base != chr(code) and base.isascii():
            table[code] = base
    table.update({code: None for code in range(0x300, 0x370)})
    return table


_FOLD_TABLE = _fold_table()


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Lowercase and strip Vietnamese diacritics: "Đăng ký" -> "dang ky"."""
    return text.translate(_FOLD_TABLE).lower()


def tokenize(text: str) -> list[str]:
    """Split folded text into word tokens (letters and digits only)."""
    return _TOKEN.findall(fold(text))


def marked_tokens(text: str) -> list[tuple[str, bool]]:
    """Folded word tokens, each with whether the resident wrote it with diacritics ("cà" is a
    word, "ca" may be shorthand). Folding keeps one letter per letter of NFC text."""
    original = unicodedata.normalize("NFC", text).lower()
    folded = fold(original)
    if len(folded) != len(original):  # stray combining marks: nothing counts as marked
        return [(token, False) for token in _TOKEN.findall(folded)]
    return [
        (m.group(), original[m.start() : m.end()] != m.group()) for m in _TOKEN.finditer(folded)
    ]


# An unmarked "con" opening a message is most often "còn" ("con may dua ra truong thi sao":
# còn mấy đứa...), not a child, unless a child is named right after it ("con tôi", "con 10
# tuổi", "con gái").
STILL = "con"
A_CHILD_AFTER = frozenset(
    {"toi", "tui", "em", "minh", "chau", "anh", "chi", "be", "gai", "trai", "nho", "ut", "cai"}
    | {"nha", "cua", "so", "moi", "dau", "thu", "ruot", "nuoi", "rieng", "chung", "ba", "me"}
)


def opens_with_still(text: str) -> bool:
    """True when the message opens with an unmarked "con" that reads as "còn"."""
    return _still_first(marked_tokens(text[:80]))


def _still_first(tokens: list[tuple[str, bool]]) -> bool:
    if len(tokens) < 2 or tokens[0] != (STILL, False):
        return False
    after = tokens[1][0]
    return after not in A_CHILD_AFTER and not after.isdigit()


def folded_phrase(text: str) -> str:
    """A phrase in canonical folded form, tokens joined by single spaces."""
    return " ".join(tokenize(text))


class Situation(BaseModel):
    """One situation a question can be about: its name for residents, how they ask it, how
    the catalogue's lines say it (phrases folded, longest first)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    asked: tuple[str, ...]
    lines: tuple[str, ...]

    @field_validator("asked", "lines", mode="before")
    @classmethod
    def _fold(cls, value: list[str]) -> tuple[str, ...]:
        return tuple(sorted({folded_phrase(v) for v in value}, key=len, reverse=True))


class Lexicon(BaseModel):
    """How residents write: shorthand, words that carry no subject, and small talk."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    abbreviations: dict[str, str]
    # Shorthand that is also an everyday word ("ca": công an, but also cả, cá, cà phê) is
    # expanded only beside one of these words ("ra ca phường", "báo ca").
    shorthand_beside: dict[str, frozenset[str]] = {}
    # Word pairs read as one word, because one of their words alone means something else
    # once folded: "mai táng" (a burial) is not "mái" (a roof) or "mai" (tomorrow).
    compounds: dict[str, str] = {}
    stopwords: frozenset[str]
    greetings: frozenset[str]
    thanks: frozenset[str]
    goodbye: frozenset[str]
    cancel: frozenset[str]
    menu: frozenset[str]
    aspects: dict[str, tuple[str, ...]]
    question_phrases: tuple[str, ...]
    # Subjects a question phrase must not break once folded: "có căn cước" is not "có cần"
    # (a question phrase) followed by "cước".
    subject_pairs: frozenset[str] = frozenset()
    situations: dict[str, Situation] = {}
    # Events told in a sentence, with the words the catalogue uses for them: "ông tôi mất sáng
    # nay" is a death ("qua đời"), though "mất" alone is also "lost". Regex on folded text.
    events: dict[str, str] = {}
    # ...compiled once: every message runs all of them.
    _event_patterns: list[tuple[re.Pattern[str], str]] = PrivateAttr(default_factory=list)
    _compound_starts: frozenset[str] = PrivateAttr(default=frozenset())  # first words of pairs
    _as_tokens: dict[str, str] = PrivateAttr(default_factory=dict)  # phrase -> as tokens read

    def model_post_init(self, _context: object) -> None:
        self._event_patterns = [(re.compile(p), means) for p, means in self.events.items()]
        self._compound_starts = frozenset(pair.split()[0] for pair in self.compounds)

    @field_validator("events")
    @classmethod
    def _valid_events(cls, value: dict[str, str]) -> dict[str, str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"event pattern {pattern!r}: {exc}") from exc
        return {key: " ".join(tokenize(v)) for key, v in value.items()}

    def events_in(self, folded: str) -> list[str]:
        """The catalogue's words for the events a folded message tells."""
        return [means for pattern, means in self._event_patterns if pattern.search(folded)]

    @field_validator("abbreviations")
    @classmethod
    def _single_token_keys(cls, value: dict[str, str]) -> dict[str, str]:
        for key, expansion in value.items():
            if tokenize(key) != [key]:
                raise ValueError(f"abbreviation {key!r} must be one folded word")
            if not tokenize(expansion):
                raise ValueError(f"abbreviation {key!r} has an empty expansion")
        return {key: " ".join(tokenize(v)) for key, v in value.items()}

    @field_validator("compounds", mode="before")
    @classmethod
    def _pairs(cls, value: list[str]) -> dict[str, str]:
        pairs = {" ".join(tokenize(p)): "".join(tokenize(p)) for p in value or []}
        for pair in pairs:
            if len(pair.split()) != 2:
                raise ValueError(f"compound {pair!r} must be two folded words")
        return pairs

    @field_validator("shorthand_beside", mode="before")
    @classmethod
    def _neighbour_sets(cls, value: dict[str, list[str]]) -> dict[str, frozenset[str]]:
        return {key: frozenset(words) for key, words in (value or {}).items()}

    @field_validator(
        "stopwords", "greetings", "thanks", "goodbye", "cancel", "menu", mode="before"
    )
    @classmethod
    def _fold_all(cls, value: list[str]) -> frozenset[str]:
        return frozenset(folded_phrase(str(v)) for v in value)

    @field_validator("aspects", mode="before")
    @classmethod
    def _fold_aspects(cls, value: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
        # Longest first, so "bao nhieu tien" is tried before "tien".
        return {
            name: tuple(sorted({folded_phrase(p) for p in phrases}, key=len, reverse=True))
            for name, phrases in value.items()
        }

    @field_validator("question_phrases", mode="before")
    @classmethod
    def _fold_questions(cls, value: list[str]) -> tuple[str, ...]:
        return tuple(sorted({folded_phrase(p) for p in value}, key=len, reverse=True))

    def without_questions(self, tokens: list[str]) -> list[str]:
        """Drop question phrases ("cần mang gì", "ở đâu"): they say what kind of answer is
        wanted, not what the question is about."""
        padded = f" {' '.join(tokens)} "
        for phrase in self.question_phrases:
            last = phrase.rsplit(" ", 1)[-1]
            start = 0
            while (at := padded.find(f" {phrase} ", start)) >= 0:
                end = at + len(phrase) + 1  # the space after the phrase
                following = padded[end + 1 :].split(" ", 1)[0]
                if f"{last} {following}" in self.subject_pairs:
                    start = end  # its last word begins the subject: kept
                    continue
                padded = padded[:at] + padded[end:]
                start = at
        return padded.split()

    def aspects_in(self, folded: str) -> list[str]:
        """Aspects ("time", "fee", ...) a folded question asks about, in the lexicon's order."""
        padded = f" {folded} "
        return [
            name
            for name, phrases in self.aspects.items()
            if any(f" {phrase} " in padded for phrase in phrases)
        ]

    def as_tokens(self, phrase: str) -> str:
        """A folded phrase as a message's tokens read it: shorthand expanded ("trên đt"), pairs
        joined; memoised, since the same facet phrases are compared with every follow-up."""
        found = self._as_tokens.get(phrase)
        if found is None:
            found = self._as_tokens[phrase] = " ".join(self.expand(phrase.split()))
        return found

    def expand(self, tokens: list[str]) -> list[str]:
        """Replace shorthand tokens by the words they stand for."""
        return self._compounded([w for i in range(len(tokens)) for w in self._expanded(tokens, i)])

    def _compounded(self, words: list[str]) -> list[str]:
        """The words with every compound pair joined into its one word."""
        starts = self._compound_starts
        if not starts.intersection(words):
            return words
        out: list[str] = []
        i = 0
        while i < len(words):
            starting = words[i] in starts and i + 1 < len(words)
            pair = f"{words[i]} {words[i + 1]}" if starting else ""
            if pair in self.compounds:
                out.append(self.compounds[pair])
                i += 2
            else:
                out.append(words[i])
                i += 1
        return out

    def _expanded(self, tokens: list[str], i: int) -> list[str]:
        """The words token i stands for, its neighbours deciding for an everyday word."""
        token = tokens[i]
        beside = self.shorthand_beside.get(token)
        if beside is not None:
            around = {tokens[j] for j in (i - 1, i + 1) if 0 <= j < len(tokens)}
            if not around & beside:
                return [token]
        return self.abbreviations.get(token, token).split()

    def words(self, text: str) -> list[str]:
        """A message's folded words, shorthand expanded; a word written with diacritics is a
        word, not shorthand ("cà phê" is not "công an phê"); an opening "còn" typed "con" is
        left out."""
        out: list[str] = []
        tokens = marked_tokens(text)
        kept = tokens[1:] if _still_first(tokens) else tokens
        plain = [token for token, _ in kept]
        for i, (token, marked) in enumerate(kept):
            out.extend([token] if marked else self._expanded(plain, i))
        return self._compounded(out)

    def is_filler(self, tokens: list[str]) -> bool:
        """True when every token is a filler word (nothing is really asked)."""
        return all(token in self.stopwords for token in tokens)


def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    """Read and validate the lexicon file; read once per process while it is unchanged (the
    wards of a deployment share it, and with it their search index)."""
    return _lexicon(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _lexicon(path: Path, _modified: int) -> Lexicon:
    return Lexicon.model_validate(read_yaml(path))
