"""Telegram's slash commands besides `/start <code>`: `/help`, `/stop`, and `/start` to resume.

`/stop` is Telegram's opt-out: no routine check-ins until `/start`. Like
SMS STOP it silences routine traffic only: whatever an opted-out patient
writes is still screened and a risky message still pages on-call.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.bootstrap import Services
from storage.models import FlowSession, FlowSessionStatus, Message, Patient, PatientStatus

HELP = re.compile(r"^/help(?:@\w+)?\s*$", re.IGNORECASE)
STOP = re.compile(r"^/stop(?:@\w+)?\s*$", re.IGNORECASE)


def help_text(services: Services) -> str:
    settings = services.settings
    phone = f" Call us on {settings.clinic_phone}." if settings.clinic_phone else ""
    return (
        f"This is {settings.clinic_name}'s check-in bot. Answer its questions by typing "
        f"or tapping a button.{phone} Send /stop to pause check-ins. If you are in danger, "
        f"call {services.escalation.emergency_number} now."
    )


async def stop(session: AsyncSession, services: Services, message: Message, now: datetime) -> str:
    """Opt the patient behind the message's chat out of routine check-ins."""
    patient = await _patient_of(session, message.address)
    emergency = services.escalation.emergency_number
    if patient is None:
        return f"This chat gets no check-ins. If you are in danger, call {emergency} now."
    # The care team hears of it (their inbox), as on SMS: a monitored patient went quiet.
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
    return (
        f"You will get no more check-ins here from {services.settings.clinic_name}. "
        f"Send /start to resume. If you are in danger, call {emergency} now."
    )


def resume(session: AsyncSession, services: Services, patient: Patient, now: datetime) -> str:
    """`/start` from an opted-out patient's own chat turns check-ins back on."""
    patient.status = PatientStatus.ACTIVE
    subject = f"patient:{patient.id}"
    audit.record(session, at=now, actor=subject, action="patient_opted_in", subject=subject)
    return (
        f"Welcome back, {patient.first_name}. Your check-ins from "
        f"{services.settings.clinic_name} will come here again. Send /stop to pause them."
    )


async def _patient_of(session: AsyncSession, chat: str) -> Patient | None:
    return await session.scalar(select(Patient).where(Patient.telegram_chat_id == chat))
