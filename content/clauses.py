"""The clauses of a long message, and which of them carries the request.

"Dạ em chào phường, em ở tổ 7. Vợ em mới sinh bé. Cho em hỏi làm khai sinh ở đâu?" has a
greeting, a story and a request. The greeting says nothing about the answer; the request
clause, when it names its subject, decides it.
"""

from __future__ import annotations

import re

from content.normalize import folded_phrase

MIN_WORDS = 12  # shorter messages are read whole
_SENTENCES = re.compile(r"[.?!;\n]+|,\s+")
# Phrases that mark a clause as the request (folded).
REQUEST_MARKERS = (
    "cho hoi",
    "xin hoi",
    "cho em hoi",
    "cho toi hoi",
    "cho chau hoi",
    "cho bac hoi",
    "lam sao",
    "the nao",
    "nhu the nao",
    "ra sao",
    "o dau",
    "cho nao",
    "bao nhieu",
    "bao lau",
    "may ngay",
    "duoc khong",
    "duoc ko",
    "dc ko",
    "co duoc",
    "co can",
    "can gi",
    "can nhung gi",
    "phai lam gi",
    "thu tuc gi",
    "giay to gi",
    "huong dan",
    "muon hoi",
    "nho phuong",
    "giup",
)
# Openings that only greet or introduce the writer.
PREAMBLES = re.compile(
    r"^(?:da |vang |xin |kinh )?(?:(?:em|toi|chau|con|bac|minh|tui) )?"
    r"(?:chao|thua|kinh gui)\b"
)
INTRODUCTION = re.compile(r"^(?:em|toi|chau|bac|minh|con|tui|tao) (?:la|o|ten|nam nay)\b")
# "em ở tổ 7" introduces; "em ở nhà trông con nhỏ nên cả nhà chưa ai có bảo hiểm y tế" tells.
MAX_INTRODUCTION_WORDS = 10


def clauses(text: str) -> list[str]:
    """The sentences and comma-separated clauses of a message, in order."""
    return [part.strip() for part in _SENTENCES.split(text) if part and part.strip()]


def is_preamble(clause: str) -> bool:
    """True for a clause that only greets or introduces ("Dạ em chào phường", "em ở tổ 7")."""
    folded = folded_phrase(clause)
    introduces = bool(INTRODUCTION.match(folded)) and len(folded.split()) <= MAX_INTRODUCTION_WORDS
    return (bool(PREAMBLES.match(folded)) or introduces) and not is_request(clause)


def is_request(clause: str) -> bool:
    """True for a clause that asks for something ("cho em hỏi...", "...ở đâu?")."""
    padded = f" {folded_phrase(clause)} "
    return clause.rstrip().endswith("?") or any(f" {m} " in padded for m in REQUEST_MARKERS)


def readings(text: str) -> list[str]:
    """Ways to read a long message, most specific first: each request clause, the request
    clauses with the sentence before each, and the whole message without its preamble.
    A short message has one reading: itself."""
    if len(text.split()) < MIN_WORDS:
        return [text]
    parts = clauses(text)
    kept = [p for p in parts if not is_preamble(p)] or parts
    found: list[str] = []
    for i, part in enumerate(kept):
        if is_request(part):
            found.append(part)
            if i > 0:
                found.append(f"{kept[i - 1]}, {part}")
    found.append(", ".join(kept))
    return list(dict.fromkeys(found))
