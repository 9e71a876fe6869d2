"""The keypad answer to a voice page: pressing 1 acknowledges, as that clinician."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import select

from bot.logs import log
from bot.outbox import enqueue
from bot.safety import acknowledge as ack
from bot.safety import voice
from bot.services import Services
from bot.web.twilio import verified_form
from storage.models import Clinician, Escalation, Priority

router = APIRouter()


def _twiml(text: str) -> Response:
    return Response(text, media_type="application/xml")


@router.post(voice.ACK_PATH)
async def voice_ack(request: Request) -> Response:
    """Acknowledge the escalation named in the signed action URL when the digit is 1."""
    services: Services = request.app.state.services
    form = await verified_form(request)
    if isinstance(form, Response):
        return form
    code = request.query_params.get("code", "")
    clinician_ref = request.query_params.get("clinician", "")
    if not code.isdigit() or not clinician_ref.isdigit():
        return Response("code and clinician are required", status_code=400)
    pressed = (form.get("Digits") or "").strip()
    if pressed != voice.ACK_DIGIT:
        log.info("voice_ack_other_key", code_len=len(code), pressed=pressed[:4])
        return _twiml(voice.ask_again_twiml(pressed=pressed[:4], action=_action_url(request)))
    now = services.clock()
    async with services.sessions() as session, session.begin():
        clinician = await session.get(Clinician, int(clinician_ref))
        if clinician is None or not clinician.active:
            return _twiml(voice.said_twiml("This number is not registered to acknowledge."))
        reply = await ack.acknowledge(
            session, services.escalation, clinician=clinician, code=code, now=now, via="voice"
        )
        holder = await session.scalar(select(Escalation.acked_by_id).where(Escalation.code == code))
        # The text keeps what a call should not say aloud: the call-back number, RESOLVE.
        await enqueue(
            session,
            key=f"voice-ack:{code}:{clinician.id}:{int(now.timestamp())}",
            channel="sms",
            address=clinician.phone,
            body=reply,
            now=now,
            purpose="reply",
            priority=Priority.PAGE,
            clinician_id=clinician.id,
        )
    services.outbox.wake()
    if holder == clinician.id:
        spoken = (
            f"Acknowledged. Escalation {voice.spoken_code(code)} is yours. "
            "We have texted you the call-back number and how to resolve it. Goodbye."
        )
    else:
        spoken = reply  # already acknowledged by someone else, or no longer open
    return _twiml(voice.said_twiml(spoken))


def _action_url(request: Request) -> str:
    """The URL Twilio just called (as signed), to post the next keypress to."""
    settings = request.app.state.services.settings
    url = settings.public_base_url.rstrip("/") + request.url.path
    return f"{url}?{request.url.query}" if request.url.query else url
