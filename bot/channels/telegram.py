"""Telegram through python-telegram-bot: translate updates for the core, render its replies.

Long polling when no public URL is set; otherwise a webhook served by our aiohttp app, with
the secret header checked in constant time. No conversation logic lives here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from functools import partial
from typing import Any, ClassVar

from aiohttp import web
from telegram import (
    BotCommand,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatAction, MessageLimit
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.base import Capabilities, backoff, map_link, render, respond
from bot.channels.inbound import read_json, same_secret
from bot.channels.telegram_http import AiohttpRequest
from bot.delivery import Delivery
from bot.inbox import Inbox
from bot.ratelimit import ChannelLimiter, Limits
from bot.settings import Settings
from bot.staff_commands import draft_from_chat, is_draft_command
from handlers.deps import Deps
from handlers.domain.types import Attachment, Button, IncomingMessage, Reply, Response
from handlers.engine import handle
from handlers.residents import set_reachable

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_CALLBACK_BYTES = 64
MAX_BUTTONS = 100  # an inline keyboard's limit
MAX_BODY_BYTES = 1_000_000
# The update types handled (Telegram sends nothing else, not every type there is).
HANDLED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
TYPING_TIMEOUT = 3.0  # seconds the "typing..." indicator may take before we answer anyway
MAX_RETRY_WAIT = 30.0  # seconds we are willing to wait on a 429 inside one reply
REPLY_CONNECTIONS = 8  # connections beside the outbox's, for answers and "typing..."
READY_WAIT = 10.0  # seconds a queued message waits for the connection before failing
MAX_ATTEMPTS = 4  # tries of one call (429 pauses and network errors) before giving up
COMMANDS = (
    BotCommand("start", "Bắt đầu và xem menu chính"),
    BotCommand("menu", "Về menu chính"),
    BotCommand("help", "Hướng dẫn sử dụng"),
    BotCommand("huy", "Hủy việc đang làm"),
    BotCommand("du_lieu_cua_toi", "Xem dữ liệu phường lưu về bạn"),
    BotCommand("xoa_du_lieu", "Xóa dữ liệu của bạn"),
)


def _seconds(error: RetryAfter) -> float:
    """How long Telegram asks us to wait: PTB gives seconds or, opted in (PTB_TIMEDELTA, set
    where the process starts: bot/cli/__init__.py) and in newer versions, a timedelta."""
    retry_after = error.retry_after
    value = retry_after.total_seconds() if isinstance(retry_after, timedelta) else retry_after
    return min(float(value), MAX_RETRY_WAIT)


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """One button per row (Vietnamese titles are long); payloads must fit Telegram's 64 bytes."""
    rows = []
    for button in buttons:
        if len(button.payload.encode()) > MAX_CALLBACK_BYTES:
            kind = button.payload.split(":", 1)[0][:32]  # what kind of button, not its data
            log.error("button payload over 64 bytes dropped (%s...)", kind)
            continue
        rows.append([InlineKeyboardButton(button.title, callback_data=button.payload)])
    return InlineKeyboardMarkup(rows) if rows else None


def _attachment(message: Message) -> Attachment | None:
    if message.photo:
        return Attachment("image", file_id=message.photo[-1].file_id)
    if message.sticker:
        return Attachment("sticker", file_id=message.sticker.file_id)
    if message.document:
        return Attachment("file", file_id=message.document.file_id)
    if message.voice or message.audio:
        return Attachment("audio")
    if message.location:
        place = message.location
        return Attachment("location", url=map_link(place.latitude, place.longitude))
    return None


