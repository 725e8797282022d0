"""Question tickets and teaching in the core and at the edges: the code and due date in
working days, nothing forwarded twice, the taught wording matched without diacritics and with
a typo but not for another subject, another process answering from what was taught, a group
answered once, the answer pushed on Telegram, the report's figures and gaps, the commands."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner
from sqlalchemy import select

from bot.app import create_app
from bot.cli import main
from bot.keys import DEPS, INBOX, OUTBOX, TELEGRAM
from bot.report import figures
from bot.report.period import month
from bot.settings import Settings
from bot.staff import auth
from bot.wiring import core
from content.models import ContentFile
from db import teaching_queries as teaching
from db.models import Question
from handlers.deps import Deps
from handlers.domain.calendar import VIETNAM, add_working_days
from handlers.domain.types import IncomingMessage
from handlers.engine import handle
from handlers.learned import FRESH_SECONDS
from tests.fakes.telegram_api import FakeTelegram, callback_update, text_update
from tests.test_staff_console import PASSWORD, login
from tests.test_telegram import SECRET, post, settings_for

LOUDSPEAKER = "Phường có cho mượn loa kẹo kéo để tổ chức đám cưới không?"


async def say(deps: Deps, user: str, text: str | None = None, payload: str | None = None):
    return await handle(IncomingMessage("web", user, text=text, payload=payload), deps)


async def teach_entry(deps: Deps, title: str, answer: str, wording: str) -> str:
    async with deps.sessions() as session, session.begin():
        ward = deps.catalogue.ward.id
        entry = await teaching.add_entry(session, ward, title, answer, None, "staff:test")
        entry_id = teaching.learned_id(entry.id)
        await teaching.add_aliases(session, ward, entry_id, [(wording, None)], "staff:test")
    deps.learned.invalidate()
    return entry_id


async def test_the_ticket_has_a_code_a_due_date_in_working_days_and_the_context(
    sqlite_deps: Deps,
) -> None:
    await say(sqlite_deps, "r1-aaaaaaaaaaaaaaaa", "xin chào")
    await say(sqlite_deps, "r1-aaaaaaaaaaaaaaaa", LOUDSPEAKER)
    sent = await say(sqlite_deps, "r1-aaaaaaaaaaaaaaaa", payload="human")
    assert sent.intent == "handover" and re.search(r"CH-\d{4}-\w{4}", sent.text)
    async with sqlite_deps.sessions() as session:
        question = (await session.execute(select(Question))).scalar_one()
    days = sqlite_deps.catalogue.ward.questions.answer_working_days
    created = question.created_at.astimezone(VIETNAM).date()
    assert question.due_at.astimezone(VIETNAM).date() == add_working_days(created, days)
    texts = [m["text"] for m in question.context]
    assert texts[0] == "xin chào" and LOUDSPEAKER in texts
    assert question.text == LOUDSPEAKER and question.status == "open"
    typed = await say(sqlite_deps, "r1-aaaaaaaaaaaaaaaa", LOUDSPEAKER + " cho gặp cán bộ")
    assert typed.intent in {"handover", "fallback"}
    async with sqlite_deps.sessions() as session:
        assert len((await session.execute(select(Question))).scalars().all()) == 1


async def test_a_taught_entry_answers_close_wordings_but_not_other_subjects(
    sqlite_deps: Deps,
) -> None:
    entry_id = await teach_entry(
        sqlite_deps,
        "Mượn loa của phường cho đám cưới",
        "Phường cho mượn loa miễn phí; đăng ký trước 3 ngày.",
        LOUDSPEAKER,
    )
    for wording in (
        "phuong co cho muon loa keo keo de to chuc dam cuoi khong",
        "phường có cho mựon loa kẹo kéo tổ chức đám cưới ko",
        "muon loa keo keo cua phuong lam dam cuoi",
    ):
        answer = await say(sqlite_deps, f"r2-{abs(hash(wording))}-xxxxxxxx", wording)
        assert (answer.intent, answer.content_id) == ("learned", entry_id), wording
        assert "miễn phí" in answer.text and "Cán bộ" in answer.text  # the source line
    for other in ("đăng ký kết hôn cần giấy tờ gì", "mất thẻ căn cước làm lại ở đâu"):
        answer = await say(sqlite_deps, f"r3-{abs(hash(other))}-xxxxxxxx", other)
        assert answer.content_id != entry_id, other


async def test_another_process_answers_from_what_was_taught_without_a_restart(
    tmp_path: Path,
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/two.sqlite3")
    async with core(settings) as one, core(settings) as two:
        before = await say(two, "p2-aaaaaaaaaaaaaaaa", LOUDSPEAKER)
        assert before.intent != "learned"
        await teach_entry(one, "Mượn loa của phường", "Có, miễn phí.", LOUDSPEAKER)
        await asyncio.sleep(FRESH_SECONDS)  # the other process looks again within a second
        after = await say(two, "p2-bbbbbbbbbbbbbbbb", "phuong co cho muon loa dam cuoi khong")
        assert after.intent == "learned" and "miễn phí" in after.text


@pytest.fixture
async def telegram(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[TestClient]:
    app = create_app(settings_for(fake, tmp_path))
    async with TestClient(TestServer(app)) as client:
        await asyncio.wait_for(app[TELEGRAM].ready.wait(), 10)
        async with app[DEPS].sessions() as session, session.begin():
            await auth.add_staff(session, "binh", "Bình", PASSWORD, "staff")
        yield client


async def test_a_telegram_resident_gets_the_staff_answer_pushed(
    telegram: TestClient, fake: FakeTelegram
) -> None:
    await post(telegram, text_update(1, 777, LOUDSPEAKER))
    await post(telegram, callback_update(2, 777, "human"))
    confirmation = fake.called("sendMessage")[-1]["text"]
    code = re.search(r"CH-\d{4}-\w{4}", confirmation).group(0)
    async with telegram.app[DEPS].sessions() as session:
        qid = (await session.execute(select(Question.id))).scalar_one()
    csrf = await login(telegram, "binh")
    await telegram.post(
        f"/staff/questions/{qid}/answer", data={"csrf": csrf, "answer": "Có, miễn phí."}
    )
    await telegram.app[OUTBOX].drain_once()
    pushed = fake.called("sendMessage")[-1]
    assert int(pushed["chat_id"]) == 777 and code in pushed["text"]
    assert "miễn phí" in pushed["text"]
    await telegram.app[INBOX].idle()
    assert SECRET  # the webhook secret of the shared fixture was used


async def test_the_report_counts_questions_and_drops_taught_gaps(sqlite_deps: Deps) -> None:
    await say(sqlite_deps, "r4-aaaaaaaaaaaaaaaa", LOUDSPEAKER)
    await say(sqlite_deps, "r4-aaaaaaaaaaaaaaaa", payload="human")
    now = datetime.now(UTC)
    period = month(f"{now.astimezone(VIETNAM):%Y-%m}")
    async with sqlite_deps.sessions() as session:
        before = await figures.compute(session, sqlite_deps.catalogue, period)
        question = (await session.execute(select(Question))).scalar_one()
    assert before.questions.forwarded == 1 and before.questions.answered == 0
    assert any("loa" in g.example for g in before.gaps)
    async with sqlite_deps.sessions() as session, session.begin():
        ward = sqlite_deps.catalogue.ward.id
        entry = await teaching.add_entry(
            session, ward, "Mượn loa", "Có, miễn phí.", None, "staff:t", question.id
        )
        await teaching.add_aliases(
            session, ward, teaching.learned_id(entry.id), [(LOUDSPEAKER, question.id)], "staff:t"
        )
    sqlite_deps.learned.invalidate()
    answered = await say(sqlite_deps, "r5-aaaaaaaaaaaaaaaa", LOUDSPEAKER)
    assert answered.intent == "learned"
    async with sqlite_deps.sessions() as session:
        after = await figures.compute(session, sqlite_deps.catalogue, period)
    assert not any("loa" in g.example for g in after.gaps)
    assert after.questions.entries_learned == 1 and after.questions.aliases_learned == 1
    assert after.questions.answered_by_learned == 1


async def test_content_check_lists_and_export_writes_a_loadable_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/cli.sqlite3")
    async with core(settings) as deps:
        await teach_entry(deps, "Mượn loa của phường", "Có, miễn phí.", LOUDSPEAKER)
        async with deps.sessions() as session, session.begin():
            await teaching.add_aliases(
                session, deps.catalogue.ward.id, "vneid", [("app dinh danh", None)], "staff:t"
            )
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    checked = await asyncio.to_thread(CliRunner().invoke, main, ["content", "check"])
    assert checked.exit_code == 0, checked.output
    assert "1 entries, 2 aliases" in checked.output and "Mượn loa của phường" in checked.output
    out = tmp_path / "learned.yaml"
    exported = await asyncio.to_thread(
        CliRunner().invoke, main, ["content", "export-learned", "--out", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    text = out.read_text(encoding="utf-8")
    shipped = ContentFile.model_validate(yaml.safe_load(text))
    (entry,) = shipped.entries
    assert entry.kind == "answer" and entry.title == "Mượn loa của phường"
    assert LOUDSPEAKER in entry.aliases and "#   vneid: app dinh danh" in text
