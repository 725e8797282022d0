"""Contest pages of the console (admin and tech team): the list, the create/edit form, and a
contest's page with its question bank (one by one or from Excel), the live leaderboards and
the results in Excel. Residents take the contest in the chat (handlers/contest.py).

The bank is frozen once anyone has started: an attempt fixes its questions and their order
when it starts, so a later change would make its answers and score wrong. Each view runs
inside the guard's transaction (routes.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from bot.contests import bank
from bot.keys import DEPS
from bot.report import text
from bot.staff import common
from bot.staff.common import CHANNEL_LABELS, CONTESTS_CHANGED, db_of, see_other
from db import contest_queries as cq
from db.models import Contest, ContestQuestion, StaffSession, StaffUser, utcnow
from handlers.domain.actions import number_arg
from handlers.domain.calendar import VIETNAM

MAX_UPLOAD = 2 * 1024 * 1024  # an Excel bank of hundreds of questions is far smaller
MAX_BODY = MAX_UPLOAD + 256 * 1024  # the file plus the form's other fields
MAX_TITLE, MAX_INTRO, MAX_AFFILIATION = 200, 4000, 200
EXPORT_LIMIT = 1_000_000  # every finished attempt goes into the workbook
SHOWN = 100  # people on the page's leaderboard
PHASES = {
    "draft": "Chưa công bố",
    "upcoming": "Sắp mở",
    "open": "Đang mở",
    "ended": "Đã kết thúc",
}
DONE_MESSAGES = {  # fixed texts picked by ?done=, so a link cannot put words on the page
    "created": "Đã tạo cuộc thi. Hãy thêm câu hỏi rồi công bố.",
    "created_published": (
        "Đã tạo và công bố cuộc thi. Người dân thấy cuộc thi khi đã có câu hỏi và đến giờ "
        "bắt đầu: hãy thêm câu hỏi."
    ),
    "saved": "Đã lưu thay đổi.",
    "added": "Đã thêm câu hỏi.",
    "deleted": "Đã xóa câu hỏi.",
    "imported": "Đã nhập câu hỏi từ tệp Excel.",
    "imported_samples": (
        "Đã nhập câu hỏi từ tệp Excel; các câu ví dụ của tệp mẫu được bỏ qua, không nhập."
    ),
}


class ContestError(ValueError):
    """A form that cannot be saved, with a message for staff."""


# --- loading and small helpers ---------------------------------------------------------------


async def _contest(request: web.Request) -> Contest:
    raw = request.match_info["id"]
    found = await db_of(request).get(Contest, number) if (number := number_arg(raw)) else None
    if found is None:
        raise web.HTTPNotFound(text="Không có cuộc thi này.")
    return found


def _phase(contest: Contest, now: datetime) -> str:
    if not contest.published:
        return "draft"
    if now < contest.starts_at:
        return "upcoming"
    return "open" if now < contest.ends_at else "ended"


def _clock(seconds: float | None) -> str:
    """75.4 -> "1:15" (whole seconds, as the chat tells the participant)."""
    if seconds is None:
        return ""
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _page(
    request: web.Request,
    template: str,
    user: StaffUser,
    staff_session: StaffSession,
    status: int = 200,
    **context: Any,
) -> web.Response:
    context |= {
        "phases": PHASES,
        "letters": bank.LETTERS,
        "clock": _clock,
        "decimal": text.decimal,
        "channels": CHANNEL_LABELS,
    }
    return common.page(request, template, user, staff_session, status, **context)


# --- the list --------------------------------------------------------------------------------


async def index(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/contests: the newest first, with their questions and participants."""
    db = db_of(request)
    rows = await cq.recent(db, 200)
    ids = [c.id for c in rows]
    now = utcnow()
    return _page(
        request,
        "contests.html",
        user,
        staff_session,
        rows=rows,
        questions=await cq.question_counts(db, ids) if ids else {},
        attempts=await cq.attempt_counts(db, ids) if ids else {},
        phase={c.id: _phase(c, now) for c in rows},
    )


# --- the contest form ------------------------------------------------------------------------


def _input_time(value: datetime | None) -> str:
    """An aware UTC time as the value of a datetime-local field (ward time)."""
    return value.astimezone(VIETNAM).strftime("%Y-%m-%dT%H:%M") if value else ""


def _parse_time(value: str, label: str) -> datetime:
    """A datetime-local value, read as the ward's time."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ContestError(f"{label} chưa đúng (cần cả ngày và giờ).") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VIETNAM)
    return moment.astimezone(UTC)


def _values_of(contest: Contest | None) -> dict[str, Any]:
    """The form's fields for a contest, or the defaults for a new one."""
    if contest is None:
        return {
            "title": "",
            "intro": "",
            "starts_at": "",
            "ends_at": "",
            "pass_percent": "50",
            "affiliation_question": "",
            "published": False,
            **_integrity_values(Contest()),
        }
    return {
        "title": contest.title,
        "intro": contest.intro,
        "starts_at": _input_time(contest.starts_at),
        "ends_at": _input_time(contest.ends_at),
        "pass_percent": str(contest.pass_percent),
        "affiliation_question": contest.affiliation_question or "",
        "published": contest.published,
        **_integrity_values(contest),
    }