class TelegramChannel:
    """The Telegram adapter: a PTB Application whose callbacks only translate and render."""

    name: ClassVar[str] = "telegram"
    capabilities: ClassVar[Capabilities] = Capabilities(
        max_text=MessageLimit.MAX_TEXT_LENGTH,
        max_buttons=MAX_BUTTONS,
        max_caption=MessageLimit.CAPTION_LENGTH,
    )

    def __init__(self, settings: Settings, deps: Deps, inbox: Inbox | None) -> None:
        """With no inbox the channel only sends (`broadcast send` from the command line)."""
        own = settings.telegram
        assert own.bot_token is not None
        self.settings, self.deps = settings, deps
        self.secret = own.secret()
        api = str(own.api_url).rstrip("/")
        self._http = AiohttpRequest(settings.outbox_concurrency + REPLY_CONNECTIONS)
        builder = (
            Application.builder()
            .token(own.bot_token.get_secret_value())
            .base_url(f"{api}/bot")
            .base_file_url(f"{api}/file/bot")
            .concurrent_updates(True)  # conversation state is in the database, not in PTB
            # Bot API calls over aiohttp (see telegram_http.py); long polling keeps PTB's own.
            .request(self._http)
        )
        if settings.webhook_mode:
            builder = builder.updater(None)
        self.app = builder.build()
        self.ready = asyncio.Event()
        self._starter: asyncio.Task[None] | None = None
        # Shared by replies and the outbox: Telegram counts them together.
        self.limiter = ChannelLimiter(Limits(own.rate, per_chat=own.per_chat_interval))
        self.app.add_handler(ChatMemberHandler(self._on_member, ChatMemberHandler.MY_CHAT_MEMBER))
        self.app.add_handler(CallbackQueryHandler(self._on_button))
        # New messages only: an edited message was answered when it was first sent.
        self.app.add_handler(
            MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE, self._on_message)
        )
        self.app.add_error_handler(self._on_error)
        self._errors: dict[int, BaseException] = {}
        self._conversed: dict[int, bool] = {}  # updates the conversation marked handled
        self.inbox = inbox
        if inbox is not None:
            inbox.register("telegram", self._process)

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Connect in the background, retrying while Telegram is unreachable."""
        self._starter = asyncio.create_task(self._start_with_retries())

    async def _start_with_retries(self) -> None:
        waits = backoff(2.0)
        while True:
            try:
                await self._connect()
                return
            except InvalidToken:
                log.error("Telegram refused the bot token; the Telegram channel stays off")
                return
            except (NetworkError, TimedOut) as exc:
                delay = next(waits)
                log.warning("Telegram unreachable (%s); retrying in %.0f s", exc, delay)
                await asyncio.sleep(delay)

    async def _connect(self) -> None:
        await self.app.initialize()
        if self.inbox is None:  # send only: leave the webhook and polling to the server
            self.ready.set()
            return
        bot = self.app.bot
        await bot.set_my_commands(list(COMMANDS))
        if self.settings.webhook_mode:
            url = f"{self.settings.public_root()}/webhooks/telegram"
            await bot.set_webhook(url, secret_token=self.secret, allowed_updates=HANDLED_UPDATES)
            log.info("Telegram: webhook registered at %s", url)
        else:
            await bot.delete_webhook()
            assert self.app.updater is not None
            await self.app.updater.start_polling(allowed_updates=HANDLED_UPDATES)
            log.info("Telegram: long polling as @%s", bot.username)
        await self.app.start()
        self.ready.set()

    async def stop(self) -> None:
        """Stop polling and release PTB's resources."""
        if self._starter is not None and not self._starter.done():
            self._starter.cancel()
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()  # returns at once when it never initialised
        await self._http.shutdown()  # also when the connection never succeeded

    # --- webhook -------------------------------------------------------------------------

    async def webhook(self, request: web.Request) -> web.Response:
        """POST /webhooks/telegram: verify the secret, parse, hand to PTB, reply 200."""
        given = request.headers.get(SECRET_HEADER, "")
        if not same_secret(given, self.secret):
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return web.json_response({"ok": False, "error": "too large"}, status=413)
        try:
            data = read_json(await request.read())
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
        except (ValueError, UnicodeDecodeError):
            return web.json_response({"ok": False, "error": "malformed update"}, status=400)
        try:
            assert self.inbox is not None
            await self.inbox.accept("telegram", str(data["update_id"]), data)
        except Exception:  # not stored: a 5xx makes Telegram deliver it again
            return web.json_response({"ok": False, "error": "try again"}, status=503)
        return web.json_response({"ok": True})

    async def _process(self, _event_key: str, payload: dict[str, Any]) -> bool:
        """Handle a stored update (from the inbox) once Telegram is connected; a handler's
        error is raised here, so the inbox records it (PTB only hands it to _on_error).
        True when the conversation took the update (and so marked it handled)."""
        await self.ready.wait()
        update = Update.de_json(payload, self.app.bot)
        await self.app.process_update(update)
        conversed = self._conversed.pop(update.update_id, False)
        error = self._errors.pop(update.update_id, None)
        if error is not None:
            raise error
        return conversed

    # --- PTB callbacks: translate, call the core, render ----------------------------------

    async def _on_message(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None:
            return
        if is_draft_command(message.text) and message.from_user is not None:
            answer = await draft_from_chat(
                self.deps.sessions,
                "telegram",
                str(message.from_user.id),
                message.text or "",
                event_key=str(update.update_id),
            )
            if answer is not None:  # a linked staff member; anyone else is a resident
                await self.send(chat.id, Reply(answer))
                return
        incoming = IncomingMessage(
            "telegram",
            str(chat.id),
            text=message.text or message.caption,
            attachment=_attachment(message),
            display_name=chat.first_name,
            event_key=str(update.update_id),
            reply_to=str(message.reply_to_message.message_id)
            if message.reply_to_message
            else None,
        )
        await self._respond(chat.id, incoming)

    async def _on_button(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await self._deliver(query.from_user.id, query.answer)  # always, or the client spins
        chat_id = query.message.chat.id if query.message else query.from_user.id
        incoming = IncomingMessage(
            "telegram", str(chat_id), payload=query.data or "", event_key=str(update.update_id)
        )
        await self._respond(chat_id, incoming)

    async def _on_member(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        member = update.my_chat_member
        assert member is not None
        status = member.new_chat_member.status
        reachable = status not in (ChatMember.BANNED, ChatMember.LEFT)
        await set_reachable(
            self.deps, "telegram", str(member.chat.id), reachable, event_key=str(update.update_id)
        )
        change = "unblocked" if reachable else "blocked"
        log.info("Telegram: a resident %s the bot", change)  # no chat id at INFO
        log.debug("Telegram chat %s %s the bot", member.chat.id, change)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if isinstance(update, Update) and context.error is not None and self.inbox is not None:
            self._errors[update.update_id] = context.error  # _process raises it
            return
        log.error("Telegram update failed", exc_info=context.error)

    # --- sending -----------------------------------------------------------------------

    async def _respond(self, chat_id: int, incoming: IncomingMessage) -> None:
        await respond(self, str(chat_id), self._handle(incoming), partial(self._typing, chat_id))

    async def _handle(self, incoming: IncomingMessage) -> Response:
        """The core's answer; its transaction marked the update handled, so the inbox need
        not close it again."""
        response = await handle(incoming, self.deps)
        if incoming.event_key is not None:
            self._conversed[int(incoming.event_key)] = True
        return response

    async def _typing(self, chat_id: int) -> None:
        try:
            await asyncio.wait_for(
                self.app.bot.send_chat_action(chat_id, ChatAction.TYPING), TYPING_TIMEOUT
            )
        except (TelegramError, TimeoutError) as exc:
            log.debug("Telegram typing action for chat %s failed: %s", chat_id, exc)

    async def send(self, chat_id: int | str, reply: Reply, spaced: bool = False) -> Delivery:
        """Send one reply: the picture first (with the text as caption when it fits), the text
        split at paragraphs over 4096 characters, buttons on the last part. `spaced` keeps
        one second between messages to the chat (outbox sends); an answer to what the
        resident just wrote goes at once, as the short burst Telegram tolerates."""
        bot = self.app.bot
        delivery = Delivery("sent")
        for part in render(reply, self.capabilities):
            markup = keyboard(part.buttons)
            call: Callable[[], Awaitable[Message]] = (
                partial(
                    bot.send_photo, chat_id, part.image_url, part.text or None, reply_markup=markup
                )
                if part.image_url
                else partial(bot.send_message, chat_id, part.text, reply_markup=markup)
            )
            delivery = await self._deliver(chat_id, call, limited=True, spaced=spaced)
            if delivery.status != "sent":
                break
        return delivery

    async def deliver(self, user_ref: str, reply: Reply, answering: bool = False) -> Delivery:
        """Send one reply (bot/channels/base.py), once connected."""
        try:  # just after start the connection may still be on its way
            await asyncio.wait_for(self.ready.wait(), READY_WAIT)
        except TimeoutError:
            return Delivery("failed", "Telegram chưa kết nối")
        return await self.send(user_ref, reply, spaced=not answering)

    async def _deliver(
        self,
        chat_id: int | str,
        call: Callable[[], Awaitable[Any]],
        limited: bool = False,
        spaced: bool = False,
    ) -> Delivery:
        """Make one Bot API call; 429, 403, 400 and timeouts are handled, never raised.
        A message (`limited`) first waits for the channel's limits; a 429 pauses the whole
        channel for `retry_after`, then the call is tried again."""
        for attempt in range(MAX_ATTEMPTS):
            try:
                if limited:
                    async with self.limiter.slot(str(chat_id) if spaced else None):
                        result = await call()
                else:
                    result = await call()
                message_id = getattr(result, "message_id", None)
                return Delivery("sent", message_id=str(message_id) if message_id else None)
            except RetryAfter as exc:
                wait = _seconds(exc)
                log.warning("Telegram rate limit: pausing the channel %.1f s", wait)
                self.limiter.pause(wait)
                if not limited:
                    await asyncio.sleep(wait)
            except Forbidden as exc:
                log.info("Telegram: a resident has blocked the bot; marked inactive")
                log.debug("Telegram chat %s has blocked the bot", chat_id)
                await set_reachable(self.deps, "telegram", str(chat_id), False)
                return Delivery("blocked", f"người dân đã chặn bot ({exc.message})")
            except BadRequest as exc:
                log.warning("Telegram refused a call: %s", exc.message)
                log.debug("Telegram refused a call for chat %s", chat_id)
                if "chat not found" in exc.message.lower():
                    await set_reachable(self.deps, "telegram", str(chat_id), False)
                return Delivery("undeliverable", exc.message)
            except (TimedOut, NetworkError) as exc:
                log.warning("Telegram call failed (%s), attempt %d", exc, attempt + 1)
                await asyncio.sleep(0.5 * (attempt + 1))
        log.error("Telegram call given up after %d attempts", MAX_ATTEMPTS)
        return Delivery("failed", "Telegram không nhận sau nhiều lần thử")
