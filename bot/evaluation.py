"""Scoring the assistant on labelled resident questions and conversations.

One rule everywhere (tests, `python -m bot eval`, benches):
- strict: the reply's title or its first 600 characters name the right card; a clarifying
  choice is not an answer; a fallback never answers an in-scope question; an out-of-scope
  question must get the fallback; an in-scope matter the catalogue lacks must get the honest
  "chưa có thông tin" reply, not "ngoài phạm vi";
  a conversational turn labelled without needles (a thanks, a place typed inside a report)
  is right when the reply comes from that flow (its intent);
- lenient: the right card is among the choices offered, or named anywhere in the reply.

Files are JSON lines in the dev-set format (`q`, `topic`, `must_contain_any`, optionally
`entries`), or conversations (`turns`, each a labelled message or an `expect` note).
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from handlers.domain.types import Response

HEAD_CHARS = 600
LEAD_LINES = 3  # a facet asked about must be in the lines right under the title
OUT_OF_SCOPE = "out_of_scope"
UNKNOWN = "unknown_in_scope"
FACET_WORDS = {
    "fee": ("lệ phí", "phí", "miễn"),
    "time": ("thời hạn", "ngày", "giờ"),
    "where": ("nơi nộp", "ubnd", "công an", "bộ phận một cửa", "nộp tại"),
    "online": ("trực tuyến", "vneid", "dịch vụ công"),
    "documents": ("hồ sơ", "giấy tờ", "tờ khai"),
}


@dataclass(frozen=True)
class Case:
    """One labelled message: what a right answer must name."""

    q: str
    topic: str
    must_contain_any: tuple[str, ...] = ()
    entries: tuple[str, ...] = ()
    facet: str | None = None

    @classmethod
    def from_row(cls, row: dict, text_key: str = "q") -> Case:
        """A case from a JSON row (`q` for questions, `say` for conversation turns)."""
        return cls(
            row[text_key],
            row["topic"],
            tuple(row.get("must_contain_any") or ()),
            tuple(row.get("entries") or ()),
            row.get("facet"),
        )


@dataclass(frozen=True)
class DialogueTurn:
    """One message of a conversation; `case` is None for a turn described only in words."""

    say: str
    case: Case | None
    expect: str | None = None


@dataclass(frozen=True)
class Dialogue:
    """A labelled conversation, played as one resident."""

    id: str
    turns: tuple[DialogueTurn, ...]


@dataclass
class Scored:
    """A case with the reply it got and both verdicts."""

    case: Case
    response: Response
    strict: bool
    lenient: bool
    where: str = ""  # the conversation and turn, for conversations


@dataclass
class Report:
    """The scores of one file."""

    results: list[Scored] = field(default_factory=list)
    transcripts: list[tuple[str, str, str, Response]] = field(default_factory=list)

    def share(self, lenient: bool = False) -> float:
        """Share of cases answered right (strict or lenient)."""
        if not self.results:
            return 0.0
        hits = sum(r.lenient if lenient else r.strict for r in self.results)
        return hits / len(self.results)

    def per_topic(self) -> dict[str, tuple[int, int, int]]:
        """topic -> (strict hits, lenient hits, cases)."""
        table: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for r in self.results:
            row = table[r.case.topic]
            row[0] += r.strict
            row[1] += r.lenient
            row[2] += 1
        return {topic: (s, le, n) for topic, (s, le, n) in sorted(table.items())}


def _head(response: Response) -> str:
    return f"{response.title or ''}\n{response.text[:HEAD_CHARS]}".lower()


def _lead(response: Response) -> str:
    lines = response.text.splitlines()
    return "\n".join(lines[1 : 1 + LEAD_LINES]).lower()


def _names(case: Case, text: str) -> bool:
    return any(needle.lower() in text for needle in case.must_contain_any)


def is_strict(case: Case, response: Response) -> bool:
    """The strict rule (see the module docstring)."""
    if case.topic == OUT_OF_SCOPE:
        return response.intent == "fallback" and not _says_unknown(response)
    if case.topic == UNKNOWN:  # said plainly, with or without the closest card under it
        return _says_unknown(response) and response.intent != "clarify"
    if response.intent in ("clarify", "fallback"):
        return False
    if not case.must_contain_any and not case.entries and case.topic in TOPIC_INTENTS:
        return response.intent in TOPIC_INTENTS[case.topic]  # "cảm ơn", a place in a report
    named = _names(case, _head(response)) or (
        bool(case.entries) and response.content_id in case.entries
    )
    if named and case.facet in FACET_WORDS:
        return any(word in _lead(response) for word in FACET_WORDS[case.facet])
    return named


def is_lenient(case: Case, response: Response) -> bool:
    """The lenient rule: the right card offered in a choice, or named anywhere."""
    if is_strict(case, response):
        return True
    if case.topic in (OUT_OF_SCOPE, UNKNOWN):
        return response.intent == "fallback"
    if response.intent == "clarify":
        return any(_names(case, option.lower()) for option in response.options)
    return response.intent != "fallback" and _names(case, response.text.lower())


def _says_unknown(response: Response) -> bool:
    return "chưa có thông tin" in _head(response)


def read_file(path: Path) -> tuple[list[Case], list[Dialogue]]:
    """The questions and conversations of a JSON-lines file."""
    cases, dialogues = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if "turns" in row:
            turns = tuple(
                DialogueTurn(
                    t["say"], Case.from_row(t, "say") if "topic" in t else None, t.get("expect")
                )
                for t in row["turns"]
            )
            dialogues.append(Dialogue(str(row.get("id", number)), turns))
        else:
            cases.append(Case.from_row(row))
    return cases, dialogues


Ask = Callable[[str, str], Awaitable[Response]]  # (resident, text) -> the reply


async def evaluate(cases: Iterable[Case], dialogues: Iterable[Dialogue], ask: Ask) -> Report:
    """Play every question as a new resident and every conversation as one resident."""
    report = Report()
    run = uuid.uuid4().hex[:8]  # residents of this run are new to the database
    for number, case in enumerate(cases):
        response = await ask(f"eval-{run}-q{number}", case.q)
        report.results.append(
            Scored(case, response, is_strict(case, response), is_lenient(case, response))
        )
    for dialogue in dialogues:
        for position, turn in enumerate(dialogue.turns, 1):
            response = await ask(f"eval-{run}-d{dialogue.id}", turn.say)
            where = f"{dialogue.id}#{position}"
            report.transcripts.append((where, turn.say, turn.expect or "", response))
            if turn.case is not None:
                report.results.append(
                    Scored(
                        turn.case,
                        response,
                        is_strict(turn.case, response),
                        is_lenient(turn.case, response),
                        where,
                    )
                )
    return report


def summary(report: Report, name: str, show_misses: bool = True) -> list[str]:
    """The report as lines: scores, per topic, and the misses."""
    lines = [
        f"{name}: strict {report.share():.1%}, lenient {report.share(lenient=True):.1%} "
        f"of {len(report.results)}"
    ]
    for topic, (strict, lenient, total) in report.per_topic().items():
        lines.append(f"  {topic:<20} strict {strict}/{total}  lenient {lenient}/{total}")
    if show_misses:
        for r in report.results:
            if not r.strict:
                where = f"{r.where} " if r.where else ""
                first = r.response.text.splitlines()[0][:70] if r.response.text else ""
                lines.append(
                    f"  MISS {where}[{r.case.topic}] {r.case.q!r} -> {r.response.intent} "
                    f"{r.response.content_id} {r.response.options or first!r}"
                )
    return lines


# The act a labelled topic implies: the catalogue topics are questions.
TOPIC_ACTS = {
    "feedback": "problem",
    "feedback_status": "status",
    "handover": "handover",
    "learn": "learn",
    "greeting": "greeting",
    "thanks": "thanks",
    "out_of_scope": "chatter",
}


# The reply's intent that answers a conversational topic labelled without needles (a thanks,
# a phone number typed inside a report): the right flow answered it.
TOPIC_INTENTS = {
    "feedback": ("feedback",),
    "feedback_status": ("feedback",),
    "handover": ("handover",),
    "learn": ("learn",),
    "greeting": ("greeting", "menu"),
    "thanks": ("greeting",),
    "subscribe": ("subscribe",),
}


def act_of(topic: str) -> str:
    """The dialogue act a case's topic implies."""
    return TOPIC_ACTS.get(topic, "question")
