"""Twilio webhooks: check the signature, persist, answer fast."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from twilio.twiml.messaging_response import MessagingResponse

from bot import audit
from bot.channels.base import PermanentSendError
from bot.channels.twilio_sms import (
    OPTED_OUT,
    MalformedInbound,
    parse_inbound,
    signature_is_valid,
)
from bot.conversation import receive
from bot.logs import log
from bot.safety.page_channels import FallbackOnFailure
from bot.services import Services
from bot.web.bodies import BodyTooLarge, read_capped
from storage.models import Message, OutboxItem, Patient, PatientStatus

router = APIRouter()
MAX_BODY_BYTES = 64 * 1024
EMPTY_TWIML = str(MessagingResponse())


async def verified_form(request: Request) -> dict[str, str] | Response:
    services: Services = request.app.state.services
    settings = services.settings
    if not settings.twilio_auth_token:
        return Response("SMS channel is not configured", status_code=403)
    try:
        raw = await read_capped(request, MAX_BODY_BYTES)
    except BodyTooLarge:
        return Response("request too large", status_code=413)
    # Decode leniently: a bad percent-escape becomes U+FFFD instead of a 500,
    # and the signature check below still decides whether we trust the request.
    text = raw.decode("utf-8", errors="replace")
    form = dict(parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="replace"))
    url = settings.public_base_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    signature = request.headers.get("X-Twilio-Signature")
    if not signature_is_valid(
        auth_token=settings.twilio_auth_token, url=url, params=form, signature=signature
    ):
        log.warning("twilio_signature_rejected", path=request.url.path)
        return Response("invalid signature", status_code=403)
    return form


@router.post("/webhooks/twilio/sms")
async def inbound_sms(request: Request) -> Response:
    """Store, screen and act on one inbound SMS; replies go through the outbox."""
    services: Services = request.app.state.services
    form = await verified_form(request)
    if isinstance(form, Response):
        return form
    if "MessageSid" not in form and "SmsSid" not in form and form.get("From"):
        # Never drop a signed message for want of an id: derive a stable one.
        raw = "&".join(f"{k}={v}" for k, v in sorted(form.items())).encode()
        form["MessageSid"] = "nosid-" + hashlib.sha256(raw).hexdigest()[:32]
    try:
        inbound = parse_inbound(form, services.clock())
    except MalformedInbound as exc:
        return Response(str(exc), status_code=400)
    await receive(services, inbound)  # handled, or spooled durably: either way answer
    return Response(EMPTY_TWIML, media_type="application/xml")


@router.post("/webhooks/twilio/status")
async def delivery_status(request: Request) -> Response:
    """Record a delivery status callback against the message Twilio reports on."""
    services: Services = request.app.state.services
    form = await verified_form(request)
    if isinstance(form, Response):
        return form
    # A voice page's call reports here too, by CallSid and CallStatus.
    sid = form.get("MessageSid") or form.get("SmsSid") or form.get("CallSid")
    status = (form.get("MessageStatus") or form.get("SmsStatus") or form.get("CallStatus") or "")[
        :16
    ]
    if not sid or not status:
        return Response("MessageSid and MessageStatus are required", status_code=400)
    async with services.sessions() as session, session.begin():
        await session.execute(
            update(Message).where(Message.provider_id == sid).values(status=status)
        )
        error = form.get("ErrorCode")
        if error:
            await session.execute(
                update(OutboxItem)
                .where(OutboxItem.provider_id == sid)
                .values(last_error=f"delivery {status} code {error}"[:300])
            )
        if error == str(OPTED_OUT):
            # The carrier says this number has opted out: stop routine messages.
            patient_id = await session.scalar(
                select(Message.patient_id).where(Message.provider_id == sid)
            )
            if patient_id is not None:
                await session.execute(
                    update(Patient)
                    .where(Patient.id == patient_id)
                    .values(status=PatientStatus.OPTED_OUT)
                )
                audit.record(
                    session,
                    at=services.clock(),
                    actor="twilio",
                    action="patient_opted_out",
                    subject=f"patient:{patient_id}",
                    why="error 21610 on delivery",
                )
        if status in UNDELIVERED:
            await _fall_back(services, session, sid, status, error)
    log.info("twilio_status", status=status, error=form.get("ErrorCode"))
    return Response(status_code=204)


# Call outcomes (busy, no-answer, canceled) count as undelivered: the ladder moves on.
UNDELIVERED = ("undelivered", "failed", "busy", "no-answer", "canceled")


async def _fall_back(
    services: Services, session: AsyncSession, sid: str, status: str, error: str | None
) -> None:
    """A page or crisis message the carrier could not deliver goes out on the other channel."""
    item = await session.scalar(select(OutboxItem).where(OutboxItem.provider_id == sid))
    if item is None:
        return
    reason = PermanentSendError(f"delivery {status} code {error}", code=None)
    await FallbackOnFailure(services.senders)(session, item, reason, services.clock())
