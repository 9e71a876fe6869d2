"""A fake Telegram Bot API: the real python-telegram-bot `Bot` talks to it over HTTP.

It records what each chat would see (messages and their inline keyboards),
which callback queries were answered and which webhook was registered, and
can be told to fail `sendMessage`: 500s, 429 with `parameters.retry_after`,
slow answers (timeouts), or 403 "bot was blocked by the user". It also builds
the updates Telegram would POST to our webhook.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

BLOCKED = "Forbidden: bot was blocked by the user"


@dataclass
class Fault:
    status: int = 500
    retry_after: int | None = None
    delay: float = 0.0
    description: str | None = None


@dataclass
class SentTelegram:
    chat_id: str
    text: str
    buttons: list[tuple[str, str]]  # (label, callback_data), row by row
    message_id: int


@dataclass
class FakeTelegram:
    token: str = "123456:TEST-telegram-token"
    username: str = "riverside_checkin_bot"
    sent: list[SentTelegram] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)  # callback_query ids
    cleared: list[tuple[str, int]] = field(default_factory=list)  # keyboards taken off
    webhook: dict[str, str] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    pending: list[dict[str, Any]] = field(default_factory=list)  # for getUpdates
    requests: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self._lock:
            self.sent.clear()
            self.answered.clear()
            self.cleared.clear()
            self.webhook.clear()
            self.faults.clear()
            self.blocked.clear()
            self.pending.clear()
            self.requests = 0

    def fail_next(self, *faults: Fault) -> None:
        """Make the next `sendMessage` calls fail, one fault each."""
        with self._lock:
            self.faults.extend(faults)

    def block(self, chat_id: int | str) -> None:
        """The user behind `chat_id` blocks the bot: every send to them gets 403."""
        with self._lock:
            self.blocked.add(str(chat_id))

    def to(self, chat_id: int | str) -> list[str]:
        """Texts received by `chat_id`, in order."""
        with self._lock:
            return [m.text for m in self.sent if m.chat_id == str(chat_id)]

    def last_to(self, chat_id: int | str) -> SentTelegram:
        with self._lock:
            return [m for m in self.sent if m.chat_id == str(chat_id)][-1]

    def queue(self, update: dict[str, Any]) -> None:
        """Hold `update` for getUpdates (polling mode) until an offset confirms it."""
        with self._lock:
            self.pending.append(update)

    # What Telegram would POST to our webhook.

    def text_update(self, chat_id: int, text: str, **message: Any) -> dict[str, Any]:
        return {"update_id": self._next(), "message": self._message(chat_id, text=text, **message)}

    def sticker_update(self, chat_id: int) -> dict[str, Any]:
        sticker = {"file_id": "CAAD", "file_unique_id": "u1", "type": "regular"}
        return {"update_id": self._next(), "message": self._message(chat_id, sticker=sticker)}

    def button_tap(self, chat_id: int, data: str) -> dict[str, Any]:
        """A tap on an inline button whose callback_data is `data`."""
        return {
            "update_id": self._next(),
            "callback_query": {
                "id": f"cbq{self._next()}",
                "from": {"id": chat_id, "is_bot": False, "first_name": "User"},
                "chat_instance": "ci1",
                "message": self._message(chat_id, text="(the message with the buttons)"),
                "data": data,
            },
        }

    def _next(self) -> int:
        with self._lock:
            return next(self._ids)

    def _message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        return {
            "message_id": self._next(),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "User"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "User"},
            **content,
        }

    # The Bot API.

    async def method(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != self.token:
            return _error(401, "Unauthorized")
        params = await _params(request)
        name = request.path_params["method"]
        if name == "getMe":
            bot = {"id": 123456, "is_bot": True, "first_name": "Clinic", "username": self.username}
            return _ok(bot)
        if name == "sendMessage":
            return await self._send_message(params)
        if name == "answerCallbackQuery":
            with self._lock:
                self.answered.append(str(params["callback_query_id"]))
            return _ok(True)
        if name == "editMessageReplyMarkup":
            with self._lock:
                self.cleared.append((str(params["chat_id"]), int(params["message_id"])))
            return _ok(True)
        if name == "setWebhook":
            with self._lock:
                self.webhook.update({k: str(v) for k, v in params.items()})
            return _ok(True)
        if name == "getUpdates":
            offset = int(params.get("offset") or 0)
            with self._lock:
                self.pending[:] = [u for u in self.pending if u["update_id"] >= offset]
                return _ok(list(self.pending))
        if name in {"deleteWebhook", "close", "logOut"}:
            return _ok(True)
        return _error(404, "Not Found: method not found")

    async def _send_message(self, params: dict[str, Any]) -> JSONResponse:
        chat_id = str(params.get("chat_id", ""))
        with self._lock:
            self.requests += 1
            fault = self.faults.pop(0) if self.faults else None
            blocked = chat_id in self.blocked
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status >= 300:
                return _error(fault.status, fault.description or "fault", fault.retry_after)
        if blocked:
            return _error(403, BLOCKED)
        if not chat_id or not params.get("text"):
            return _error(400, "Bad Request: message text is empty")
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        rows = (markup or {}).get("inline_keyboard", [])
        buttons = [(b["text"], b["callback_data"]) for row in rows for b in row]
        message_id = self._next()
        with self._lock:
            self.sent.append(SentTelegram(chat_id, str(params["text"]), buttons, message_id))
        return _ok(
            {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": int(chat_id), "type": "private"},
                "text": params["text"],
            }
        )

    def app(self) -> Starlette:
        return Starlette(
            routes=[Route("/bot{token}/{method}", self.method, methods=["GET", "POST"])]
        )


async def _params(request: Request) -> dict[str, Any]:
    """PTB posts form fields whose complex values are JSON; accept a JSON body too."""
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        loaded = json.loads(raw or b"{}")
        return dict(loaded) if isinstance(loaded, dict) else {}
    return {k: v[0] for k, v in parse_qs(raw.decode()).items()}


def _ok(result: object) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _error(status: int, description: str, retry_after: int | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return JSONResponse(body, status)
