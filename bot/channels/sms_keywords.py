"""Carrier keywords on SMS: STOP and friends opt out, START opts back in, HELP answers.

Handled before any flow, after screening: a risky message is escalated
whatever words it contains, and an opted-out patient's messages are still
screened and still page on-call.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.config import Settings
from bot.outbox import reply_to
from bot.safety.crisis import crisis_lines
from storage.models import FlowSession, Message, Patient, PatientStatus

STOP_WORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
START_WORDS = {"start", "unstop", "subscribe", "yes start"}
HELP_WORDS = {"help", "info"}
_EDGES = re.compile(r"^[\s\W_]+|[\s\W_]+$")
# Consent may be revoked by any reasonable means (the FCC's 2025 rule): plain requests
# count as STOP when they are the whole message. Anything longer is read as a message.
_POLITE = r"(?:(?:please|pls|plz|kindly|ok|okay) )?"
_THANKS = r"(?: (?:please|pls|plz|thanks|thank you|thx|ty))?"
REVOKE = re.compile(
    rf"^{_POLITE}(?:"
    r"(?:stop|quit|cease) (?:texting|messaging|sending|contacting|txting|text|msg|sms)"
    r"(?: me)?(?: (?:texts|messages|these|this|them|anymore|any more|now|please))*"
    r"|(?:opt|take) (?:me )?out(?: of (?:this|these|the) (?:texts|messages|list|check ins))?"
    r"|unsubscribe(?: me)?|remove me(?: from (?:this|the|your) (?:list|texts|messages))?"
    r"|no more (?:texts|messages|check ins)(?: please)?"
    r"|(?:do not|don'?t|dont) (?:text|message|contact) me(?: anymore| any more| again)?"
    r"|i (?:want|would like|wish) to (?:opt out|unsubscribe|stop (?:the )?(?:texts|messages))"
    rf"){_THANKS}$"
)
# The same in Spanish, accents optional: "ya no me manden mensajes", "darme de baja".
_POR_FAVOR = r"(?:(?:por favor|porfa|xfa|ok) )?"
REVOKE_ES = re.compile(
    rf"^{_POR_FAVOR}(?:"
    r"(?:ya )?no (?:me )?(?:manden|envien|mande|envie|escriban|escriba) (?:mas )?"
    r"(?:mensajes|textos|msjs|sms)(?: (?:por favor|porfa|mas|nunca))*"
    r"|(?:ya )?no quiero (?:recibir )?(?:mas )?(?:mensajes|textos)(?: por favor)?"
    r"|(?:quiero )?(?:darme|dame|denme) de baja"
    r"|(?:dejen|deje|paren|pare) de (?:mandarme|enviarme|escribirme) (?:mensajes|textos)?"
    rf"){_THANKS}(?: por favor| gracias)?$"
)
_ACCENTS = str.maketrans("áéíóúü", "aeiouu")


def keyword_of(text: str) -> str | None:
    """'stop', 'start' or 'help' when the whole message is one of the carrier keywords."""
    word = re.sub(r"\s+", " ", _EDGES.sub("", text.lower().replace("’", "'")))
    plain = word.translate(_ACCENTS)
    if word in STOP_WORDS or REVOKE.match(word) or REVOKE_ES.match(plain):
        return "stop"
    if word in START_WORDS:
        return "start"
    if word in HELP_WORDS:
        return "help"
    return None


def help_text(settings: Settings) -> str:
    phone = f" Call us on {settings.clinic_phone}." if settings.clinic_phone else ""
    lines = crisis_lines(settings.crisis_resources)
    return (
        f"{settings.clinic_name} check-ins.{phone} In an emergency {lines.help}. "
        "Reply STOP to opt out."
    )


async def apply_keyword(
    session: AsyncSession,
    settings: Settings,
    *,
    patient: Patient | None,
    message: Message,
    keyword: str,
    now: datetime,
    active_flow: FlowSession | None,
) -> None:
    body: str | None
    if keyword == "help":
        body = help_text(settings)
    elif patient is None:
        body = None  # nothing to opt out of; the carrier handles its own confirmation
    elif keyword == "stop":
        # The care team hears of it (their inbox): a patient under monitoring has gone quiet.
        message.for_staff = patient.status != PatientStatus.OPTED_OUT
        patient.status = PatientStatus.OPTED_OUT
        if active_flow is not None:
            active_flow.status = "abandoned"
        audit.record(
            session,
            at=now,
            actor=f"patient:{patient.id}",
            action="patient_opted_out",
            subject=f"patient:{patient.id}",
        )
        body = (
            f"You will get no more check-ins from {settings.clinic_name}. Reply START to "
            f"resume. In a crisis, {crisis_lines(settings.crisis_resources).line}."
        )
    else:
        if patient.status == PatientStatus.OPTED_OUT:
            patient.status = PatientStatus.ACTIVE
            audit.record(
                session,
                at=now,
                actor=f"patient:{patient.id}",
                action="patient_opted_in",
                subject=f"patient:{patient.id}",
            )
        body = f"You will get check-ins from {settings.clinic_name} again. Reply STOP to stop."
    if body is not None:
        await reply_to(session, message, body, now=now)
