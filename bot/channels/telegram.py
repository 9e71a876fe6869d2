"""Telegram: outbound with python-telegram-bot's `Bot`, inbound Update parsing.

Webhook mode only: the web route checks the secret token and hands the JSON
here; nothing runs PTB's `Application` or its update queue, because every
inbound message must take the one durable path (`handle_inbound`).
"""

from __future__ import annotations

import asyncio
import os
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest

from bot.channels.base import (
    InboundMessage,
    OutboundMessage,
    PermanentSendError,
    TransientSendError,
)

# Opt in to PTB 23's behaviour now: time periods as timedelta. Without it PTB 22
# warns while building every RetryAfter. Must be set before PTB reads it.
os.environ.setdefault("PTB_TIMEDELTA", "1")

CALLBACK_DATA_LIMIT = 64  # bytes, set by the Bot API
TEXT_UPDATES = ("message", "edited_message")
# Any of these in a message means the user sent something we cannot read as text.
MEDIA_KEYS = (
    "photo",
    "sticker",
    "voice",
    "audio",
    "video",
    "video_note",
    "animation",
    "document",
    "location",
    "contact",
    "poll",
    "dice",
)


class TelegramSender:
    """Send through the Bot API; errors become Transient/PermanentSendError."""

    def __init__(self, *, token: str, api_base_url: str, timeout: float = 10.0) -> None:
        request = HTTPXRequest(
            connect_timeout=timeout,
            read_timeout=timeout,
            write_timeout=timeout,
            pool_timeout=timeout,
        )
        self.bot = Bot(token, base_url=api_base_url, request=request)
        self._init_lock = asyncio.Lock()
        self._initialized = False

    async def _ready(self) -> Bot:
        # One getMe for the life of the sender, however many sends race to it.
        async with self._init_lock:
            if not self._initialized:
                await self.bot.initialize()
                self._initialized = True
        return self.bot

    async def send(self, message: OutboundMessage) -> str:
        try:
            bot = await self._ready()
            sent = await bot.send_message(
                chat_id=message.address,
                text=message.body,
                reply_markup=keyboard(message.buttons),
            )
        except TelegramError as exc:
            raise send_error(exc) from exc
        return f"{sent.chat_id}:{sent.message_id}"

    async def username(self) -> str:
        try:
            return (await self._ready()).username
        except TelegramError as exc:
            raise send_error(exc) from exc

    async def answer_callback(self, callback_query_id: str) -> None:
        """Stop the spinner on the button the user tapped."""
        try:
            await (await self._ready()).answer_callback_query(callback_query_id)
        except TelegramError as exc:
            raise send_error(exc) from exc

    async def set_webhook(self, url: str, secret: str) -> None:
        try:
            await (await self._ready()).set_webhook(
                url=url,
                secret_token=secret,
                allowed_updates=[*TEXT_UPDATES, "callback_query"],
            )
        except TelegramError as exc:
            raise send_error(exc) from exc

    async def aclose(self) -> None:
        if self._initialized:
            await self.bot.shutdown()
            self._initialized = False


def keyboard(buttons: tuple[tuple[str, str], ...]) -> InlineKeyboardMarkup | None:
    """One button per (label, reply); shorter labels share a row, like a keypad.

    A reply longer than callback data allows is left off rather than cut: a
    cut reply would answer something else. The question's text still lists it.
    """
    usable = [
        InlineKeyboardButton(label, callback_data=reply)
        for label, reply in buttons
        if reply and len(reply.encode()) <= CALLBACK_DATA_LIMIT
    ]
    if not usable:
        return None
    longest = max(len(b.text) for b in usable)
    per_row = 6 if longest <= 3 else 3 if longest <= 12 else 1
    rows = [usable[i : i + per_row] for i in range(0, len(usable), per_row)]
    return InlineKeyboardMarkup(rows)


def send_error(exc: TelegramError) -> TransientSendError | PermanentSendError:
    """Map PTB's exceptions: flood control, timeouts and 5xx retry; the rest do not."""
    if isinstance(exc, RetryAfter):
        return TransientSendError("telegram 429", retry_after=_seconds(exc))
    if isinstance(exc, Forbidden):
        return PermanentSendError(f"telegram 403: {exc.message}"[:200], code=403)
    if isinstance(exc, BadRequest | InvalidToken | ChatMigrated):
        return PermanentSendError(f"telegram {type(exc).__name__}: {exc.message}"[:200])
    if isinstance(exc, NetworkError):  # TimedOut, 5xx, refused connections
        return TransientSendError(f"telegram unreachable: {type(exc).__name__}")
    return TransientSendError(f"telegram error: {type(exc).__name__}")


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns while retry_after is still an int
        warnings.simplefilter("ignore")
        value: int | timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class MalformedUpdate(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class TelegramUpdate:
    inbound: InboundMessage
    callback_query_id: str | None = None


def parse_update(payload: object, received_at: datetime) -> TelegramUpdate | None:
    """Turn an Update into an InboundMessage; None for kinds we do not take (e.g. polls).

    A button tap becomes the text of its callback data, so it answers exactly
    as typing that text would. Raises MalformedUpdate for a body that is not
    an Update at all.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
        raise MalformedUpdate("an Update needs an integer update_id")
    update_id = str(payload["update_id"])
    query = payload.get("callback_query")
    if isinstance(query, dict):
        chat = _dig(query, "message", "chat", "id") or _dig(query, "from", "id")
        if chat is None or not isinstance(query.get("id"), str):
            raise MalformedUpdate("callback_query needs an id and a chat")
        data = query.get("data")
        return TelegramUpdate(
            InboundMessage(
                channel="telegram",
                provider_id=update_id,
                address=str(chat),
                text=data if isinstance(data, str) else "",
                received_at=received_at,
            ),
            callback_query_id=query["id"],
        )
    message = next((payload[k] for k in TEXT_UPDATES if isinstance(payload.get(k), dict)), None)
    if message is None:
        return None
    chat = _dig(message, "chat", "id")
    if chat is None:
        raise MalformedUpdate("message needs a chat id")
    text = message.get("text") or message.get("caption") or ""
    return TelegramUpdate(
        InboundMessage(
            channel="telegram",
            provider_id=update_id,
            address=str(chat),
            text=text if isinstance(text, str) else "",
            received_at=received_at,
            media_count=sum(1 for k in MEDIA_KEYS if k in message),
        )
    )


def _dig(data: dict[str, Any], *keys: str) -> int | None:
    value: Any = data
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
