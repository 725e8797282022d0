"""Vietnamese formatting shared by the workbook and the Word report: 1.234 (dot thousands),
"95,2%", "12,5 giờ", dates dd/mm/yyyy in Asia/Ho_Chi_Minh, and the labels both files use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime

from bot.report.model import Report
from handlers.domain.calendar import VIETNAM

MISSING = "chưa có số liệu"

KIND_LABELS = {
    "procedure": "Thủ tục",
    "howto": "Hướng dẫn",
    "hotline": "Đường dây nóng",
    "topic": "Chủ đề",
    "redirect": "Nơi khác giải quyết",
}
SUBJECT_LABELS = {"answer": "Câu trả lời của trợ lý", "feedback": "Xử lý phản ánh"}
SCORES = (1, 2, 3, 4, 5)
# AnnouncementRow fields counted per announcement and summed in the total rows
ANNOUNCEMENT_COUNTS = (
    "recipients",
    "sent",
    "awaiting",
    "failed",
    "blocked",
    "undeliverable",
    "replies",
)
AWAITING_LABEL = "Chờ người dân mở trang web"  # web messages not fetched yet: not sent
SHORT = 120  # characters of a resident's question or an announcement's line in a table
WARD_PREFIXES = ("phường ", "xã ", "thị trấn ", "đặc khu ")


def _swap_separators(text: str) -> str:
    """Python's "1,234.5" becomes Vietnamese "1.234,5"."""
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def number(value: int | None) -> str:
    return MISSING if value is None else _swap_separators(f"{value:,}")


def decimal(value: float | None, digits: int = 1) -> str:
    return MISSING if value is None else _swap_separators(f"{value:,.{digits}f}")


def percent(rate: float | None, digits: int = 1) -> str:
    """A 0..1 rate: 0.952 -> "95,2%"."""
    return MISSING if rate is None else f"{decimal(rate * 100, digits)}%"


def hours(value: float | None) -> str:
    return MISSING if value is None else f"{decimal(value)} giờ"


def shorten(words: str, limit: int = SHORT) -> str:
    """At most `limit` characters, cut at a word where one is near, ending in "…"."""
    words = " ".join(words.split())
    if len(words) <= limit:
        return words
    cut = words[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–") + "…"


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    return part / whole if whole else None


def local(moment: datetime) -> datetime:
    """The moment in Vietnam time; naive values are UTC, as the database stores them."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(VIETNAM)


def local_date(moment: datetime | None) -> date | None:
    return None if moment is None else local(moment).date()


def day(value: date | None) -> str:
    return MISSING if value is None else f"{value:%d/%m/%Y}"


def moment_text(moment: datetime) -> str:
    return f"{local(moment):%d/%m/%Y %H:%M}"


def data_until(report: Report) -> str | None:
    """ "số liệu đến ngày 15/10/2026" while the period is not over; None once it is."""
    return f"số liệu đến ngày {day(report.last_day)}" if report.unfinished else None


def dated(value: date) -> str:
    """Nghị định 30/2020: a zero before days under 10 and months 1 and 2."""
    month = f"{value.month:02d}" if value.month <= 2 else str(value.month)
    return f"ngày {value.day:02d} tháng {month} năm {value.year}"


def place_name(ward_name: str) -> str:
    """ "Phường Đăk Bla" -> "Đăk Bla" (the place on the date line)."""
    lowered = ward_name.lower()
    for prefix in WARD_PREFIXES:
        if lowered.startswith(prefix):
            return ward_name[len(prefix) :].strip()
    return ward_name.strip()


def in_sentence(name: str) -> str:
    """ "Phường Đăk Bla" -> "phường Đăk Bla" inside a sentence."""
    return name[:1].lower() + name[1:]


def ordered(keys: Iterable[str], preferred: Iterable[str]) -> list[str]:
    """Keys in the preferred order first (as the label dicts list them), then the rest sorted."""
    wanted = set(keys)
    first = [key for key in preferred if key in wanted]
    return first + sorted(wanted - set(first))


def statuses(report: Report) -> list[str]:
    """Feedback statuses that occur in the period, in the order of `status_labels`."""
    feedback = report.feedback
    seen = {s for c in feedback.by_category for s, n in c.by_status.items() if n}
    seen |= {s for s, n in feedback.by_status.items() if n}
    return ordered(seen, report.status_labels)


def channel_label(report: Report, channel: str) -> str:
    for use in report.usage.by_channel:
        if use.channel == channel and use.label:
            return use.label
    return report.channel_labels.get(channel, channel)


def day_channels(report: Report) -> list[str]:
    """Channels of the by-day table: those of `by_channel` first, then any other seen by day."""
    listed = [use.channel for use in report.usage.by_channel]
    extra = {ch for counts in report.usage.by_day.values() for ch in counts} - set(listed)
    return listed + sorted(extra)


def hours_of_day(report: Report) -> list[int]:
    """Always 24 values, whatever the figures hold."""
    values = list(report.usage.by_hour[:24])
    return values + [0] * (24 - len(values))


def distribution(report: Report) -> dict[int, int]:
    """Every score 1..5, zero where nobody gave it."""
    given: Mapping[int, int] = report.satisfaction.distribution
    return {score: given.get(score, 0) for score in SCORES}
