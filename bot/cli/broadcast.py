"""`python -m bot broadcast ...`: announcements from scripts and cron.

`create` prints the new id on its last line; `status` prints the delivery figures; `send`
sends one announcement in the foreground with a progress bar and exits when every recipient
is done. Several senders (this one and running servers) can share a broadcast safely: rows are
claimed, never sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar

import aiohttp
import click
from tqdm import tqdm

from bot.channels import registry, webchat
from bot.cli.context import load_settings
from bot.outbox import OutboxSender, sender_options
from bot.settings import Settings
from bot.wiring import core, database
from content.loader import load_ward_catalogue
from content.normalize import folded_phrase
from db import announcement_queries as aq
from handlers.deps import Deps
from handlers.domain import announcements as service
from handlers.domain.announcement_card import CHANNELS
from handlers.domain.calendar import VIETNAM
from handlers.domain.recurrence import describe
from handlers.domain.vocabulary import TOPICS

T = TypeVar("T")
STATUS_WORDS = {
    "draft": "bản nháp",
    "submitted": "chờ duyệt",
    "approved": "đã duyệt, chờ đến giờ gửi",
    "sending": "đang gửi",
    "done": "đã gửi xong",
    "cancelled": "đã hủy",
}
DELIVERY_WORDS = {
    "sent": "đã gửi",
    "awaiting_pickup": "chờ mở trang web",
    "pending": "đang chờ",
    "sending": "đang gửi",
    "failed": "lỗi",
    "blocked": "đã chặn bot",
    "undeliverable": "không gửi được",
    "cancelled": "đã hủy",
}


def parse_time(text: str) -> datetime:
    """ "2026-12-04 17:00" (ward time) or ISO 8601 with an offset -> aware UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError as exc:
        raise click.BadParameter("dùng dạng 2026-12-04 17:00 (giờ Việt Nam)") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VIETNAM)
    return moment.astimezone(UTC)


def topic_code(text: str) -> str:
    """A topic by code or by its Vietnamese name, with or without diacritics."""
    wanted = folded_phrase(text).replace(" ", "-")
    for code, title in TOPICS.items():
        if wanted in (code, folded_phrase(title).replace(" ", "-")):
            return code
    raise click.BadParameter(f"chủ đề không có: {text} (có: {', '.join(TOPICS)})")


@click.group()
def broadcast() -> None:
    """Announcements: create, send, follow delivery."""


@broadcast.command("create")
@click.option("--text", required=True, help="The announcement's text.")
@click.option("--topic", "topics", multiple=True, help="Topic code or name (repeatable).")
@click.option("--area", "areas", multiple=True, help="Tổ dân phố (repeatable; default all).")
@click.option(
    "--channel", "channels", multiple=True, type=click.Choice(list(CHANNELS)), help="Channel."
)
@click.option("--image", "image_url", default=None, help="https URL of a picture.")
@click.option("--link", "link_url", default=None, help="https URL to read more.")
@click.option("--at", "send_at", default=None, help="Send time, e.g. '2026-12-04 17:00'.")
@click.option("--repeat", default=None, help="weekly, biweekly, monthly, daily or an RRULE.")
@click.option("--course", default=None, help="A course id: adds a button into that lesson.")
@click.option("--contest", type=int, default=None, help="A contest id: adds a button to it.")
@click.option("--emergency", is_flag=True, help="To every active resident, whatever topics.")
@click.option("--yes", is_flag=True, help="Confirm an emergency announcement.")
@click.option("--approve", is_flag=True, help="Approve it now, as an admin would.")
def create(
    text: str,
    topics: tuple[str, ...],
    areas: tuple[str, ...],
    channels: tuple[str, ...],
    image_url: str | None,
    link_url: str | None,
    send_at: str | None,
    repeat: str | None,
    course: str | None,
    contest: int | None,
    emergency: bool,
    yes: bool,
    approve: bool,
) -> None:
    """Create an announcement; its id is printed on the last line."""
    if emergency and not yes:
        raise click.UsageError("--emergency gửi tới mọi người dân: thêm --yes để xác nhận.")
    draft = service.Draft(
        text=text,
        image_url=image_url,
        link_url=link_url,
        topics=[topic_code(t) for t in topics],
        areas=list(areas),
        channels=list(channels),
        emergency=emergency,
        send_at=parse_time(send_at) if send_at else None,
        recurrence=repeat,
        invite=f"course:{course}" if course else f"contest:{contest}" if contest else None,
    )
    settings = load_settings()

    async def run() -> int:
        catalogue = load_ward_catalogue(settings.ward)
        if course and course not in catalogue.courses:
            known = ", ".join(catalogue.courses)
            raise click.BadParameter(f"không có khóa học {course} (có: {known})")
        async with database(settings) as sessions:
            async with sessions() as session, session.begin():
                announcement = await service.create(session, draft, created_by="cli")
                if approve:
                    await service.approve(announcement, "cli", confirm_emergency=yes)
                announcement_id = announcement.id
            if approve:  # due now: queue at once, as the console's scheduler would
                await service.Queuer(catalogue.ward.name).run_due(sessions)
            async with sessions() as session:
                announcement = await aq.get(session, announcement_id)
                assert announcement is not None
                click.echo(f"Trạng thái: {STATUS_WORDS[announcement.status]}")
                if announcement.status in ("sending", "done"):
                    click.echo(f"Người nhận: {announcement.recipients}")
                elif announcement.next_run_at or announcement.send_at:
                    when = announcement.next_run_at or announcement.send_at
                    click.echo(f"Gửi lúc: {_local(when)} ({describe(announcement.recurrence)})")
            return announcement_id

    click.echo(_run(run()))


