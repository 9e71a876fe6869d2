"""Voice pages: the phone call that is the ladder's last resort, and its keypad answer.

The call reads a short alert and asks the clinician to press 1. It says less than the
text page, not more: a call can be answered by someone else or land in voicemail, so it
names the clinic, the kind of alert and the code, never the patient, their number or
their words (those stay in the text page). The keypress comes back to
`POST /webhooks/twilio/voice/ack?code=<code>&clinician=<id>`; Twilio signs that whole URL,
so the code and the clinician in it cannot be forged without the auth token.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession
from twilio.twiml.voice_response import Gather, VoiceResponse

from bot import metrics
from bot.logs import log
from bot.outbox import enqueue
from storage.models import Clinician, Escalation, EscalationPage, Priority

ACK_PATH = "/webhooks/twilio/voice/ack"
ACK_DIGIT = "1"
GATHER_SECONDS = 10
NO_KEY = "No key was pressed. The alert is still open. Goodbye."


def spoken_code(code: str) -> str:
    """`123456` as `1, 2, 3, 4, 5, 6`: read digit by digit, not as a number."""
    return ", ".join(code)


def ack_url(base_url: str, *, code: str, clinician_id: int) -> str:
    return (
        f"{base_url.rstrip('/')}{ACK_PATH}?{urlencode({'code': code, 'clinician': clinician_id})}"
    )


def alert_text(*, clinic: str, kind: str, code: str) -> str:
    what = (
        "a patient reported a medical emergency"
        if kind == "medical"
        else "a patient's message suggests suicide risk"
    )
    return (
        f"This is an urgent alert from {clinic}: {what}, and nobody has acknowledged it yet. "
        f"Escalation code {spoken_code(code)}. The details are in your text messages. "
        f"Press {ACK_DIGIT} to acknowledge and take this escalation."
    )


def _ask(response: VoiceResponse, text: str, action: str) -> str:
    gather = Gather(num_digits=1, action=action, method="POST", timeout=GATHER_SECONDS)
    gather.say(text, loop=2)
    response.append(gather)
    response.say(NO_KEY)
    return str(response)


def call_twiml(*, clinic: str, kind: str, code: str, action: str) -> str:
    """The TwiML the call plays: the alert inside a one-digit Gather posting to `action`."""
    return _ask(VoiceResponse(), alert_text(clinic=clinic, kind=kind, code=code), action)


def ask_again_twiml(*, pressed: str, action: str) -> str:
    """Any key but 1 acknowledges nothing: say so and offer the keypad again."""
    heard = f"You pressed {pressed}." if pressed else "No key was heard."
    return _ask(
        VoiceResponse(),
        f"{heard} Nothing was acknowledged. Press {ACK_DIGIT} to acknowledge this escalation.",
        action,
    )


def said_twiml(text: str) -> str:
    response = VoiceResponse()
    response.say(text)
    response.hangup()
    return str(response)


async def queue_call(
    session: AsyncSession,
    *,
    base_url: str,
    clinic: str,
    escalation: Escalation,
    clinician: Clinician,
    role: str,
    max_attempts: int,
    now: datetime,
) -> None:
    """Queue a call to the clinician beside a text page: whole rounds of texts went unanswered."""
    twiml = call_twiml(
        clinic=clinic,
        kind=escalation.kind,
        code=escalation.code,
        action=ack_url(base_url, code=escalation.code, clinician_id=clinician.id),
    )
    item_id = await enqueue(
        session,
        key=f"call:{escalation.id}:{escalation.round}:{escalation.level_index}:{clinician.id}",
        channel="voice",
        address=clinician.phone,
        body=twiml,
        now=now,
        purpose="page",
        priority=Priority.PAGE,
        max_attempts=max_attempts,  # not retried for long: the next rung is minutes away
        clinician_id=clinician.id,
        escalation_id=escalation.id,
    )
    session.add(
        EscalationPage(
            escalation_id=escalation.id,
            clinician_id=clinician.id,
            role=role,
            round=escalation.round,
            channel="voice",
            outbox_item_id=item_id,
            created_at=now,
        )
    )
    metrics.PAGES.labels(role).inc()
    log.warning("call_queued", escalation=escalation.id, clinician=clinician.id, role=role)
