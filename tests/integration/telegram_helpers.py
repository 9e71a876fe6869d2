"""Setting up Telegram users the way linking would, for the Telegram tests."""

from __future__ import annotations

from sqlalchemy import select

from bot.services import Services
from storage.models import AuditEvent, Clinician, Patient

PATIENT_CHAT = 700111
PRIMARY_CHAT = 700121
STRANGER_CHAT = 700177


async def link_patient(services: Services, patient_id: int, chat: int = PATIENT_CHAT) -> None:
    async with services.sessions() as session, session.begin():
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        patient.telegram_chat_id = str(chat)
        patient.channel = "telegram"


async def link_clinician(services: Services, clinician_id: int, chat: int = PRIMARY_CHAT) -> None:
    async with services.sessions() as session, session.begin():
        clinician = await session.get(Clinician, clinician_id)
        assert clinician is not None
        clinician.telegram_chat_id = str(chat)


async def audit_actions(services: Services) -> list[str]:
    async with services.sessions() as session:
        rows = await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))
        return list(rows.all())


async def patient_row(services: Services, patient_id: int) -> Patient:
    async with services.sessions() as session:
        patient = await session.get(Patient, patient_id)
    assert patient is not None
    return patient
