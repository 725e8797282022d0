"""Several wards in one deployment: each answers on its own host name and bot accounts, with
its own catalogue and its own data (a PostgreSQL schema or a SQLite file)."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner
from sqlalchemy import func, select, text

from bot.app import create_app
from bot.channels.telegram import SECRET_HEADER
from bot.channels.zalo_bot import SECRET_HEADER as ZALO_SECRET_HEADER
from bot.cli import main
from bot.keys import DEPS, INBOX, TELEGRAM, WARD_APPS, WARD_ID
from bot.settings import Settings
from bot.staff import auth
from db.models import Feedback, Interaction, User
from db.session import create_engine
from tests.fakes.telegram_api import FakeTelegram, text_update
from tests.fakes.zalo_api import BOT_TOKEN, FakeZalo, bot_event
from tests.flows import next_step
from tests.postgres import PG_URL, require_postgres

WARD_B_FILE = Path(__file__).parent / "data" / "wards" / "thu-nghiem.yaml"
HOST_A, HOST_B = "dakbla.test", "thunghiem.test"
SECRET_A, SECRET_B = "secret-of-dak-bla", "secret-of-thu-nghiem"
ZALO_SECRET = "zalo-secret-of-thu-nghiem"
PASSWORD = "mat-khau-du-dai-123"


def wards_yaml(
    fake_a: FakeTelegram, fake_b: FakeTelegram, zalo: FakeZalo, schemas: tuple[str, str] | None
) -> str:
    schema_a = f"\n    database_schema: {schemas[0]}" if schemas else ""
    schema_b = f"\n    database_schema: {schemas[1]}" if schemas else ""
    return f"""
wards:
  dak-bla:
    host: {HOST_A}
    telegram_bot_token: ${{MW_TOKEN_A}}
    telegram_webhook_secret: {SECRET_A}
    telegram_api_url: {fake_a.url}{schema_a}
  thu-nghiem:
    ward: {WARD_B_FILE}
    host: {HOST_B}
    telegram_bot_token: ${{MW_TOKEN_B}}
    telegram_webhook_secret: {SECRET_B}
    telegram_api_url: {fake_b.url}
    zalo_bot_token: {BOT_TOKEN}
    zalo_bot_api_url: {zalo.url}
    zalo_bot_webhook_secret: {ZALO_SECRET}{schema_b}
