"""STOP, START and HELP, the same on every channel.

A patient opts out with a carrier keyword (STOP, QUIT, END, REVOKE, OPT OUT, CANCEL,
UNSUBSCRIBE), with a plain request that is the whole message ("please stop texting me",
"ya no me manden mensajes": consent may be revoked by any reasonable means), or with
Telegram's ``/stop``. START (or ``/start`` with no code, see ``telegram_link``) opts back
in, HELP (AYUDA, ``/help``) answers with the clinic and the crisis lines.

Handled after screening and after the message is stored: a risky message is escalated
whatever words it holds, and an opted-out patient's messages are still screened and still
page on-call. Opting out ends every conversation in progress; a monitored patient going
quiet lands in the care team's inbox. The confirmation comes in the patient's language.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.config import Settings
from bot.safety.crisis import crisis_lines
from storage.models import FlowSession, FlowSessionStatus, Message, Patient, PatientStatus


class Keyword(enum.StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"


STOP_WORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
START_WORDS = {"start", "unstop", "subscribe", "yes start"}
HELP_WORDS = {"help", "info", "ayuda"}
_COMMAND = re.compile(r"^/(?P<name>stop|help)(?:@\w+)?$")
_EDGES = re.compile(r"^[\s\W_]+|[\s\W_]+$")
# Plain requests count as STOP when they are the whole message; anything longer is read
# as a message.
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


def keyword_of(text: str) -> Keyword | None:
    """The keyword when it is the whole message, on any channel."""
    lowered = re.sub(r"\s+", " ", text.strip().lower().replace("’", "'"))
    command = _COMMAND.match(lowered)
    if command is not None:
        return Keyword(command["name"])
    word = _EDGES.sub("", lowered)
    if word in STOP_WORDS or REVOKE.match(word) or REVOKE_ES.match(word.translate(_ACCENTS)):
        return Keyword.STOP
    if word in START_WORDS:
        return Keyword.START
    if word in HELP_WORDS:
        return Keyword.HELP
    return None


def help_text(settings: Settings, *, channel: str, language: str = "en") -> str:
    lines = crisis_lines(settings.crisis_resources)
    stop, _ = _verbs(channel, language)
    if language == "es":
        phone = f" Llámenos al {settings.clinic_phone}." if settings.clinic_phone else ""
        return (
            f"Mensajes de seguimiento de {settings.clinic_name}.{phone} En una emergencia, "
            f"llame al {lines.emergency}; {lines.line_es}. {stop} para no recibir más."
        )
    phone = f" Call us on {settings.clinic_phone}." if settings.clinic_phone else ""
    return (
        f"{settings.clinic_name} check-ins.{phone} In an emergency {lines.help}. {stop} to opt out."
    )


async def apply(
    session: AsyncSession,
    settings: Settings,
    *,
    patient: Patient | None,
    message: Message,
    keyword: Keyword,
    now: datetime,
) -> str | None:
    """Act on ``keyword``; the reply to send, or None when there is none to send."""
    language = "es" if patient is not None and patient.language.startswith("es") else "en"
    if keyword == Keyword.HELP:
        if patient is not None:
            message.for_staff = True  # a bare "help" may be more than a question
        return help_text(settings, channel=message.channel, language=language)
    lines = crisis_lines(settings.crisis_resources)
    if patient is None:
        if message.channel == "sms":
            return None  # nothing to opt out of; the carrier sends its own confirmation
        return f"This chat gets no check-ins. If you are in danger, call {lines.emergency} now."
    stop, start = _verbs(message.channel, language)
    clinic = settings.clinic_name
    if keyword == Keyword.STOP:
        await opt_out(session, patient, message, now)
        if language == "es":
            return (
                f"Ya no recibirá mensajes de seguimiento de {clinic}. {start} para "
                f"volver a recibirlos. En una crisis, {lines.line_es}."
            )
        return (
            f"You will get no more check-ins from {clinic}. {start} to resume. "
            f"In a crisis, {lines.line}."
        )
    opt_in(session, patient, now)
    if language == "es":
        return f"Volverá a recibir los mensajes de {clinic}. {stop} para dejarlos."
    return f"You will get check-ins from {clinic} again. {stop} to stop."


async def opt_out(session: AsyncSession, patient: Patient, message: Message, now: datetime) -> None:
    """No routine traffic until the patient opts back in; every conversation ends."""
    # The care team hears of it (their inbox): a patient under monitoring has gone quiet.
    message.for_staff = patient.status != PatientStatus.OPTED_OUT
    patient.status = PatientStatus.OPTED_OUT
    for flow in await session.scalars(
        select(FlowSession).where(
            FlowSession.patient_id == patient.id,
            FlowSession.status == FlowSessionStatus.ACTIVE,
        )
    ):
        flow.status = FlowSessionStatus.ABANDONED
    subject = f"patient:{patient.id}"
    audit.record(session, at=now, actor=subject, action="patient_opted_out", subject=subject)


def opt_in(session: AsyncSession, patient: Patient, now: datetime) -> None:
    if patient.status != PatientStatus.OPTED_OUT:
        return
    patient.status = PatientStatus.ACTIVE
    subject = f"patient:{patient.id}"
    audit.record(session, at=now, actor=subject, action="patient_opted_in", subject=subject)


def _verbs(channel: str, language: str) -> tuple[str, str]:
    """How to tell the patient to stop and to start again, on their channel."""
    if language == "es":
        verb = "Envíe" if channel == "telegram" else "Responda"
    else:
        verb = "Send" if channel == "telegram" else "Reply"
    if channel == "telegram":
        return f"{verb} /stop", f"{verb} /start"
    return f"{verb} STOP", f"{verb} START"
