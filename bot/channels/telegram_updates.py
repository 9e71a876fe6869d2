"""Telegram inbound: an Update's JSON to one InboundMessage (or None for kinds we skip)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.channels.base import InboundMessage

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


class MalformedUpdate(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class TelegramUpdate:
    inbound: InboundMessage
    callback_query_id: str | None = None
    tapped_message_id: int | None = None  # the message whose button was tapped


def parse_update(payload: object, received_at: datetime) -> TelegramUpdate | None:
    """Turn an Update into an InboundMessage; None for kinds we do not take (e.g. polls).

    A button tap becomes the text of its callback data, so it answers exactly
    as typing that text would. Raises MalformedUpdate for a body that is not
    an Update at all.
    """
    if not isinstance(payload, dict) or _integer(payload.get("update_id")) is None:
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
            tapped_message_id=_dig(query, "message", "message_id"),
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
    return _integer(value)


def _integer(value: object) -> int | None:
    """A Telegram id: a 64-bit integer (and not a bool, which Python counts as one)."""
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 2**63:
        return None
    return value