"""


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeTelegram, FakeTelegram]]:
    fake_a = await FakeTelegram(token="111111:ward-a-token").start()
    fake_b = await FakeTelegram(token="222222:ward-b-token").start()
    yield fake_a, fake_b
    await fake_a.stop()
    await fake_b.stop()


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZalo]:
    server = await FakeZalo().start()
    yield server
    await server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def deployment(
    request: pytest.FixtureRequest,
    fakes: tuple[FakeTelegram, FakeTelegram],
    zalo: FakeZalo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Settings]:
    """Base settings of a two-ward deployment, on SQLite files or PostgreSQL schemas."""
    fake_a, fake_b = fakes
    monkeypatch.setenv("MW_TOKEN_A", fake_a.token)
    monkeypatch.setenv("MW_TOKEN_B", fake_b.token)
    schemas = None
    database_url = f"sqlite:///{tmp_path}/assistant.sqlite3"
    if request.param == "postgresql":
        require_postgres()
        tag = uuid.uuid4().hex[:10]
        schemas = (f"mw_{tag}_a", f"mw_{tag}_b")
        database_url = PG_URL
    wards_file = tmp_path / "wards.yaml"
    wards_file.write_text(wards_yaml(fake_a, fake_b, zalo, schemas), encoding="utf-8")
    monkeypatch.setenv("WARDS_FILE", str(wards_file))
    monkeypatch.setenv("DATABASE_URL", database_url)
    try:
        yield Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=database_url,
            wards_file=wards_file,
            public_url="https://assistant.test",
        )
    finally:
        if schemas:
            admin = create_engine(PG_URL)
            async with admin.begin() as conn:
                for schema in schemas:
                    await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            await admin.dispose()


@pytest.fixture
async def client(deployment: Settings) -> AsyncIterator[TestClient]:
    app = create_app(deployment)
    async with TestClient(TestServer(app)) as test_client:
        for ward in app[WARD_APPS]:
            await asyncio.wait_for(ward[TELEGRAM].ready.wait(), 10)
        yield test_client


def ward_app(client: TestClient, ward_id: str):
    return next(ward for ward in client.app[WARD_APPS] if ward[WARD_ID] == ward_id)


async def tell(client: TestClient, host: str, secret: str, update: dict) -> int:
    response = await client.post(
        "/webhooks/telegram", json=update, headers={"Host": host, SECRET_HEADER: secret}
    )
    for ward in client.app[WARD_APPS]:
        await ward[INBOX].idle()
    return response.status


async def count(client: TestClient, ward_id: str, model: type) -> int:
    async with ward_app(client, ward_id)[DEPS].sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_each_bot_account_registers_its_own_host(
    client: TestClient, fakes: tuple[FakeTelegram, FakeTelegram]
) -> None:
    fake_a, fake_b = fakes
    assert fake_a.called("setWebhook")[0]["url"] == f"https://{HOST_A}/webhooks/telegram"
    assert fake_b.called("setWebhook")[0]["url"] == f"https://{HOST_B}/webhooks/telegram"
    assert fake_a.called("setWebhook")[0]["secret_token"] == SECRET_A


async def test_the_receiving_bot_chooses_the_ward(
    client: TestClient, fakes: tuple[FakeTelegram, FakeTelegram]
) -> None:
    fake_a, fake_b = fakes
    # The same Telegram user writes to both wards' bots with the same words.
    assert await tell(client, HOST_A, SECRET_A, text_update(1, 501, "muon sach o tu sach phuong"))
    assert await tell(client, HOST_B, SECRET_B, text_update(1, 501, "muon sach o tu sach phuong"))
    answer_a = fake_a.called("sendMessage")[-1]["text"]
    answer_b = fake_b.called("sendMessage")[-1]["text"]
    assert "MƯỢN SÁCH Ở TỦ SÁCH PHƯỜNG THỬ NGHIỆM" in answer_b  # the ward's own entry
    assert "tủ sách" not in answer_a.lower()  # Đăk Bla has no such entry
    # A shared entry the test ward replaced with its own wording.
    await tell(client, HOST_A, SECRET_A, text_update(2, 501, "kham benh bang cccd"))
    await tell(client, HOST_B, SECRET_B, text_update(2, 501, "kham benh bang cccd"))
    assert "trạm y tế quét thẻ căn cước" in fake_b.called("sendMessage")[-1]["text"]
    assert "trạm y tế quét" not in fake_a.called("sendMessage")[-1]["text"]
    assert "Khi đi khám chữa bệnh có BHYT" in fake_a.called("sendMessage")[-1]["text"]
    # Each ward keeps its own resident and conversation.
    for ward_id in ("dak-bla", "thu-nghiem"):
        assert await count(client, ward_id, User) == 1
        assert await count(client, ward_id, Interaction) == 4  # two questions, two answers


async def test_a_bot_refuses_the_other_wards_secret(client: TestClient) -> None:
    status = await tell(client, HOST_A, SECRET_B, text_update(9, 502, "xin chao"))
    assert status == 403
    assert await count(client, "dak-bla", User) == 0


async def test_the_menu_greets_with_the_wards_own_name(
    client: TestClient, fakes: tuple[FakeTelegram, FakeTelegram]
) -> None:
    fake_a, fake_b = fakes
    await tell(client, HOST_A, SECRET_A, text_update(3, 503, "/start"))
    await tell(client, HOST_B, SECRET_B, text_update(3, 503, "/start"))
    assert "Phường Đăk Bla" in fake_a.called("sendMessage")[-1]["text"]
    assert "Phường Thử Nghiệm" in fake_b.called("sendMessage")[-1]["text"]
    assert "Đăk Bla" not in fake_b.called("sendMessage")[-1]["text"]


async def test_staff_see_only_their_wards_feedback(client: TestClient) -> None:
    async with ward_app(client, "dak-bla")[DEPS].sessions() as session, session.begin():
        await auth.add_staff(session, "an", "An", PASSWORD, "admin")
    # A resident of the test ward files feedback through its website chat.
    buttons: list[dict] = []

    async def chat(text: str | None = None, press: str | None = None) -> None:
        nonlocal buttons
        body: dict = {"user": "visitor-of-thu-nghiem-1"}
        if press is not None:
            body["payload"] = next(b for b in buttons if b["title"].startswith(press))["payload"]
        else:
            body["text"] = text
        response = await client.post("/api/chat", json=body, headers={"Host": HOST_B})
        assert response.status == 200
        buttons = [b for reply in (await response.json())["replies"] for b in reply["buttons"]]

    await chat("phản ánh")
    await chat(press="Hạ tầng")
    await chat("Đèn đường trước nhà văn hóa bị hỏng")
    await chat("bỏ qua")  # typing a button's words works like pressing it
    while (title := next_step(b["title"] for b in buttons)) is not None:
        await chat(press=title)
        if title.startswith("Gửi phản ánh"):
            break
    assert await count(client, "thu-nghiem", Feedback) == 1
    assert await count(client, "dak-bla", Feedback) == 0
    code = await (await client.get("/staff/login", headers={"Host": HOST_A})).text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', code).group(1)
    signed_in = await client.post(
        "/staff/login",
        headers={"Host": HOST_A},
        allow_redirects=False,
        data={"csrf": csrf, "username": "an", "password": PASSWORD, "next": "/staff/"},
    )
    assert signed_in.status == 303
    inbox = await (await client.get("/staff/", headers={"Host": HOST_A})).text()
    assert "Đèn đường" not in inbox
    assert "Phường Đăk Bla" in inbox  # every console page names its ward
    # The session of Đăk Bla means nothing to the test ward's console.
    other = await client.get("/staff/", headers={"Host": HOST_B}, allow_redirects=False)
    assert other.status in (302, 303) and "/staff/login" in other.headers["Location"]


async def test_unknown_host_lists_the_wards_and_health_covers_all(client: TestClient) -> None:
    page = await (await client.get("/", headers={"Host": "assistant.test"})).text()
    assert "Phường Đăk Bla" in page and "Phường Thử Nghiệm" in page
    assert f"//{HOST_B}/" in page
    ready = await client.get("/readyz", headers={"Host": "assistant.test"})
    body = await ready.json()
    assert ready.status == 200 and set(body["wards"]) == {"dak-bla", "thu-nghiem"}
    assert all(checks["database"] == "ok" for checks in body["wards"].values())
    # On a ward's own host name: its own page and its own readiness.
    own = await (await client.get("/", headers={"Host": HOST_B})).text()
    assert "/widget.js" in own and "Phường Thử Nghiệm" in own and "Đăk Bla" not in own
    widget = await (await client.get("/widget.js", headers={"Host": HOST_B})).text()
    assert 'var DEFAULT_TITLE = "Trợ lý phường Thử Nghiệm";' in widget
    alone = await (await client.get("/readyz", headers={"Host": HOST_B})).json()
    assert alone["checks"]["database"] == "ok" and "wards" not in alone


async def test_metrics_carry_the_ward(client: TestClient) -> None:
    await tell(client, HOST_B, SECRET_B, text_update(4, 504, "lam cccd o dau"))
    body = await (await client.get("/metrics")).text()
    assert re.search(r'ward_messages_total\{[^}]*ward="thu-nghiem"[^}]*\} 1\.0', body)
    assert 'ward_up{ward="dak-bla"} 1.0' in body
    assert 'ward_up{ward="thu-nghiem"} 1.0' in body


async def test_an_emergency_reaches_only_its_wards_residents_through_its_bot(
    client: TestClient, fakes: tuple[FakeTelegram, FakeTelegram]
) -> None:
    fake_a, fake_b = fakes
    for chat_id in (601, 602):
        await tell(client, HOST_A, SECRET_A, text_update(chat_id, chat_id, "xin chao"))
    await tell(client, HOST_B, SECRET_B, text_update(603, 603, "xin chao"))
    runner = CliRunner()
    notice = "Mất điện khu phố 2 từ 8 giờ đến 11 giờ sáng mai."

    def cli(*args: str) -> str:
        result = runner.invoke(main, ["--ward", "thu-nghiem", *args])
        assert result.exit_code == 0, result.output
        return result.output

    created = await asyncio.to_thread(
        cli, "broadcast", "create", "--text", notice, "--emergency", "--yes", "--approve"
    )
    number = re.search(r"^(\d+)$", created, re.MULTILINE)  # the new announcement's id
    assert number is not None, created
    announcement = number[1]
    await asyncio.to_thread(cli, "broadcast", "send", announcement)
    await fake_b.wait_for("sendMessage", 2)  # the "xin chao" reply, then the notice
    got_b = [c for c in fake_b.called("sendMessage") if notice in c["text"]]
    assert [int(c["chat_id"]) for c in got_b] == [603]
    assert not [c for c in fake_a.called("sendMessage") if notice in c["text"]]


async def test_a_channel_answers_only_for_the_ward_that_has_it(
    client: TestClient, zalo: FakeZalo
) -> None:
    headers = {ZALO_SECRET_HEADER: ZALO_SECRET}
    event = bot_event("zalo-user-1", "lam cccd o dau")
    elsewhere = await client.post(
        "/webhooks/zalo-bot", json=event, headers={**headers, "Host": HOST_A}
    )
    assert elsewhere.status == 404  # Đăk Bla has no Zalo Bot in this deployment
    answered = await client.post(
        "/webhooks/zalo-bot", json=event, headers={**headers, "Host": HOST_B}
    )
    assert answered.status == 200
    await ward_app(client, "thu-nghiem")[INBOX].idle()
    assert [m["chat_id"] for m in zalo.called("sendMessage")] == ["zalo-user-1"]
    assert zalo.called("setWebhook")[0]["url"] == f"https://{HOST_B}/webhooks/zalo-bot"
    assert await count(client, "thu-nghiem", User) == 1
    assert await count(client, "dak-bla", User) == 0
