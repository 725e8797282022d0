"""Typo correction against the catalogue's own vocabulary.

Residents mistype one letter ("kin doanh", "chuyển khoảng"), swap two ("vnied", "hon hnan") or
write a sound-alike ("tạm chú", "dấy tờ"). A word the catalogue does not know is corrected to a
known word at edit distance 1, looked up first among words that follow (or precede) its known
neighbour in the catalogue, which keeps short syllables from drifting to unrelated words.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping

from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

# Sound-alike spellings residents confuse, folded to one key (initial and final consonants).
_INITIALS = (
    ("ngh", "ng"),
    ("ng", "ng"),
    ("nh", "nh"),
    ("kh", "kh"),
    ("ch", "ch"),
    ("th", "th"),
    ("ph", "ph"),
    ("gh", "g"),
    ("gi", "d"),
    ("tr", "ch"),
    ("r", "d"),
    ("s", "x"),
    ("k", "c"),
    ("q", "c"),
)
_FINALS = re.compile(r"(ng|nh|c|y)$")
_FINAL_KEYS = {"ng": "n", "nh": "n", "c": "t", "y": "i"}


def sound_key(token: str) -> str:
    """Key under which sound-alike spellings collide: "tru" and "chu" both give "chu"."""
    for prefix, key in _INITIALS:
        if token.startswith(prefix):
            token = key + token[len(prefix) :]
            break
    return _FINALS.sub(lambda m: _FINAL_KEYS[m.group(1)], token)


# Vietnamese syllables without marks: an onset and a rhyme. A word that is a possible syllable
# ("rach", "ban") is a real word the catalogue happens not to use, so it is only corrected
# when a known neighbour supports the correction.
_ONSETS = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|g|h|k|l|m|n|p|q|r|s|t|v|x|"
_RHYMES = (
    "a|ac|ach|ai|am|an|ang|anh|ao|ap|at|au|ay|e|ec|ech|em|en|eng|enh|eo|ep|et|eu|i|ia|ich|iec|"
    "iem|ien|ieng|iep|iet|ieu|im|in|inh|ip|it|iu|o|oa|oac|oach|oai|oam|oan|oang|oanh|oao|oap|"
    "oat|oay|oc|oe|oen|oeo|oet|oi|om|on|ong|ooc|oong|op|ot|u|ua|uan|uang|uanh|uat|uay|uc|ue|"
    "uech|uen|uenh|uet|ui|um|un|ung|uo|uoc|uoi|uom|uon|uong|uop|uot|uou|up|ut|uu|uy|uya|uych|"
    "uyen|uyet|uynh|uyt|uyu|y|yem|yen|yet|yeu"
)
_SYLLABLE = re.compile(f"(?:{_ONSETS})(?:{_RHYMES})")


def is_syllable(token: str) -> bool:
    """True when the token could be a Vietnamese syllable written without marks."""
    return _SYLLABLE.fullmatch(token) is not None


MIN_PAIR_FOR_SOUND = 3


class Speller:
    """Corrects unknown words and unknown word pairs to the catalogue's vocabulary."""

    def __init__(
        self, word_freq: Mapping[str, int], pair_freq: Mapping[tuple[str, str], int]
    ) -> None:
        # Most frequent first, so ties between equally close words go to the common one.
        self._words = sorted(word_freq, key=lambda w: (-word_freq[w], w))
        self._known = frozenset(word_freq)
        self._pairs = frozenset(pair_freq)
        followers: dict[str, set[str]] = defaultdict(set)
        leaders: dict[str, set[str]] = defaultdict(set)
        by_sound: dict[str, tuple[str, str]] = {}
        for first, second in sorted(self._pairs):
            followers[first].add(second)
            leaders[second].add(first)
            # Only well-established pairs ("tạm trú", "kết hôn") attract sound-alikes.
            if pair_freq[first, second] >= MIN_PAIR_FOR_SOUND:
                key = f"{sound_key(first)} {sound_key(second)}"
                best = by_sound.get(key)
                if best is None or pair_freq[first, second] > pair_freq[best]:
                    by_sound[key] = (first, second)
        order = {w: i for i, w in enumerate(self._words)}
        self._followers = {k: sorted(v, key=order.__getitem__) for k, v in followers.items()}
        self._leaders = {k: sorted(v, key=order.__getitem__) for k, v in leaders.items()}
        self._by_sound = by_sound
        self._cache: dict[str, str | None] = {}

    def knows(self, token: str) -> bool:
        """True when the catalogue uses this word."""
        return token in self._known

    def correct(self, tokens: list[str], stopwords: frozenset[str]) -> list[str]:
        """Return the tokens with unknown words and sound-alike pairs corrected."""
        out = list(tokens)
        for i, token in enumerate(out):
            if token in self._known or token in stopwords or token.isdigit() or len(token) < 3:
                continue
            fixed = self._in_context(out, i)
            if fixed is None and len(token) >= 4 and not is_syllable(token):
                fixed = self._anywhere(token)
            if fixed is not None:
                out[i] = fixed
        for i in range(len(out) - 1):
            pair = (out[i], out[i + 1])
            if pair in self._pairs or (pair[0] in stopwords and pair[1] in stopwords):
                continue
            alike = self._by_sound.get(f"{sound_key(pair[0])} {sound_key(pair[1])}")
            if alike is not None and self._may_respell(pair, alike, stopwords):
                out[i], out[i + 1] = alike
        return out

    def _may_respell(
        self, pair: tuple[str, str], alike: tuple[str, str], stopwords: frozenset[str]
    ) -> bool:
        """A filler or unknown word may become its sound-alike ("chú" in "tạm chú" -> "trú").
        A real word only changes when its partner is a subject word that stays ("hông" in
        "kết hông" -> "hôn"), never next to a filler ("được giấy" stays "giấy")."""
        for k, (old, new) in enumerate(zip(pair, alike, strict=True)):
            if old == new or old in stopwords or old not in self._known:
                continue
            partner, partner_new = pair[1 - k], alike[1 - k]
            if partner != partner_new or partner in stopwords:
                return False
        return True

    def _in_context(self, tokens: list[str], i: int) -> str | None:
        token = tokens[i]
        # A real syllable ("kin", "bện") only gains or loses a letter ("kinh", "bệnh"); a
        # vowel swap would turn real words into others ("giùm" is not "giám").
        scorer = Indel.distance if is_syllable(token) else OSA.distance
        if i > 0 and tokens[i - 1] in self._followers:
            hit = _closest(token, self._followers[tokens[i - 1]], scorer)
            if hit is not None:
                return hit
        if i + 1 < len(tokens) and tokens[i + 1] in self._leaders:
            return _closest(token, self._leaders[tokens[i + 1]], scorer)
        return None

    def _anywhere(self, token: str) -> str | None:
        if token not in self._cache:
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[token] = _closest(token, self._words)
        return self._cache[token]


def _closest(token: str, candidates: list[str], scorer=OSA.distance) -> str | None:
    hit = process.extractOne(token, candidates, scorer=scorer, score_cutoff=1)
    return None if hit is None else hit[0]
