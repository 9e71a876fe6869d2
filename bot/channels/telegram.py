"""Telegram outbound: python-telegram-bot's `Bot`, its errors mapped to retry or give up.

Nothing runs PTB's `Application` or its update queue: every inbound update
(webhook or `--polling`) is parsed by `telegram_updates` and takes the one
durable path, `handle_inbound`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import warnings
from datetime import timedelta
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
    OutboundMessage,
    PermanentSendError,
    TransientSendError,
)
from bot.channels.telegram_updates import TEXT_UPDATES, TelegramUpdate
from bot.logs import log

# Opt in to PTB 23's behaviour now: time periods as timedelta. Without it PTB 22
# warns while building every RetryAfter. Must be set before PTB reads it.
os.environ.setdefault("PTB_TIMEDELTA", "1")

# PTB logs each call's parameters (message text, chat id) at DEBUG, and httpx
# logs request URLs, which carry the bot token, at INFO: keep both out of logs.
for _library in ("telegram", "httpx"):
    logging.getLogger(_library).setLevel(logging.WARNING)

CALLBACK_DATA_LIMIT = 64  # bytes, set by the Bot API
ALLOWED_UPDATES = [*TEXT_UPDATES, "callback_query"]


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

    async def acknowledge_tap(self, update: TelegramUpdate) -> None:
        """Stop the tapped button's spinner and take the keyboard off its message.

        Without the keyboard an old question's button cannot later answer a
        newer question by mistake. Both are cosmetic to delivery: failures are
        logged, since the tap itself is already stored and acted on.
        """
        if update.callback_query_id is None:
            return
        try:
            bot = await self._ready()
            await bot.answer_callback_query(update.callback_query_id)
            if update.tapped_message_id is not None:
                await bot.edit_message_reply_markup(
                    chat_id=update.inbound.address,
                    message_id=update.tapped_message_id,
                    reply_markup=None,
                )
        except TelegramError as exc:
            log.warning("telegram_tap_ack_failed", error=send_error(exc).reason)

    async def set_webhook(self, url: str, secret: str) -> None:
        try:
            await (await self._ready()).set_webhook(
                url=url,
                secret_token=secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        except TelegramError as exc:
            raise send_error(exc) from exc

    async def fetch_updates(self, offset: int | None, wait_seconds: int) -> list[dict[str, Any]]:
        """Long-poll getUpdates (polling mode); earlier updates are confirmed by `offset`."""
        try:
            bot = await self._ready()
            updates = await bot.get_updates(
                offset=offset,
                timeout=wait_seconds,
                allowed_updates=ALLOWED_UPDATES,
            )
        except TelegramError as exc:
            raise send_error(exc) from exc
        return [update.to_dict() for update in updates]

    async def delete_webhook(self) -> None:
        try:
            await (await self._ready()).delete_webhook()
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
