"""The vocabulary every channel adapter speaks."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

# What no database column can hold: NUL (PostgreSQL refuses it in text) and lone
# surrogates (half an emoji from a broken JSON escape: not encodable as UTF-8 at all).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` with what cannot be stored replaced by U+FFFD; everything else kept."""
    return _UNSTORABLE.sub("\ufffd", text)


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One message as a channel received it, made storable whatever arrived.

    A message carrying NUL or a lone surrogate is still stored, screened and acted on: the
    bad characters become U+FFFD and ``raw_sha256`` keeps the digest of what arrived.
    """

    channel: str  # "sms" | "telegram"
    provider_id: str  # Twilio MessageSid, Telegram update_id: the deduplication key
    address: str  # E.164 phone, or Telegram chat id
    text: str
    received_at: datetime
    media_count: int = 0
    raw_sha256: str | None = None  # set only when the text had to be changed

    def __post_init__(self) -> None:
        clean = storable(self.text)
        if clean != self.text:
            raw = self.text.encode("utf-8", "surrogatepass")
            object.__setattr__(self, "raw_sha256", hashlib.sha256(raw).hexdigest())
            object.__setattr__(self, "text", clean)
        for name in ("provider_id", "address"):
            object.__setattr__(self, name, storable(getattr(self, name)))


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    channel: str
    address: str
    body: str
    idempotency_key: str
    buttons: tuple[tuple[str, str], ...] = field(default=())  # (label, reply text)


class SendError(Exception):
    """A provider refused or failed a send.

    `maybe_sent`: the request reached the provider but its answer did not come back
    (a read timeout), so the message may have gone out; ask before sending it again.
    """

    def __init__(
        self, reason: str, *, retry_after: float | None = None, maybe_sent: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.maybe_sent = maybe_sent


class TransientSendError(SendError):
    """Worth retrying: 429, 5xx, timeouts, refused connections."""


class PermanentSendError(SendError):
    """Retrying will not help: a bad number, an opted-out recipient, a blocked bot."""

    def __init__(self, reason: str, *, code: int | None = None) -> None:
        super().__init__(reason)
        self.code = code


class Sender(Protocol):
    async def send(self, message: OutboundMessage) -> str:
        """Send one message; return the provider's id or raise a SendError."""
        ...


@runtime_checkable
class Reconciling(Protocol):
    """A sender that can tell whether a message already reached the provider."""

    async def find_sent(self, message: OutboundMessage, *, since: datetime) -> str | None:
        """The provider's id of `message` accepted since `since`, or None when there is none."""
        ...
