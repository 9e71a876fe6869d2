"""SMS through Twilio: outbound with the real client, inbound webhook parsing and signatures."""

from __future__ import annotations

import asyncio
import base64
import contextvars
import functools
import urllib.request
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
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
# Connections kept open to Twilio, per sender and process: the outbox's two lanes of 16
# concurrent sends each, with room for a look-up.
POOL_SIZE = 40

# The last response seen by the running task: a 429's Retry-After is read from it.
# A context variable, so concurrent sends never read each other's headers.
_last_response: contextvars.ContextVar[Response | None] = contextvars.ContextVar(
    "twilio_last_response", default=None
)

# What a lost connection looks like from aiohttp: worth retrying.
UNREACHABLE = (aiohttp.ClientError, TimeoutError)
# Failures that prove the request never left: no connection was made (refused, DNS, a
# connect timeout; aiohttp 3.10 and later name the last). Anything else (a reset, a
# server that closed the connection, a read timeout) may come after Twilio took the
# message, so the retry asks Twilio first.
NOT_CONNECTED: tuple[type[BaseException], ...] = (
    aiohttp.ClientConnectorError,
    aiohttp.InvalidURL,
    *(e for e in (getattr(aiohttp, "ConnectionTimeoutError", None),) if e is not None),
)


@functools.lru_cache(maxsize=16)
def _origin_proxy(scheme: str, host: str) -> str | None:
    if urllib.request.proxy_bypass(host):
        return None
    return urllib.request.getproxies().get(scheme)


def _proxy_for(url: str) -> str | None:
    """The proxy the environment (HTTPS_PROXY, NO_PROXY) names for `url`, as requests
    honoured it. Read once per host: aiohttp's `trust_env` reads the environment and
    ~/.netrc in a thread on every request, a third of the cost of a send."""
    parts = urlsplit(url)
    return _origin_proxy(parts.scheme, parts.hostname or "")


class _PooledAsyncClient(AsyncTwilioHttpClient):
    """twilio's aiohttp transport, with one connection pool per event loop.

    The pool is opened on first use (services are built before the loop runs) and
    carries the timeout the parent class leaves out of each request. twilio's
    generated API (`create_async`, `list_async`) does the rest, as with the sync client.
    """

    def __init__(self, timeout: float) -> None:
        super().__init__(pool_connections=False, timeout=timeout)
        self._pools: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}

    def _pool(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is None or pool.closed:
            pool = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                connector=aiohttp.TCPConnector(limit=POOL_SIZE),
            )
            self._pools[loop] = pool
        return pool

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the signature twilio calls
        allow_redirects: bool = False,
    ) -> Response:
        # The parent's request hands aiohttp a BasicAuth, which aiohttp now deprecates:
        # the same request, with the Authorization header written out.
        headers = dict(headers or {})
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        options: dict[str, Any] = {"params": params, "data": data, "headers": headers}
        proxy = _proxy_for(url)
        if proxy is not None:
            options["proxy"] = proxy
        if timeout is not None:  # else the pool's (None would mean no timeout at all)
            options["timeout"] = aiohttp.ClientTimeout(total=timeout)
        async with self._pool().request(
            method.upper(), url, allow_redirects=allow_redirects, **options
        ) as raw:
            response = Response(raw.status, await raw.text(), raw.headers)
        _last_response.set(response)
        return response

    async def close(self) -> None:
        pools, self._pools = self._pools, {}
        for pool in pools.values():
            if not pool.closed:
                await pool.close()


def _retry_after() -> float | None:
    last = _last_response.get()
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
        self._http = _PooledAsyncClient(timeout)
        self._client = Client(account_sid, auth_token, http_client=self._http)
        self._client.api.base_url = api_base_url.rstrip("/")
        self._from = from_number
        self._service = messaging_service_sid
        self._status_callback = status_callback

    async def _create(self, message: OutboundMessage) -> str:
        """Ask Twilio for one SMS; return its sid (`TwilioVoiceSender` places a call instead)."""
        kwargs: dict[str, str] = {"to": message.address, "body": message.body}
        if self._service:
            kwargs["messaging_service_sid"] = self._service
        elif self._from:
            kwargs["from_"] = self._from
        if self._status_callback:
            kwargs["status_callback"] = self._status_callback
        return str((await self._client.messages.create_async(**kwargs)).sid)

    async def send(self, message: OutboundMessage) -> str:
        _last_response.set(None)
        try:
            return await self._create(message)
        except TwilioRestException as exc:
            if exc.status == 429 or exc.status >= 500:
                raise TransientSendError(
                    f"twilio http {exc.status}", retry_after=_retry_after()
                ) from exc
            raise PermanentSendError(
                f"twilio http {exc.status} code {exc.code}", code=exc.code
            ) from exc
        except UNREACHABLE as exc:
            raise TransientSendError(
                f"twilio unreachable: {type(exc).__name__}",
                maybe_sent=not isinstance(exc, NOT_CONNECTED),
            ) from exc

    async def find_sent(self, message: OutboundMessage, *, since: datetime) -> str | None:
        """The sid of `message` if Twilio accepted it since `since` (a send whose outcome
        was lost: the process died between Twilio's answer and our record of it)."""
        try:
            recent = await self._client.messages.list_async(
                to=message.address, limit=RECONCILE_LOOKBACK
            )
        except (TwilioRestException, *UNREACHABLE) as exc:
            raise TransientSendError(f"twilio lookup failed: {type(exc).__name__}") from exc
        for found in recent:  # newest first
            created = found.date_created
            if created is not None and created < since:
                break
            if found.body == message.body and found.direction in (None, "outbound-api"):
                return str(found.sid)
        return None

    async def aclose(self) -> None:
        await self._http.close()


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
