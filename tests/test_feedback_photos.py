"""Photos with a phản ánh: uploaded from the website widget (checked by their bytes, kept with
the record), fetched from Telegram on demand, Zalo's shown by address; all of them visible on
the console's detail page to signed-in staff only; gone with erasure and retention."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.telegram import SECRET_HEADER
from bot.keys import DEPS, INBOX, TELEGRAM
from bot.web.images import MAX_PHOTO
from db import feedback_queries as fq
from db import photo_queries
from db import privacy_queries as pq
from db.models import Feedback, FeedbackPhoto, User, utcnow
from handlers.deps import Deps
from handlers.domain.retention import apply_retention
from tests.fakes.telegram_api import FakeTelegram, callback_update, photo_update, text_update
from tests.images import png
from tests.web_visitor import (
    add_staff,
    app_on,
    finish,
    login,
    say,
    send_photo,
    to_the_photo_step,
)

VISITOR = "visitor-photo-0123456789"
SECRET = "secret-for-photos"
WARD_SITE = "https://dakbla.quangngai.gov.vn"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 200


@pytest.fixture
async def client(engine: AsyncEngine, fake: FakeTelegram) -> AsyncIterator[TestClient]:
    telegram = {"bot_token": fake.token, "api_url": fake.url, "webhook_secret": SECRET}
    app = app_on(
        engine,
        telegram=telegram,
        public_url="https://phuong.example.vn",
        webchat_allowed_origins=WARD_SITE,
    )
    async with TestClient(TestServer(app)) as test_client:
        await asyncio.wait_for(app[TELEGRAM].ready.wait(), 10)
        await add_staff(test_client)
        yield test_client


async def record(client: TestClient, code: str) -> Feedback:
    async with client.app[DEPS].sessions() as session:
        found = await fq.by_code(session, code)
    assert found is not None
    return found


async def count_photos(deps: Deps) -> int:
    async with deps.sessions() as session:
        return await session.scalar(select(func.count()).select_from(FeedbackPhoto)) or 0


async def test_a_photo_from_the_widget_is_kept_with_the_feedback_and_shown_to_staff(
    client: TestClient,
) -> None:
    picture = png(320, 200)
    await to_the_photo_step(client, VISITOR)
    response = await send_photo(client, VISITOR, picture)
    assert response.status == 200
    taken = await response.json()
    assert taken["replies"][-1]["text"].startswith("Đã nhận ảnh.")
    code = await finish(client, VISITOR, taken)
    stored = await record(client, code)
    assert stored.media_url.startswith("web:file:")

    url = f"/staff/feedback/{code}/photo"
    anonymous = await client.get(url, allow_redirects=False)
    assert anonymous.status == 302 and anonymous.headers["Location"].startswith("/staff/login")
    await login(client)
    served = await client.get(url)
    assert served.status == 200 and served.content_type == "image/png"
    assert await served.read() == picture
    assert served.headers["Cache-Control"] == "no-store"  # a resident's photo: never cached
    detail = await (await client.get(f"/staff/feedback/{code}")).text()
    assert f'<img class="feedback-photo" src="{url}"' in detail
    assert "web:file:" not in detail  # no internal reference on the page


@pytest.mark.parametrize(
    ("declared", "body", "status"),
    [
        ("text/plain", png(), 415),  # not declared a picture
        ("image/png", b"%PDF-1.7\n" + b"x" * 100, 415),  # declared, but its bytes are not
        ("image/jpeg", b"<svg onload=alert(1)>", 415),
        ("image/png", b"", 415),
        ("image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_PHOTO, 413),
    ],
)
async def test_uploads_are_checked_on_the_server(
    client: TestClient, declared: str, body: bytes, status: int
) -> None:
    await to_the_photo_step(client, VISITOR)
    response = await send_photo(client, VISITOR, body, declared)
    assert response.status == status
    assert (await response.json())["error"]
    assert await count_photos(client.app[DEPS]) == 0


async def test_a_photo_too_large_without_a_declared_length_is_refused(
    client: TestClient,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:  # sent chunked: no Content-Length
        yield b"\xff\xd8\xff\xe0"
        for _ in range(6):
            yield b"\x00" * (1024 * 1024)

    await to_the_photo_step(client, VISITOR)
    response = await client.post(
        f"/api/chat/photo?user={VISITOR}", data=chunks(), headers={"Content-Type": "image/jpeg"}
    )
    assert response.status == 413
    assert await count_photos(client.app[DEPS]) == 0


@pytest.mark.parametrize(
    ("declared", "body", "kind"),
    [("image/png", JPEG, "image/jpeg"), ("image/webp", WEBP, "image/webp")],
)
async def test_the_type_is_read_from_the_bytes(
    client: TestClient, declared: str, body: bytes, kind: str
) -> None:
    await to_the_photo_step(client, VISITOR)
    assert (await send_photo(client, VISITOR, body, declared)).status == 200
    async with client.app[DEPS].sessions() as session:
        kept = (await session.execute(select(FeedbackPhoto))).scalar_one()
    assert kept.content_type == kind and kept.data == body


async def test_a_photo_outside_the_feedback_flow_is_not_kept(client: TestClient) -> None:
    await say(client, VISITOR, text="/start")
    response = await send_photo(client, VISITOR, png())
    assert response.status == 200
    assert "ảnh" in (await response.json())["replies"][-1]["text"]  # a kind word
    assert await count_photos(client.app[DEPS]) == 0


async def test_a_ward_site_on_another_domain_may_send_photos(client: TestClient) -> None:
    """An image body is not a "simple" request: the browser asks first, and only the ward's
    own sites are allowed."""
    asked = {"Origin": WARD_SITE, "Access-Control-Request-Method": "POST"}
    allowed = await client.options("/api/chat/photo", headers=asked)
    assert allowed.headers["Access-Control-Allow-Origin"] == WARD_SITE
    assert "Content-Type" in allowed.headers["Access-Control-Allow-Headers"]
    other = await client.options(
        "/api/chat/photo", headers={**asked, "Origin": "https://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in other.headers


async def test_photos_are_rate_limited_per_address(client: TestClient) -> None:
    bad_user = await send_photo(client, "short", png())
    assert bad_user.status == 400
    statuses = [(await send_photo(client, VISITOR, png())).status for _ in range(6)]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429


async def telegram_feedback_with_photo(client: TestClient, fake: FakeTelegram) -> str:
    chat, ids = 880, iter(range(8800, 8900))

    async def post(update: dict) -> None:
        await client.post("/webhooks/telegram", json=update, headers={SECRET_HEADER: SECRET})
        await client.app[INBOX].idle()

    def titles() -> list[str]:
        markup = fake.called("sendMessage")[-1].get("reply_markup") or {}
        return [row[0]["text"] for row in markup.get("inline_keyboard", [])]

    async def tap(title: str) -> None:
        markup = fake.called("sendMessage")[-1]["reply_markup"]["inline_keyboard"]
        data = next(row[0]["callback_data"] for row in markup if row[0]["text"] == title)
        await post(callback_update(next(ids), chat, data))

    await post(
        text_update(next(ids), chat, "Bãi rác tự phát ở cuối hẻm 20 Lê Lợi, bốc mùi cả tuần")
    )
    await tap("Gửi phản ánh này")
    await post(photo_update(next(ids), chat))
    assert "Đã nhận ảnh" in fake.called("sendMessage")[-1]["text"]
    for _ in range(6):
        shown = titles()
        if "Gửi phản ánh" in shown:
            await tap("Gửi phản ánh")
            break
        await tap("Không" if "Không" in shown else "Bỏ qua")
    text = fake.called("sendMessage")[-1]["text"]
    return text.split("Mã tra cứu: ", 1)[1].split("\n", 1)[0]


async def test_a_telegram_photo_is_fetched_from_the_bot_api_for_staff(
    client: TestClient, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    code = await telegram_feedback_with_photo(client, fake)
    assert (await record(client, code)).media_url == "telegram:file:AgAD-large"
    await login(client)
    url = f"/staff/feedback/{code}/photo"
    detail = await (await client.get(f"/staff/feedback/{code}")).text()
    assert f'<img class="feedback-photo" src="{url}"' in detail
    assert "telegram:file:" not in detail and "AgAD-large" not in detail

    fake.files["AgAD-large"] = picture = png(80, 60)
    served = await client.get(url)
    assert served.status == 200 and served.content_type == "image/png"
    assert await served.read() == picture
    assert fake.called("getFile")[-1]["file_id"] == "AgAD-large"
    assert fake.called("file")[-1]["path"] == "photos/AgAD-large.jpg"

    # Not a picture after all, or gone from Telegram: a plain word, no token in the logs.
    fake.files["AgAD-large"] = b"%PDF-1.7"
    assert (await client.get(url)).status == 502
    del fake.files["AgAD-large"]
    with caplog.at_level(logging.WARNING):
        gone = await client.get(url)
    assert gone.status == 502 and "Telegram" in await gone.text()
    assert fake.token not in caplog.text
    assert "could not be fetched from Telegram" in caplog.text


async def test_a_zalo_photo_shows_from_its_address(client: TestClient) -> None:
    async with client.app[DEPS].sessions() as session, session.begin():
        feedback = await fq.create_feedback(
            session, actor="resident", service_code="moi-truong", description="Rác ở hẻm 20",
            expected_datetime=utcnow() + timedelta(days=10), channel="zalo_bot",
            media_url="https://photo.zalo.test/i.jpg",
        )  # fmt: skip
        code = feedback.service_request_id
    await login(client)
    response = await client.get(f"/staff/feedback/{code}")
    assert (
        '<img class="feedback-photo" src="https://photo.zalo.test/i.jpg"' in await response.text()
    )
    assert "img-src 'self' data: https:" in response.headers["Content-Security-Policy"]
    assert (await client.get(f"/staff/feedback/{code}/photo")).status == 404


async def test_photos_go_with_erasure_and_retention(deps: Deps) -> None:
    now = utcnow()
    async with deps.sessions() as session, session.begin():
        resident = User(channel="web", external_id="visitor-erase-0123456789")
        other = User(channel="web", external_id="visitor-keeps-0123456789")
        session.add_all([resident, other])
        await session.flush()
        filed = await photo_queries.add_photo(session, resident.id, "image/png", png())
        draft = await photo_queries.add_photo(session, resident.id, "image/png", png())
        kept = await photo_queries.add_photo(session, other.id, "image/png", png())
        dropped = await photo_queries.add_photo(session, other.id, "image/png", png())
        recent = await photo_queries.add_photo(session, other.id, "image/png", png())
        for url in (kept, dropped):  # a week old: one is a sent record's, one a dropped draft's
            stored = await photo_queries.photo(session, url)
            stored.created_at = now - timedelta(days=8)
        for url, user in ((filed, resident), (kept, other)):
            await fq.create_feedback(
                session, actor="resident", service_code="ha-tang", description="Ổ gà",
                expected_datetime=now + timedelta(days=10), channel="web", user_id=user.id,
                media_url=url,
            )  # fmt: skip
    assert await count_photos(deps) == 5
    done = await apply_retention(deps.sessions, 365, now)
    assert done["photos_unused"] == 1
    async with deps.sessions() as session, session.begin():
        assert await photo_queries.photo(session, dropped) is None
        assert await photo_queries.photo(session, recent) is not None
        assert await photo_queries.photo(session, kept) is not None
        await pq.forget_user(session, resident.id)  # /xoa_du_lieu
    async with deps.sessions() as session:
        left = set(await session.scalars(select(FeedbackPhoto.token)))
        record = await session.scalar(select(Feedback).where(Feedback.user_id.is_(None)))
    assert left == {photo_queries.token_of(kept), photo_queries.token_of(recent)}
    assert record is not None and record.media_url is None
    assert filed and draft  # both of the erased resident's photos went
