"""The feedback inbox of the console: filtered, searched (db/feedback_search.py), counted,
sorted and paged, and its CSV export (one record's pages: record_views.py)."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from bot.safe_cells import csv_text
from bot.staff.common import CHANNEL_LABELS, categories_of, db_of, local_time
from bot.staff.ward_views import unfilled_count
from db import feedback_queries as fq
from db import question_queries as qq
from db import staff_queries as sq
from db.models import StaffSession, StaffUser, utcnow
from handlers.domain.actions import number_arg
from handlers.domain.vocabulary import STATUS_LABELS

# --- the inbox -----------------------------------------------------------------------------

PAGE_SIZE = 50
SORTS = {"new": "Mới nhất trước", "due": "Hạn trả lời gần nhất trước"}


def _filters(request: web.Request, user: StaffUser) -> fq.InboxFilter:
    """The inbox's filters from the address (the CSV link carries the same ones)."""
    q = request.query
    return fq.InboxFilter(
        status=q.get("status", ""),
        category=q.get("category", ""),
        channel=q.get("channel", ""),
        announcement_id=number_arg(q.get("announcement", "")),
        overdue=bool(q.get("overdue")),
        search=q.get("q", "")[:100],
        assigned_to=user.id if q.get("mine") else None,
        sort=q.get("sort", "new") if q.get("sort") in SORTS else "new",
    )


def _page_link(query: dict[str, str], page: int) -> str:
    return "/staff/?" + urlencode({k: v for k, v in query.items() if k != "page"} | {"page": page})


async def inbox(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/: feedback with filters, counted, a page at a time."""
    db, now, filters = db_of(request), utcnow(), _filters(request, user)
    total = await fq.inbox_count(db, filters, now)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(number_arg(request.query.get("page", "1")) or 1, 1), pages)
    rows = await fq.inbox(db, filters, now, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    query = dict(request.query)
    context = {
        "user": user,
        "csrf": staff_session.csrf_token,
        "rows": rows,
        "total": total,
        "page": page,
        "pages": pages,
        "first": (page - 1) * PAGE_SIZE + 1,
        "previous": _page_link(query, page - 1) if page > 1 else None,
        "next": _page_link(query, page + 1) if page < pages else None,
        "assignees": await sq.display_names(db, [f.assigned_to for f in rows if f.assigned_to]),
        "now": now,
        "categories": categories_of(request),
        "statuses": STATUS_LABELS,
        "channels": CHANNEL_LABELS,
        "sorts": SORTS,
        "query": query,
        "export": "/staff/export.csv?" + urlencode(query),
        # Admins see how much of the ward's own data residents still miss.
        "unfilled": await unfilled_count(request) if user.role == "admin" else 0,
        "questions_open": await qq.open_count(db),
    }
    return aiohttp_jinja2.render_template("inbox.html", request, context)


async def export_csv(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/export.csv: the filtered list (no phone numbers)."""
    rows = await fq.inbox(db_of(request), _filters(request, user), utcnow())
    categories, now = categories_of(request), utcnow()
    out = io.StringIO()
    writer = csv.writer(out)

    def write(fields: list) -> None:  # residents' words never become formulas
        writer.writerow([csv_text(field) for field in fields])

    writer.writerow(
        [
            "Mã",
            "Nhóm",
            "Tình trạng",
            "Kênh",
            "Ngày gửi",
            "Hạn trả lời",
            "Quá hạn",
            "Khu vực",
            "Nội dung",
            "Bộ phận phụ trách",
            "Cán bộ được giao",
        ]
    )
    names = await sq.display_names(db_of(request), [f.assigned_to for f in rows if f.assigned_to])
    for f in rows:
        overdue = fq.overdue(f, now)
        write(
            [
                f.service_request_id,
                categories.get(f.service_code, f.service_code),
                STATUS_LABELS.get(f.status, f.status),
                CHANNEL_LABELS.get(f.channel),
                local_time(f.requested_datetime),
                local_time(f.expected_datetime),
                "có" if overdue else "",
                f.area or "",
                f.description,
                f.agency_responsible or "",
                names.get(f.assigned_to or 0, ""),
            ]
        )
    return web.Response(
        body=("\ufeff" + out.getvalue()).encode(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="phan-anh.csv"'},
    )
