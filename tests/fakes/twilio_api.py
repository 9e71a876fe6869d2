"""A fake Twilio REST API: the real `twilio` client talks to it over HTTP.

It records what a phone would receive (texts, and calls with the TwiML they
play) and can be told to fail: 500s, 429 with Retry-After, slow answers
(timeouts), or permanent 4xx errors. Calls have their own faults, so a test
can fail a call without racing the text page sent beside it.
"""

from __future__ import annotations

import asyncio
import base64
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass
class Fault:
    status: int = 500
    retry_after: float | None = None
    delay: float = 0.0
    code: int | None = None


@dataclass
class SentSms:
    to: str
    body: str
    from_: str | None
    messaging_service_sid: str | None
    sid: str
    received_at: float = 0.0  # time.monotonic() when the POST arrived
    created: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class PlacedCall:
    to: str
    from_: str | None
    twiml: str
    status_callback: str | None
    sid: str


@dataclass
class FakeTwilio:
    account_sid: str = "AC" + "0" * 32
    auth_token: str = "test-auth-token"
    sent: list[SentSms] = field(default_factory=list)
    requests: int = 0
    lookups: int = 0  # GET Messages.json: a sender checking whether a lost send went out
    faults: list[Fault] = field(default_factory=list)
    calls: list[PlacedCall] = field(default_factory=list)
    call_faults: list[Fault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self._lock:
            self.sent.clear()
            self.faults.clear()
            self.calls.clear()
            self.call_faults.clear()
            self.requests = 0
            self.lookups = 0

    def fail_next(self, *faults: Fault) -> None:
        with self._lock:
            self.faults.extend(faults)

    def fail_next_call(self, *faults: Fault) -> None:
        with self._lock:
            self.call_faults.extend(faults)

    def calls_to(self, number: str) -> list[PlacedCall]:
        """Calls placed to `number`, in order."""
        with self._lock:
            return [c for c in self.calls if c.to == number]

    def to(self, number: str) -> list[str]:
        """Bodies received by `number`, in order."""
        with self._lock:
            return [m.body for m in self.sent if m.to == number]

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return header == f"Basic {expected}"

    async def _refusal(
        self, request: Request, faults: list[Fault]
    ) -> tuple[dict[str, str], float, JSONResponse | None]:
        """The posted form, its arrival time, and the error to answer with, if any."""
        if request.path_params["account"] != self.account_sid or not self._authorised(request):
            error = {"code": 20003, "message": "Authenticate", "status": 401}
            return {}, 0.0, JSONResponse(error, 401)
        arrived = time.monotonic()
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        with self._lock:
            self.requests += 1
            fault = faults.pop(0) if faults else None
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status >= 300:
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
                payload = {"code": fault.code or 20500, "message": "fault", "status": fault.status}
                return form, arrived, JSONResponse(payload, fault.status, headers=headers)
        return form, arrived, None

    async def create_message(self, request: Request) -> JSONResponse:
        form, arrived, refusal = await self._refusal(request, self.faults)
        if refusal is not None:
            return refusal
        if not form.get("To") or not form.get("Body"):
            return JSONResponse({"code": 21602, "message": "Body required", "status": 400}, 400)
        sid = "SM" + uuid.uuid4().hex
        with self._lock:
            self.sent.append(
                SentSms(
                    to=form["To"],
                    body=form["Body"],
                    from_=form.get("From"),
                    messaging_service_sid=form.get("MessagingServiceSid"),
                    sid=sid,
                    received_at=arrived,
                )
            )
        return JSONResponse(
            {
                "sid": sid,
                "account_sid": self.account_sid,
                "to": form["To"],
                "from": form.get("From"),
                "body": form["Body"],
                "status": "queued",
                "num_segments": "1",
            },
            201,
        )

    async def list_messages(self, request: Request) -> JSONResponse:
        """GET Messages.json?To=...: newest first, as Twilio lists them."""
        if request.path_params["account"] != self.account_sid or not self._authorised(request):
            return JSONResponse({"code": 20003, "message": "Authenticate", "status": 401}, 401)
        to = request.query_params.get("To")
        size = int(request.query_params.get("PageSize", "50"))
        with self._lock:
            self.lookups += 1
            found = [m for m in reversed(self.sent) if to is None or m.to == to][:size]
        messages = [
            {
                "sid": m.sid,
                "account_sid": self.account_sid,
                "to": m.to,
                "from": m.from_,
                "body": m.body,
                "status": "sent",
                "direction": "outbound-api",
                "date_created": format_datetime(m.created),
            }
            for m in found
        ]
        return JSONResponse(
            {"messages": messages, "next_page_uri": None, "page": 0, "page_size": size}
        )

    async def create_call(self, request: Request) -> JSONResponse:
        form, _, refusal = await self._refusal(request, self.call_faults)
        if refusal is not None:
            return refusal
        if not form.get("To") or not form.get("From") or not (form.get("Twiml") or form.get("Url")):
            return JSONResponse({"code": 21205, "message": "Url required", "status": 400}, 400)
        sid = "CA" + uuid.uuid4().hex
        call = PlacedCall(
            to=form["To"],
            from_=form.get("From"),
            twiml=form.get("Twiml", ""),
            status_callback=form.get("StatusCallback"),
            sid=sid,
        )
        with self._lock:
            self.calls.append(call)
        payload = {"sid": sid, "account_sid": self.account_sid, "to": call.to, "status": "queued"}
        return JSONResponse({**payload, "from": call.from_}, 201)

    def app(self) -> Starlette:
        prefix = "/2010-04-01/Accounts/{account}"
        return Starlette(
            routes=[
                Route(f"{prefix}/Messages.json", self.create_message, methods=["POST"]),
                Route(f"{prefix}/Messages.json", self.list_messages, methods=["GET"]),
                Route(f"{prefix}/Calls.json", self.create_call, methods=["POST"]),
            ]
        )