INTEGRITY_DEFAULTS = {  # the model's own defaults (they apply only on insert)
    name: Contest.__table__.c[name].default.arg
    for name in (
        "reveal_after_close",
        "min_seconds_per_answer",
        "web_attempts_per_device",
        "web_attempts_per_address",
    )
}
LIMITS = {  # field: (label, largest value)
    "min_seconds_per_answer": ("Số giây tối thiểu cho một câu", 60),
    "web_attempts_per_device": ("Số lượt thi trên một thiết bị", 1000),
    "web_attempts_per_address": ("Số lượt thi trên một địa chỉ mạng", 100000),
}


def _integrity_values(contest: Contest) -> dict[str, Any]:
    values = {
        name: default if getattr(contest, name) is None else getattr(contest, name)
        for name, default in INTEGRITY_DEFAULTS.items()
    }
    return {name: v if isinstance(v, bool) else str(v) for name, v in values.items()}


def _values_from(form: MultiDictProxy[Any]) -> dict[str, Any]:
    """What was typed, kept as is so an error page shows it again."""

    def field(name: str, limit: int = 400) -> str:
        return str(form.get(name, ""))[:limit]

    return {
        "title": field("title", 2 * MAX_TITLE),
        "intro": field("intro", 2 * MAX_INTRO),
        "starts_at": field("starts_at", 40),
        "ends_at": field("ends_at", 40),
        "pass_percent": field("pass_percent", 10).strip(),
        "affiliation_question": field("affiliation_question", 2 * MAX_AFFILIATION),
        "published": form.get("published") == "on",
        "reveal_after_close": form.get("reveal") != "at_finish",
        # Left empty (or not sent): the default.
        **{name: field(name, 10).strip() or str(INTEGRITY_DEFAULTS[name]) for name in LIMITS},
    }


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    """The contest's columns from the form, or ContestError naming the first problem. It may
    be published before it has questions: residents see it once it has some
    (db/contest_queries.py)."""
    title = " ".join(values["title"].split())
    if not title:
        raise ContestError("Tên cuộc thi đang trống.")
    if len(title) > MAX_TITLE:
        raise ContestError(f"Tên cuộc thi dài quá {MAX_TITLE} ký tự.")
    intro = values["intro"].replace("\r\n", "\n").strip()
    if len(intro) > MAX_INTRO:
        raise ContestError(f"Lời giới thiệu dài quá {MAX_INTRO} ký tự.")
    if not values["starts_at"].strip() or not values["ends_at"].strip():
        raise ContestError("Cần chọn cả thời gian bắt đầu và thời gian kết thúc.")
    starts_at = _parse_time(values["starts_at"], "Thời gian bắt đầu")
    ends_at = _parse_time(values["ends_at"], "Thời gian kết thúc")
    if ends_at <= starts_at:
        raise ContestError("Thời gian kết thúc phải sau thời gian bắt đầu.")
    percent = number_arg(values["pass_percent"])
    if percent is None or not 1 <= percent <= 100:
        raise ContestError("Tỷ lệ đạt phải là một số từ 1 đến 100 (phần trăm số câu đúng).")
    affiliation = " ".join(values["affiliation_question"].split())
    if len(affiliation) > MAX_AFFILIATION:
        raise ContestError(f"Câu hỏi về đơn vị dài quá {MAX_AFFILIATION} ký tự.")
    limits = {}
    for name, (label, largest) in LIMITS.items():
        number = number_arg(values[name])
        if number is None or not 0 <= number <= largest:
            raise ContestError(f"{label} phải là một số từ 0 đến {largest} (0: không giới hạn).")
        limits[name] = number
    return {
        "title": title,
        "intro": intro,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "pass_percent": percent,
        "affiliation_question": affiliation or None,
        "published": values["published"],
        "reveal_after_close": values["reveal_after_close"],
        **limits,
    }


def _form(
    request: web.Request,
    user: StaffUser,
    staff_session: StaffSession,
    contest: Contest | None,
    values: dict[str, Any],
    error: str | None = None,
) -> web.Response:
    return _page(
        request,
        "contest_form.html",
        user,
        staff_session,
        status=400 if error else 200,
        c=contest,
        values=values,
        error=error,
    )


