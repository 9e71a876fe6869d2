"""SMS through Twilio: outbound with the real client, inbound webhook parsing and signatures."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.channels.base import (
    InboundMessage,
    OutboundMessage,
    PermanentSendError,
    TransientSendError,
)
from bot.phones import InvalidPhone, normalize_phone

# Twilio error codes that mean the recipient cannot be reached by SMS at all.
OPTED_OUT = 21610
PERMANENT_CODES = {21211, 21408, 21610, 21612, 21614}
# Messages to one number looked at when checking whether a lost send went out.
RECONCILE_LOOKBACK = 20


class _HeaderKeepingClient(TwilioHttpClient):
    """Keeps each thread's last response, so a 429's Retry-After can be honoured."""

    def __init__(self, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.local = threading.local()

    def request(self, *args: Any, **kwargs: Any) -> Response:
        response = super().request(*args, **kwargs)
        self.local.last = response
        return response

    def retry_after(self) -> float | None:
        last: Response | None = getattr(self.local, "last", None)
        value = (last.headers or {}).get("Retry-After") if last is not None else None
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None


class TwilioSender:
    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str | None,
        messaging_service_sid: str | None,
        api_base_url: str,
        status_callback: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._http = _HeaderKeepingClient(timeout)
        self._client = Client(account_sid, auth_token, http_client=self._http)
        self._client.api.base_url = api_base_url.rstrip("/")
        self._from = from_number
        self._service = messaging_service_sid
        self._status_callback = status_callback

    def _create(self, message: OutboundMessage) -> str:
        """Ask Twilio for one SMS; return its sid (`TwilioVoiceSender` places a call instead)."""
        kwargs: dict[str, str] = {"to": message.address, "body": message.body}
        if self._service:
            kwargs["messaging_service_sid"] = self._service
        elif self._from:
            kwargs["from_"] = self._from
        if self._status_callback:
            kwargs["status_callback"] = self._status_callback
        return str(self._client.messages.create(**kwargs).sid)

    def _send_sync(self, message: OutboundMessage) -> str:
        try:
            return self._create(message)
        except TwilioRestException as exc:
            if exc.status == 429 or exc.status >= 500:
                raise TransientSendError(
                    f"twilio http {exc.status}", retry_after=self._http.retry_after()
                ) from exc
            raise PermanentSendError(
                f"twilio http {exc.status} code {exc.code}", code=exc.code
            ) from exc
        except requests.RequestException as exc:
            raise TransientSendError(f"twilio unreachable: {type(exc).__name__}") from exc

    async def send(self, message: OutboundMessage) -> str:
        # The twilio client is synchronous; a thread keeps the event loop free.
        return await asyncio.to_thread(self._send_sync, message)

    def _find_sync(self, message: OutboundMessage, since: datetime) -> str | None:
        try:
            recent = self._client.messages.list(to=message.address, limit=RECONCILE_LOOKBACK)
        except (TwilioRestException, requests.RequestException) as exc:
            raise TransientSendError(f"twilio lookup failed: {type(exc).__name__}") from exc
        for found in recent:  # newest first
            created = found.date_created
            if created is not None and created < since:
                break
            if found.body == message.body and found.direction in (None, "outbound-api"):
                return str(found.sid)
        return None

    async def find_sent(self, message: OutboundMessage, *, since: datetime) -> str | None:
        """The sid of `message` if Twilio accepted it since `since` (a send whose outcome
        was lost: the process died between Twilio's answer and our record of it)."""
        return await asyncio.to_thread(self._find_sync, message, since)


def signature_is_valid(
    *, auth_token: str, url: str, params: Mapping[str, str], signature: str | None
) -> bool:
    if not signature:
        return False
    return bool(RequestValidator(auth_token).validate(url, dict(params), signature))


class MalformedInbound(ValueError):
    pass


def parse_inbound(form: Mapping[str, str], received_at: datetime) -> InboundMessage:
    """Turn Twilio's webhook form into an InboundMessage, or raise MalformedInbound."""
    sid = form.get("MessageSid") or form.get("SmsSid")
    sender = form.get("From")
    if not sid or not sender:
        raise MalformedInbound("MessageSid and From are required")
    try:
        address = normalize_phone(sender)
    except InvalidPhone:
        # Short codes and alphanumeric senders are kept as given: still screened.
        address = sender.strip()[:64]
    try:
        media = int(form.get("NumMedia", "0") or 0)
    except ValueError:
        media = 0
    return InboundMessage(
        channel="sms",
        provider_id=sid[:64],
        address=address,
        text=form.get("Body", ""),
        received_at=received_at,
        media_count=media,
    )
