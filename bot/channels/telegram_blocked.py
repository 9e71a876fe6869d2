"""When Telegram answers 403 (the user blocked the bot), staff must know.

An outbox failure hook: the patient behind the chat is marked unreachable
and an audit event is written for staff; a clinician's blocked chat is
recorded too (their page already falls back to SMS). Writing to the bot
again makes a patient reachable (see `telegram_link`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.channels.base import PermanentSendError, SendError
from bot.logs import log
from storage.models import Clinician, OutboxItem, Patient, PatientStatus

FORBIDDEN = 403
KEEP_STATUS = (PatientStatus.UNREACHABLE, PatientStatus.OPTED_OUT)


async def mark_blocked_chat(
    session: AsyncSession, item: OutboxItem, error: SendError, now: datetime
) -> None:
    if item.channel != "telegram" or not isinstance(error, PermanentSendError):
        return
    if error.code != FORBIDDEN:
        return
    patient = await session.scalar(select(Patient).where(Patient.telegram_chat_id == item.address))
    if patient is not None and patient.status not in KEEP_STATUS:
        patient.status = PatientStatus.UNREACHABLE
        audit.record(
            session,
            at=now,
            actor="system",
            action="patient_unreachable",
            subject=f"patient:{patient.id}",
            channel="telegram",
            why=error.reason[:200],
        )
        log.warning("patient_unreachable", patient=patient.id, channel="telegram")
    clinician = await session.scalar(
        select(Clinician).where(Clinician.telegram_chat_id == item.address)
    )
    if clinician is not None:
        audit.record(
            session,
            at=now,
            actor="system",
            action="clinician_unreachable",
            subject=f"clinician:{clinician.id}",
            channel="telegram",
            why=error.reason[:200],
        )
        log.warning("clinician_unreachable", clinician=clinician.id, channel="telegram")