async def new_form(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/contests/new."""
    return _form(request, user, staff_session, None, _values_of(None))


async def create(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST /staff/contests/new: the contest, then its page to add questions."""
    values = _values_from(await request.post())
    try:
        columns = _checked(values)
    except ContestError as exc:
        return _form(request, user, staff_session, None, values, str(exc))
    contest = Contest(**columns, created_by=f"staff:{user.username}")
    request[CONTESTS_CHANGED] = True
    db_of(request).add(contest)
    await db_of(request).flush()
    done = "created_published" if contest.published else "created"
    return see_other(f"/staff/contests/{contest.id}?done={done}")


async def edit_form(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/contests/{id}/edit."""
    contest = await _contest(request)
    return _form(request, user, staff_session, contest, _values_of(contest))


async def edit(request: web.Request, user: StaffUser, staff_session: StaffSession) -> web.Response:
    """POST /staff/contests/{id}/edit: title, window, pass mark, publishing (the questions
    have their own forms on the contest's page)."""
    contest = await _contest(request)
    values = _values_from(await request.post())
    try:
        columns = _checked(values)
    except ContestError as exc:
        return _form(request, user, staff_session, contest, values, str(exc))
    for name, value in columns.items():
        setattr(contest, name, value)
    request[CONTESTS_CHANGED] = True
    return see_other(f"/staff/contests/{contest.id}?done=saved")


# --- one contest -----------------------------------------------------------------------------


def _blank_question() -> dict[str, Any]:
    return {"question": "", "options": ["", "", "", ""], "answer": "A", "explanation": ""}


def _locked_message(started: int) -> str:
    return (
        f"Đã có {started} người bắt đầu làm bài nên không thể sửa bộ câu hỏi nữa: mỗi bài thi "
        "giữ đúng các câu hỏi lúc bắt đầu, sửa lúc này sẽ làm sai bài và điểm của họ. "
        "Nếu cần bộ câu hỏi khác, hãy tạo cuộc thi mới."
    )


async def _detail(
    request: web.Request,
    user: StaffUser,
    staff_session: StaffSession,
    contest: Contest,
    status: int = 200,
    error: str | None = None,
    import_error: str | None = None,
    question_values: dict[str, Any] | None = None,
) -> web.Response:
    db = db_of(request)
    started, finished = (await cq.attempt_counts(db, [contest.id])).get(contest.id, (0, 0))
    phase = _phase(contest, utcnow())
    standings = await cq.leaderboard(db, contest, limit=SHOWN)
    return _page(
        request,
        "contest_detail.html",
        user,
        staff_session,
        status=status,
        c=contest,
        phase=phase,
        questions=await cq.questions(db, contest.id),
        started=started,
        finished=finished,
        locked=_locked_message(started) if started else None,
        standings=standings,
        flagged=sum(1 for s in standings if s.flags),
        more=max(0, finished - len(standings)),
        passed=lambda s: cq.passes(s.score, s.total, contest.pass_percent),
        groups=await cq.by_affiliation(db, contest.id),
        refresh=phase == "open",
        error=error,
        import_error=import_error,
        done=DONE_MESSAGES.get(request.query.get("done", "")),
        new_q=question_values or _blank_question(),
        now_text=f"{utcnow().astimezone(VIETNAM):%H:%M:%S}",
        max_upload_mb=MAX_UPLOAD // (1024 * 1024),
    )


async def detail(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/contests/{id}: questions, leaderboards (refreshed while open), downloads."""
    return await _detail(request, user, staff_session, await _contest(request))


async def _refuse_if_locked(
    request: web.Request, user: StaffUser, staff_session: StaffSession, contest: Contest
) -> web.Response | None:
    """409 with the reason once anyone has started; None while the bank may change."""
    started = await cq.started_count(db_of(request), contest.id)
    if not started:
        return None
    return await _detail(
        request, user, staff_session, contest, status=409, error=_locked_message(started)
    )


async def _append(request: web.Request, contest: Contest, rows: list[bank.QuestionRow]) -> None:
    """New questions after the existing ones, in the given order. A published contest shows
    in the chat once it has questions: its menus read the contests again."""
    db = db_of(request)
    request[CONTESTS_CHANGED] = True
    last = await cq.last_position(db, contest.id)
    for offset, row in enumerate(rows, start=1):
        db.add(
            ContestQuestion(
                contest_id=contest.id,
                position=last + offset,
                question=row.question,
                options=list(row.options),
                answer=row.answer,
                explanation=row.explanation,
            )
        )
    await db.flush()


async def add_question(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST /staff/contests/{id}/questions: one question from the small form."""
    contest = await _contest(request)
    if (refused := await _refuse_if_locked(request, user, staff_session, contest)) is not None:
        return refused
    form = await request.post()
    values = {
        "question": str(form.get("question", ""))[: 2 * bank.MAX_QUESTION],
        "options": [str(form.get(f"option_{x.lower()}", ""))[:600] for x in bank.LETTERS],
        "answer": str(form.get("answer", ""))[:20],
        "explanation": str(form.get("explanation", ""))[: 2 * bank.MAX_EXPLANATION],
    }
    try:
        row = bank.make_question(
            values["question"], values["options"], values["answer"], values["explanation"]
        )
    except bank.BankError as exc:
        return await _detail(
            request, user, staff_session, contest, 400, error=str(exc), question_values=values
        )
    await _append(request, contest, [row])
    return see_other(f"/staff/contests/{contest.id}?done=added#questions")


async def delete_question(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST /staff/contests/{id}/questions/delete (form field `question`: its id)."""
    contest = await _contest(request)
    if (refused := await _refuse_if_locked(request, user, staff_session, contest)) is not None:
        return refused
    raw = str((await request.post()).get("question", ""))
    db = db_of(request)
    number = number_arg(raw)
    question = await db.get(ContestQuestion, number) if number is not None else None
    if question is None or question.contest_id != contest.id:
        raise web.HTTPNotFound(text="Không có câu hỏi này.")
    if contest.published and len(await cq.questions(db, contest.id)) == 1:
        message = (
            "Cuộc thi đã công bố cần ít nhất một câu hỏi. Hãy bỏ công bố trước khi xóa câu cuối."
        )
        return await _detail(request, user, staff_session, contest, 400, error=message)
    await db.delete(question)
    request[CONTESTS_CHANGED] = True
    return see_other(f"/staff/contests/{contest.id}?done=deleted#questions")


def _upload(form: MultiDictProxy[Any]) -> bytes:
    """The chosen file's bytes, or BankError with what to do instead."""
    upload = form.get("file")
    if not isinstance(upload, web.FileField) or not upload.filename:
        raise bank.BankError("Hãy chọn tệp Excel (.xlsx) để nhập.")
    bank.check_filename(upload.filename)
    data = upload.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise bank.BankError(
            f"Tệp lớn quá {MAX_UPLOAD // (1024 * 1024)} MB. Bộ câu hỏi thường chỉ vài chục KB: "
            "hãy xóa hình ảnh hoặc các trang tính không cần thiết rồi tải lên lại."
        )
    return data


PARSED = web.RequestKey("parsed_bank", object)  # the upload's bank (ReadBank), or why not


async def parse_upload(request: web.Request, form: MultiDictProxy[Any] | None) -> None:
    """Before the import's transaction (the route's `prepare`): read the workbook in a thread,
    bounded by the bank's limits."""
    try:
        if form is None:
            raise bank.BankError("Hãy chọn tệp Excel (.xlsx) để nhập.")
        request[PARSED] = await asyncio.to_thread(bank.read_bank, _upload(form))
    except bank.BankError as exc:
        request[PARSED] = exc


async def import_questions(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST /staff/contests/{id}/import: every question of an Excel sheet, or none (the
    first bad row is named). "Thay thế" replaces the bank instead of adding to it."""
    contest = await _contest(request)
    if (refused := await _refuse_if_locked(request, user, staff_session, contest)) is not None:
        return refused
    form = await request.post()
    if PARSED not in request:  # called without the route's preparation
        await parse_upload(request, form)
    parsed = request[PARSED]
    if isinstance(parsed, bank.BankError):
        return await _detail(request, user, staff_session, contest, 400, import_error=str(parsed))
    assert isinstance(parsed, bank.ReadBank)
    db = db_of(request)
    if form.get("replace") == "on":
        await cq.delete_questions(db, contest.id)
    await _append(request, contest, parsed.questions)
    done = "imported_samples" if parsed.samples else "imported"
    return see_other(f"/staff/contests/{contest.id}?done={done}#questions")


# --- downloads -------------------------------------------------------------------------------


async def template_xlsx(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/contests/template.xlsx: the example bank to fill in."""
    return common.attachment(await asyncio.to_thread(bank.template), "mau-cau-hoi-cuoc-thi.xlsx")


async def results_xlsx(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/contests/{id}/results.xlsx: every finished attempt, ranked, and the
    affiliation table."""
    contest = await _contest(request)
    db = db_of(request)
    standings = await cq.leaderboard(db, contest, limit=EXPORT_LIMIT)
    groups = await cq.by_affiliation(db, contest.id)
    attempts = await cq.finished_attempts(db, contest.id)
    body = await asyncio.to_thread(  # everything is loaded: the thread touches no database
        bank.export_results,
        contest,
        standings,
        groups,
        attempts,
        channel_names=CHANNEL_LABELS,
        now=utcnow(),
        public_url=request.app[DEPS].public_url,
    )
    return common.attachment(body, f"ket-qua-cuoc-thi-{contest.id}.xlsx")
