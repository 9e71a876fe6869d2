"""Linking a Telegram chat to a patient or clinician with a one-time `/start <code>`.

Staff print a code at enrollment (`checkin patient add --telegram`); the
person taps `https://t.me/<bot>?start=<code>` and Telegram sends
`/start <code>` from their chat. Only the code's SHA-256 is stored, a code
works once and expires, and a wrong, used or expired code gets the same
neutral reply as no code at all: the reply never says which it was.

This runs inside `handle_inbound`, after screening and after the message row
is stored, so `/start ...` is screened like any other text; `/help` and
`/stop` are keywords like SMS HELP and STOP (`bot/routing/keywords.py`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.logs import log
from bot.phones import mask
from bot.routing import keywords
from bot.services import Services
from storage.models import Clinician, Message, Patient, PatientStatus, TelegramLinkCode

LINK_TTL = timedelta(hours=72)  # long enough to post a letter, short enough to go stale
CODE_DIGITS = 16  # digits only: nothing for the screening rules to misread as words
START = re.compile(r"^/start(?:@\w+)?(?:\s+(?P<code>\S+))?\s*$", re.IGNORECASE)


def new_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def start_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


async def issue_code(
    session: AsyncSession,
    *,
    now: datetime,
    patient_id: int | None = None,
    clinician_id: int | None = None,
    ttl: timedelta = LINK_TTL,
) -> str:
    """Store a new code for one person (their older unused codes stop working); return it."""
    assert (patient_id is None) != (clinician_id is None)
    owner = (
        TelegramLinkCode.patient_id == patient_id
        if patient_id is not None
        else TelegramLinkCode.clinician_id == clinician_id
    )
    await session.execute(
        update(TelegramLinkCode)
        .where(owner, TelegramLinkCode.used_at.is_(None), TelegramLinkCode.expires_at > now)
        .values(expires_at=now)
    )
    code = new_code()
    session.add(
        TelegramLinkCode(
            code_hash=hash_code(code),
            patient_id=patient_id,
            clinician_id=clinician_id,
            expires_at=now + ttl,
            created_at=now,
        )
    )
    await session.flush()
    return code


async def reply_to_start(
    session: AsyncSession, services: Services, message: Message, *, now: datetime
) -> str | None:
    """The answer to a Telegram message that is `/start [code]`; None for any other."""
    await _mark_reachable(session, message.address, now)
    start = START.match(message.body.strip())
    if start is None:
        return None
    return await _start(session, services, message, start["code"], now)


def _not_linked(services: Services) -> str:
    settings = services.settings
    phone = f" on {settings.clinic_phone}" if settings.clinic_phone else ""
    return (
        f"This is {settings.clinic_name}'s check-in bot. This chat is not connected. "
        f"Please use the link the clinic gave you, or ask us{phone} for a new one. "
        f"If you are in danger, call {services.escalation.emergency_number} now."
    )


async def _start(
    session: AsyncSession, services: Services, message: Message, code: str | None, now: datetime
) -> str:
    holder = await _linked_to(session, message.address)
    row = await _usable(session, code, now) if code else None
    if row is None:
        return _without_code(session, services, message, holder, code, now)
    target: Patient | Clinician | None = (
        await session.get(Patient, row.patient_id)
        if row.patient_id is not None
        else await session.get(Clinician, row.clinician_id)
    )
    if target is None:
        return _not_linked(services)
    if holder is not None and holder is not target:
        # Moving a chat between people is for staff to do, not for a code.
        return (
            f"This chat is already connected to {services.settings.clinic_name}. "
            "Please call the clinic to change it."
        )
    claimed = await session.execute(
        update(TelegramLinkCode)
        .where(TelegramLinkCode.id == row.id, TelegramLinkCode.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return _not_linked(services)  # another chat used it a moment ago
    _link(session, message, target, now)
    return _connected(services, target)


def _without_code(
    session: AsyncSession,
    services: Services,
    message: Message,
    holder: Patient | Clinician | None,
    code: str | None,
    now: datetime,
) -> str:
    """/start with no usable code: a rejected code is audited; an opted-out patient is back."""
    if code:
        audit.record(
            session,
            at=now,
            actor=f"telegram:{mask(message.address)}",
            action="telegram_link_rejected",
        )
    if isinstance(holder, Patient) and holder.status == PatientStatus.OPTED_OUT:
        keywords.opt_in(session, holder, now)
        return (
            f"Welcome back, {holder.first_name}. Your check-ins from "
            f"{services.settings.clinic_name} will come here again. "
            "Send /stop to pause them."
        )
    return _connected(services, holder) if holder is not None else _not_linked(services)


def _link(
    session: AsyncSession, message: Message, target: Patient | Clinician, now: datetime
) -> None:
    """Connect this chat to ``target`` (a patient's check-ins move to Telegram), audited."""
    target.telegram_chat_id = message.address
    if isinstance(target, Patient):
        target.channel = "telegram"
        if target.status == PatientStatus.UNREACHABLE:
            target.status = PatientStatus.ACTIVE
        message.patient_id = target.id
        subject = f"patient:{target.id}"
    else:
        message.clinician_id = target.id
        subject = f"clinician:{target.id}"
    audit.record(session, at=now, actor=subject, action="telegram_linked", subject=subject)
    log.info("telegram_linked", subject=subject, chat=mask(message.address))


def _connected(services: Services, person: Patient | Clinician) -> str:
    clinic = services.settings.clinic_name
    if isinstance(person, Clinician):
        return (
            f"Connected, {person.name}. Pages from {clinic} will come to this chat: "
            "tap Acknowledge on a page to take it."
        )
    return (
        f"Hi {person.first_name}, this chat is connected to {clinic}. Your check-ins will "
        f"come here. If you are in danger, call {services.escalation.emergency_number} now."
    )


async def _usable(session: AsyncSession, code: str, now: datetime) -> TelegramLinkCode | None:
    return await session.scalar(
        select(TelegramLinkCode).where(
            TelegramLinkCode.code_hash == hash_code(code),
            TelegramLinkCode.used_at.is_(None),
            TelegramLinkCode.expires_at > now,
        )
    )


async def _linked_to(session: AsyncSession, chat: str) -> Patient | Clinician | None:
    patient = await session.scalar(select(Patient).where(Patient.telegram_chat_id == chat))
    if patient is not None:
        return patient
    return await session.scalar(select(Clinician).where(Clinician.telegram_chat_id == chat))


async def _mark_reachable(session: AsyncSession, chat: str, now: datetime) -> None:
    """A patient who blocked the bot and now writes again can be reached again."""
    patient = await session.scalar(
        select(Patient).where(
            Patient.telegram_chat_id == chat, Patient.status == PatientStatus.UNREACHABLE
        )
    )
    if patient is not None:
        patient.status = PatientStatus.ACTIVE
        subject = f"patient:{patient.id}"
        audit.record(session, at=now, actor=subject, action="patient_reachable", subject=subject)
