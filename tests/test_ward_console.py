"""The ward's own data filled in from the console (/staff/ward): admin only, checked, kept
with its history, and used by the very next answer in every process without a restart."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner

from bot.app import create_app
from bot.cli import main
from bot.keys import DEPS
from bot.settings import Settings
from bot.staff import auth
from bot.wiring import core
from db import ward_value_queries
from handlers.domain.types import IncomingMessage
from handlers.engine import handle
from handlers.live_ward import FRESH_SECONDS
from tests.test_staff_console import PASSWORD, login

POLICE_PHONE = "contacts.cong_an.phone"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path}/ward.sqlite3")


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[TestClient]:
    app = create_app(settings)
    async with TestClient(TestServer(app)) as test_client:
        async with app[DEPS].sessions() as session, session.begin():
            for name, role in (("an", "admin"), ("binh", "staff"), ("chi", "tech_team")):
                await auth.add_staff(session, name, name.title(), PASSWORD, role)
        yield test_client


async def _answer(client: TestClient, text: str, resident: str = "ward-1") -> str:
    response = await handle(IncomingMessage("web", resident, text=text), client.app[DEPS])
    return "\n".join(reply.text for reply in response.replies)


async def test_admin_fills_the_police_phone_and_the_next_answer_shows_it(
    client: TestClient,
) -> None:
    before = await _answer(client, "số điện thoại công an phường")
    assert "0260 3862 111" not in before and "đang cập nhật" in before
    csrf = await login(client, "an")
    saved = await client.post(
        "/staff/ward", data={"csrf": csrf, POLICE_PHONE: "02603862111"}, allow_redirects=False
    )
    assert saved.status == 303
    after = await _answer(client, "số điện thoại công an phường", resident="ward-2")
    assert "0260 3862 111" in after  # stored in the national format
    page = await (await client.get("/staff/ward")).text()
    assert "0260 3862 111" in page and POLICE_PHONE in page and ">an<" in page  # history


@pytest.mark.parametrize("username", ["binh", "chi"])
async def test_staff_and_tech_team_cannot_change_it(client: TestClient, username: str) -> None:
    csrf = await login(client, username)
    refused = await client.post("/staff/ward", data={"csrf": csrf, POLICE_PHONE: "0905123456"})
    assert refused.status == 403
    page = await (await client.get("/staff/ward")).text()
    assert "Chỉ quản trị viên" in page and "0905 123 456" not in page
    assert "0905 123 456" not in await _answer(client, "số điện thoại công an phường")


async def test_a_post_without_the_form_token_is_refused(client: TestClient) -> None:
    await login(client, "an")
    refused = await client.post("/staff/ward", data={POLICE_PHONE: "0905123456"})
    assert refused.status == 403


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        (POLICE_PHONE, "12345", "Số điện thoại không hợp lệ"),
        (POLICE_PHONE, "gọi cho anh Tư", "Số điện thoại không hợp lệ"),
        ("contacts.cong_dvc_tinh.url", "http://dichvucong.quangngai.gov.vn", "https://"),
        ("contacts.ubnd.address", '=HYPERLINK("http://x")', "=, +, -, @"),
        ("contacts.ubnd.label", "   ", "không được để trống"),
        ("contacts.ubnd.email", "ubnd-at-quangngai", "Thư điện tử"),
        ("facts.le_phi_can_cuoc", "x" * 700, "Quá dài"),
    ],
)
async def test_invalid_values_are_refused_with_the_reason_and_nothing_is_stored(
    client: TestClient, key: str, value: str, reason: str
) -> None:
    csrf = await login(client, "an")
    response = await client.post(
        "/staff/ward", data={"csrf": csrf, key: value, "facts.le_phi_ho_tich": "8.000 đồng"}
    )
    assert response.status == 400
    assert reason in await response.text()
    async with client.app[DEPS].sessions() as session:
        assert await ward_value_queries.current(session, "dak-bla") == {}  # not even the fact


async def test_an_unknown_field_is_refused(client: TestClient) -> None:
    csrf = await login(client, "an")
    response = await client.post("/staff/ward", data={"csrf": csrf, "contacts.nobody.phone": "1"})
    assert response.status == 400
    assert "Không có mục" in await response.text()


async def test_the_home_shows_admins_how_many_items_are_unfilled(client: TestClient) -> None:
    csrf = await login(client, "an")
    home = await (await client.get("/staff/")).text()
    count = int(re.search(r"còn <strong>(\d+) mục chưa điền", home).group(1))
    await client.post("/staff/ward", data={"csrf": csrf, POLICE_PHONE: "0260 3862 111"})
    home = await (await client.get("/staff/")).text()
    assert f"còn <strong>{count - 1} mục chưa điền" in home
    await login(client, "binh")
    assert "mục chưa điền" not in await (await client.get("/staff/")).text()


async def test_a_cleared_value_is_not_filled_in_again(client: TestClient) -> None:
    csrf = await login(client, "an")
    await client.post("/staff/ward", data={"csrf": csrf, POLICE_PHONE: "0260 3862 111"})
    await client.post("/staff/ward", data={"csrf": csrf, POLICE_PHONE: ""})
    assert "0260 3862 111" not in await _answer(client, "số điện thoại công an phường")


async def test_another_process_uses_the_new_value_without_a_restart(
    client: TestClient, settings: Settings
) -> None:
    async with core(settings) as other:  # a second process on the same database
        first = await handle(IncomingMessage("web", "p2-a", text="công an phường số mấy"), other)
        assert "0260 3862 111" not in first.replies[0].text
        csrf = await login(client, "an")
        await client.post("/staff/ward", data={"csrf": csrf, POLICE_PHONE: "0260 3862 111"})
        await asyncio.sleep(FRESH_SECONDS)  # another process looks again within a second
        then = await handle(IncomingMessage("web", "p2-b", text="công an phường số mấy"), other)
        assert "0260 3862 111" in "\n".join(r.text for r in then.replies)


async def test_ward_export_prints_the_saved_values_as_yaml(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    csrf = await login(client, "an")
    await client.post(
        "/staff/ward",
        data={"csrf": csrf, POLICE_PHONE: "0260 3862 111", "facts.le_phi_ho_tich": "8.000 đồng"},
    )
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    # The command runs its own event loop, so it runs beside this test's.
    result = await asyncio.to_thread(CliRunner().invoke, main, ["ward", "export"])
    assert result.exit_code == 0, result.output
    assert "phone: 0260 3862 111" in result.output
    assert "le_phi_ho_tich: 8.000 đồng" in result.output
