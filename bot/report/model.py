"""The report's figures as plain data: what `figures.py` computes in the database and what the
workbook, the Word report, the charts and the console page all show."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from handlers.domain.calendar import VIETNAM


@dataclass(frozen=True)
class Period:
    """Whole local days (Asia/Ho_Chi_Minh), `start` to `end` inclusive."""

    start: date
    end: date
    label: str  # "tháng 10/2026", "quý IV/2026", "từ 01/10/2026 đến 15/10/2026"

    def bounds(self) -> tuple[datetime, datetime]:
        """[first midnight, midnight after the last day) in UTC."""
        first = datetime.combine(self.start, time(), VIETNAM).astimezone(UTC)
        after = datetime.combine(self.end + timedelta(days=1), time(), VIETNAM).astimezone(UTC)
        return first, after

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


@dataclass
class ChannelUse:
    channel: str
    label: str  # "Telegram", "Zalo OA", "Trang web", "Dòng lệnh"...
    conversations: int
    messages_in: int
    residents: int


@dataclass
class Usage:
    """Messages residents sent (inbound) and conversations, every channel counted."""

    conversations: int
    messages_in: int
    messages_out: int
    residents: int  # distinct residents who wrote in the period
    new_residents: int  # first seen in the period
    returning_residents: int  # seen before the period, wrote again in it
    outside_office_hours: int  # inbound messages outside office hours (and weekends)
    by_channel: list[ChannelUse]
    by_day: dict[date, dict[str, int]]  # local day -> channel -> inbound messages
    by_hour: list[int]  # 24 values: inbound messages by local hour
    by_intent: dict[str, int]  # intent -> inbound messages
    unanswered: int  # inbound messages the assistant could not answer


@dataclass
class EntryCount:
    """A procedure or how-to residents asked about."""

    content_id: str
    title: str
    kind: str  # "procedure", "howto", "hotline", "topic"
    count: int


@dataclass
class GapGroup:
    """Unanswered questions that say much the same thing (personal data masked)."""

    example: str
    count: int
    variants: list[str] = field(default_factory=list)  # up to 5 other wordings
    best_guess: str | None = None  # the title the search came closest to


@dataclass
class CategoryCount:
    code: str
    title: str
    count: int
    by_status: dict[str, int] = field(default_factory=dict)  # status -> count


@dataclass
class FeedbackFigures:
    received: int  # filed in the period
    answered: int  # first answered in the period
    resolved: int  # resolved in the period
    open_overdue: int  # at the end of the period: not answered nor resolved, past due
    by_category: list[CategoryCount]  # filed in the period
    by_status: dict[str, int]  # filed in the period, current status -> count
    by_channel: dict[str, int]  # filed in the period
    median_hours_to_first_answer: float | None  # answered in the period
    median_hours_to_resolution: float | None  # resolved in the period
    on_time: int  # first answered (or resolved) in the period by the due date
    due_in_period: int  # first answered (or resolved) in the period: the base of the rate

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.due_in_period if self.due_in_period else None


@dataclass
class Satisfaction:
    count: int
    average: float | None
    distribution: dict[int, int]  # score 1..5 -> count (every score present)
    by_subject: dict[str, tuple[int, float]]  # "answer"/"feedback" -> (count, average)


@dataclass
class AnnouncementRow:
    id: int
    title: str  # first line of the text
    queued_at: datetime | None
    recipients: int
    sent: int  # handed to the platform (web: fetched by the visitor)
    failed: int
    blocked: int
    undeliverable: int
    replies: int
    # Web only: waiting for the visitor to open the page again; not delivered yet, so never
    # counted as sent.
    awaiting: int = 0


@dataclass
class AnnouncementFigures:
    rows: list[AnnouncementRow]  # queued in the period

    @property
    def count(self) -> int:
        return len(self.rows)

    def total(self, name: str) -> int:
        return sum(getattr(row, name) for row in self.rows)


@dataclass
class Subscribers:
    at_start: int  # residents receiving at least one topic when the period began
    gained: int
    lost: int
    by_day: dict[date, int]  # residents subscribed at the end of each local day
    by_topic: dict[str, int]  # topic code -> residents subscribed at the end

    @property
    def at_end(self) -> int:
        return self.at_start + self.gained - self.lost


@dataclass
class CourseCount:
    course_id: str
    title: str
    started: int
    completed: int


@dataclass
class Learning:
    """Bình dân học vụ số: courses begun and finished, contest entries, in the period."""

    started: int = 0
    completed: int = 0
    by_course: list[CourseCount] = field(default_factory=list)
    contest_entries: int = 0  # attempts finished in the period
    contest_passed: int = 0


@dataclass
class QuestionFigures:
    """Questions residents handed over to staff, and what staff taught the assistant."""

    forwarded: int = 0  # handed over in the period
    answered: int = 0  # answered by staff in the period
    median_hours_to_answer: float | None = None  # of those answered in the period
    entries_learned: int = 0  # ward entries written from staff answers in the period
    aliases_learned: int = 0  # residents' wordings taught in the period
    answered_by_learned: int = 0  # later questions the assistant answered from what was taught


@dataclass(frozen=True)
class Signing:
    """Who the Word report goes to and who signs it, as the ward set them in the console
    (Thông tin của phường, `report.*`); empty means not set yet."""

    addressees: tuple[str, ...] = ()  # "Kính gửi": the offices the report is sent to
    authority: str = "TM."  # "TM.": for the committee; "KT.": a deputy for the chairman
    title: str | None = None  # "CHỦ TỊCH", "PHÓ CHỦ TỊCH"
    signer: str | None = None  # the signer's full name

    @property
    def signer_title(self) -> str:
        """The title under the authority: a deputy signs "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"."""
        default = "PHÓ CHỦ TỊCH" if self.authority == "KT." else "CHỦ TỊCH"
        return (self.title or default).upper()

    @property
    def lines(self) -> list[str]:
        """Authority and title over the signature (Nghị định 30/2020): "TM. ỦY BAN NHÂN DÂN /
        CHỦ TỊCH", or for a deputy "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"."""
        deputy = ["KT. CHỦ TỊCH"] if self.authority == "KT." else []
        return ["TM. ỦY BAN NHÂN DÂN", *deputy, self.signer_title]


@dataclass
class Report:
    ward_name: str
    period: Period
    generated_at: datetime
    usage: Usage
    top_entries: list[EntryCount]  # most asked first
    gaps: list[GapGroup]  # largest first
    feedback: FeedbackFigures
    satisfaction: Satisfaction
    announcements: AnnouncementFigures
    subscribers: Subscribers
    channel_labels: dict[str, str]
    status_labels: dict[str, str]  # feedback status -> Vietnamese
    topic_labels: dict[str, str]  # subscription topic -> Vietnamese
    learning: Learning = field(default_factory=Learning)
    questions: QuestionFigures = field(default_factory=QuestionFigures)
    signing: Signing = field(default_factory=Signing)

    @property
    def _computed_at(self) -> datetime:
        """`generated_at`, aware (naive values are UTC, as the database stores them)."""
        moment = self.generated_at
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    @property
    def unfinished(self) -> bool:
        """The period was not over when the figures were computed."""
        return self._computed_at < self.period.bounds()[1]

    @property
    def last_day(self) -> date:
        """The last day with figures: the end of the period, or the day they were computed."""
        return min(self.period.end, self._computed_at.astimezone(VIETNAM).date())

    @property
    def days_so_far(self) -> list[date]:
        """The days of the period up to `last_day`: charts and tables stop there."""
        return [day for day in self.period.days if day <= self.last_day]