@broadcast.command("status")
@click.argument("announcement_id", type=int)
def status(announcement_id: int) -> None:
    """Print the delivery figures of an announcement."""
    settings = load_settings()

    async def run() -> None:
        async with database(settings) as sessions, sessions() as session:
            announcement = await aq.get(session, announcement_id)
            if announcement is None:
                raise click.ClickException(f"không có thông báo số {announcement_id}")
            figures = await aq.stats(session, announcement_id)
            click.echo(f"Thông báo số {announcement.id}: {STATUS_WORDS[announcement.status]}")
            click.echo(f"Nội dung: {announcement.text.splitlines()[0][:80]}")
            if announcement.recurrence:
                click.echo(
                    f"Lặp lại: {describe(announcement.recurrence)}; lần tới "
                    f"{_local(announcement.next_run_at)}"
                )
            click.echo(f"Người nhận: {figures.total}")
            for word_key in DELIVERY_WORDS:
                if figures.by_status.get(word_key):
                    click.echo(f"  {DELIVERY_WORDS[word_key]}: {figures.by_status[word_key]}")
            for channel, counts in sorted(figures.by_channel.items()):
                parts = ", ".join(f"{DELIVERY_WORDS.get(s, s)} {n}" for s, n in counts.items())
                click.echo(f"  {CHANNELS.get(channel, channel)}: {parts}")
            for state, reason, count in figures.reasons:
                click.echo(f"  lý do ({DELIVERY_WORDS.get(state, state)}): {reason} × {count}")
            click.echo(f"Người dân hỏi lại: {figures.replies}")

    _run(run())


@broadcast.command("send")
@click.argument("announcement_id", type=int)
@click.option("--now", "ignore_time", is_flag=True, help="Do not wait for its send time.")
def send(announcement_id: int, ignore_time: bool) -> None:
    """Send one approved announcement now, with a progress bar; exits when all are done."""
    settings = load_settings()

    async def run() -> int:
        async with core(settings) as deps:
            await _queue(deps, announcement_id, ignore_time)
            async with _channels(settings, deps, announcement_id) as sender:
                return await _follow(deps, sender, announcement_id)

    sys.exit(_run(run()))


async def _queue(deps: Deps, announcement_id: int, ignore_time: bool) -> None:
    queuer = service.Queuer(deps.catalogue.ward.name)
    async with deps.sessions() as session, session.begin():
        announcement = await aq.get(session, announcement_id)
        if announcement is None:
            raise click.ClickException(f"không có thông báo số {announcement_id}")
        if announcement.recurrence:
            raise click.ClickException(
                "đây là thông báo lặp lại; mỗi lần gửi có số riêng (xem broadcast status)"
            )
        if announcement.status in ("draft", "submitted"):
            raise click.ClickException("thông báo chưa được duyệt")
        if announcement.status == "cancelled":
            raise click.ClickException("thông báo đã bị hủy")
        if announcement.status != "approved":
            return  # already queued: resume it
        now = datetime.now(UTC)
        if announcement.send_at and announcement.send_at > now and not ignore_time:
            raise click.ClickException(
                f"hẹn gửi lúc {_local(announcement.send_at)}; thêm --now để gửi ngay"
            )
        if await aq.claim(session, announcement_id, now):
            await queuer.queue(session, announcement)


@contextlib.asynccontextmanager
async def _channels(
    settings: Settings, deps: Deps, announcement_id: int
) -> AsyncIterator[OutboxSender]:
    """A sender for this announcement with every configured channel, send-only."""
    sender = OutboxSender(deps.sessions, sender_options(settings, announcement_id))
    sender.register("web", webchat.deliver)
    async with (
        aiohttp.ClientSession() as http,
        registry.started(settings, deps, None, http, sender.register),
    ):
        await sender.start()
        try:
            yield sender
        finally:
            await sender.stop()


async def _follow(deps: Deps, sender: OutboxSender, announcement_id: int) -> int:
    """Show progress until nothing is left to send; 0 when done, 3 when some recipients
    are on channels this process cannot send to."""
    async with deps.sessions() as session:
        total = (await aq.stats(session, announcement_id)).total
    bar = tqdm(total=total, unit="tin", desc=f"Thông báo {announcement_id}", file=sys.stderr)
    try:
        while True:
            async with deps.sessions() as session:
                figures = await aq.stats(session, announcement_id)
            bar.n = figures.total - figures.waiting
            bar.set_postfix(
                gửi=figures.delivered,
                lỗi=figures.by_status.get("failed", 0),
                chặn=figures.by_status.get("blocked", 0),
            )
            bar.refresh()
            if figures.waiting == 0:
                break
            waiting_on = set(await sender.pending_channels())
            if waiting_on and not waiting_on & sender.channels:  # nobody here can send them
                bar.close()
                names = ", ".join(CHANNELS.get(c, c) for c in sorted(waiting_on))
                click.echo(f"Còn người nhận trên kênh chưa cấu hình ở đây: {names}", err=True)
                return 3
            await asyncio.sleep(0.5)
    finally:
        bar.close()
    click.echo(
        f"Xong: {figures.delivered} đã gửi, "
        f"{figures.awaiting_pickup} chờ người dân mở trang web, "
        f"{figures.by_status.get('failed', 0)} lỗi, "
        f"{figures.by_status.get('blocked', 0)} đã chặn, "
        f"{figures.by_status.get('undeliverable', 0)} không gửi được."
    )
    return 0


def _local(moment: datetime | None) -> str:
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M") if moment else "-"


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, with the workflow's errors shown to staff as they are."""
    try:
        return asyncio.run(coroutine)
    except service.AnnouncementError as exc:
        raise click.ClickException(str(exc)) from exc
