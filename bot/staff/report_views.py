"""The console's report page: the same figures as the monthly workbook and Word report, for a
month, a quarter or two dates, with the charts inline and both documents to download.

The figures come from the database inside the guard's transaction (async); drawing charts and
writing documents is CPU work of a second or more, so it runs in a worker thread and the
server keeps answering residents meanwhile. Nothing is kept on disk: charts are drawn in
memory and documents are built in a temporary folder removed before the response leaves."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.keys import DEPS
from bot.report import figures, text
from bot.report import period as periods
from bot.report.model import Period, Report
from bot.report.period import PeriodError
from bot.staff import common
from bot.staff.common import db_of
from db import ward_value_queries
from db.models import StaffSession, StaffUser
from handlers.domain.calendar import VIETNAM
from handlers.domain.vocabulary import rating_label

YEARS = (2020, 2100)  # outside these a period is a typo (and year 1 overflows UTC bounds)
FIELDS = ("month", "quarter", "from", "to")
QUARTERS_LISTED = 8  # the quarter menu: this one and the seven before
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CHART_TITLES = {  # alt text and captions on the page
    "daily_volume": "Tin nhắn người dân gửi theo ngày",
    "top_topics": "Thủ tục, hướng dẫn được hỏi nhiều nhất",
    "feedback_categories": "Phản ánh theo lĩnh vực và tình trạng",
    "on_time": "Tỷ lệ phản ánh được trả lời đúng hạn",
    "satisfaction": "Mức độ hài lòng của người dân",
    "subscribers": "Người dân đăng ký nhận thông báo",
}
# The page's sections in order (anchor, table-of-contents label): the template draws the table
# of contents from this list, and a test checks that every section on the page is in it.
SECTIONS = (
    ("su-dung", "1. Sử dụng"),
    ("hoi-nhieu", "2. Được hỏi nhiều"),
    ("chua-tra-loi", "3. Chưa trả lời được"),
    ("phan-anh", "4. Phản ánh"),
    ("thong-bao", "5. Thông báo"),
    ("hai-long", "6. Hài lòng"),
    ("dang-ky", "7. Đăng ký nhận tin"),
    ("hoc-ky-nang-so", "8. Học kỹ năng số"),
    ("van-ban", "9. Văn bản Word"),
)


# --- the period asked for --------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """The period and the query naming it, so chart and download links ask for the same."""

    period: Period
    query: dict[str, str]

    @property
    def encoded(self) -> str:
        return urlencode(self.query)


def field(query: Mapping[str, str], name: str) -> str:
    """A query value, trimmed and short (every valid one is under 20 characters)."""
    return str(query.get(name, "")).strip()[:20]


def this_month(now: datetime | None = None) -> str:
    return (now or datetime.now(VIETNAM)).astimezone(VIETNAM).strftime("%Y-%m")


def choose(query: Mapping[str, str], now: datetime | None = None) -> Choice:
    """?quarter=2026-Q4, or ?from=2026-10-01&to=2026-10-15, or ?month=2026-10 (default: this
    month in Vietnam). Empty fields are ignored, so one form may send all of them."""
    month, quarter, first, last = (field(query, name) for name in FIELDS)
    try:
        if quarter:
            choice = Choice(periods.quarter(quarter), {"quarter": quarter})
        elif first or last:
            choice = Choice(periods.between(first, last), {"from": first, "to": last})
        else:
            month = month or this_month(now)
            choice = Choice(periods.month(month), {"month": month})
    except PeriodError:
        raise
    except ValueError as exc:  # "0000-01" passes the pattern but is no date
        raise PeriodError(f"năm phải từ {YEARS[0]} đến {YEARS[1]}") from exc
    if choice.period.start.year < YEARS[0] or choice.period.end.year > YEARS[1]:
        raise PeriodError(f"năm phải từ {YEARS[0]} đến {YEARS[1]}")
    return choice


def problem(error: PeriodError) -> str:
    return f"Chưa đọc được thời gian báo cáo: {error}."


class ReportCache:
    """Figures for a period, kept a minute: the page and its six charts ask for the same
    figures within seconds, and over a million messages each computation takes a second or
    two. A change to the ward's values (the report's addressees and signer) is a new key, so
    the next download carries it."""

    def __init__(self, seconds: float = 60.0) -> None:
        self.seconds = seconds
        self._items: dict[tuple[date, date, int], tuple[float, Report]] = {}

    async def get(self, request: web.Request, period: Period) -> Report:
        now = time.monotonic()
        self._items = {k: v for k, v in self._items.items() if now - v[0] < self.seconds}
        catalogue = request.app[DEPS].catalogue
        version = await ward_value_queries.version(db_of(request), catalogue.ward.id)
        key = (period.start, period.end, version)
        if key not in self._items:
            self._items[key] = (now, await figures.compute(db_of(request), catalogue, period))
        return self._items[key][1]


REPORTS = web.AppKey("report_cache", ReportCache)


async def _report(request: web.Request) -> Report:
    """The figures for the period in the query; a bad period is a 400 with the reason."""
    try:
        choice = choose(request.query)
    except PeriodError as exc:
        raise web.HTTPBadRequest(text=problem(exc)) from None
    return await request.app[REPORTS].get(request, choice.period)


# --- the page --------------------------------------------------------------------------------


def _quarters(today: date) -> list[tuple[str, str]]:
    """(value, label) for the menu, the current quarter first."""
    year, number = today.year, (today.month - 1) // 3 + 1
    listed = []
    for _ in range(QUARTERS_LISTED):
        listed.append((f"{year}-Q{number}", f"Quý {periods.ROMAN[number]}/{year}"))
        year, number = (year, number - 1) if number > 1 else (year - 1, 4)
    return listed


def _shortcuts(today: date) -> list[tuple[str, str]]:
    """One-click periods: this month, last month, this quarter."""
    last = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    return [
        ("Tháng này", urlencode({"month": f"{today:%Y-%m}"})),
        ("Tháng trước", urlencode({"month": f"{last:%Y-%m}"})),
        ("Quý này", urlencode({"quarter": _quarters(today)[0][0]})),
    ]


FORMAT = {  # the workbook's and the Word report's own wording, so all three read the same
    "number": text.number,
    "decimal": text.decimal,
    "percent": text.percent,
    "hours": text.hours,
    "share": text.share,
    "day": text.day,
    "moment": text.moment_text,
    "kinds": text.KIND_LABELS,
    "subjects": text.SUBJECT_LABELS,
    "missing": text.MISSING,
    "rating_label": rating_label,
    "awaiting_label": text.AWAITING_LABEL,
    "announcement_counts": text.ANNOUNCEMENT_COUNTS,
    "sections": SECTIONS,
}


def _page(
    request: web.Request,
    user: StaffUser,
    staff_session: StaffSession,
    form: Mapping[str, str],
    status: int = 200,
    **context: Any,
) -> web.Response:
    today = datetime.now(VIETNAM).date()
    context |= {
        "form": {name: field(form, name) for name in FIELDS},
        "quarters": _quarters(today),
        "shortcuts": _shortcuts(today),
        "chart_titles": CHART_TITLES,
        "announcer": user.role in ("admin", "tech_team"),  # may open announcement pages
        **FORMAT,
    }
    return common.page(request, "report.html", user, staff_session, status, **context)


def _sections(report: Report) -> dict[str, Any]:
    """What the template would otherwise compute: statuses in use, totals, scores."""
    return {
        "statuses": text.statuses(report),
        "distribution": text.distribution(report),
        "topics": text.ordered(report.subscribers.by_topic, report.topic_labels),
        "feedback_channels": text.ordered(report.feedback.by_channel, report.channel_labels),
        "outside_share": text.share(report.usage.outside_office_hours, report.usage.messages_in),
        "data_until": text.data_until(report),
    }


async def page(request: web.Request, user: StaffUser, staff_session: StaffSession) -> web.Response:
    """GET /staff/report?month=2026-10 (or quarter=, or from=&to=)."""
    try:
        choice = choose(request.query)
    except PeriodError as exc:
        return _page(request, user, staff_session, request.query, 400, error=problem(exc))
    report = await request.app[REPORTS].get(request, choice.period)
    return _page(
        request,
        user,
        staff_session,
        choice.query,  # the form shows the period on screen, the default month included
        report=report,
        query=choice.encoded,
        **_sections(report),
    )


# --- pictures and documents ------------------------------------------------------------------


async def chart(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/report/chart/{id}.png?<period>: one chart (its key in CHART_TITLES, as in
    bot/report/charts.py; the route table's usual {id} name), drawn in memory."""
    name = request.match_info["id"]
    if name not in CHART_TITLES:
        raise web.HTTPNotFound(text="Không có biểu đồ này.")
    report = await _report(request)
    picture = await asyncio.to_thread(_chart_png, name, report)
    # Private: the figures are the ward's; a few minutes' reuse spares a redraw on reload.
    headers = {"Cache-Control": "private, max-age=300"}
    return web.Response(body=picture, content_type="image/png", headers=headers)


def _chart_png(name: str, report: Report) -> bytes:
    from bot.report import charts  # matplotlib loads with the first chart, not with the app

    return charts.png(name, report)


def _document(report: Report, kind: str) -> tuple[bytes, str]:
    """Build the workbook and the Word report in a throw-away folder; keep one of them."""
    from bot.report import build  # openpyxl, python-docx and matplotlib: only when asked

    with tempfile.TemporaryDirectory(prefix="bao-cao-") as folder:
        files = build.write(report, Path(folder))
        path = files.workbook if kind == "xlsx" else files.document
        return path.read_bytes(), path.name


async def _download(request: web.Request, kind: str, content_type: str) -> web.Response:
    report = await _report(request)
    body, filename = await asyncio.to_thread(_document, report, kind)
    return common.attachment(body, filename, content_type)


async def download_xlsx(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/report/download.xlsx?<period>: the workbook."""
    return await _download(request, "xlsx", common.XLSX)


async def download_docx(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/report/download.docx?<period>: the Word report."""
    return await _download(request, "docx", DOCX)
