"""Registering a clinician the ladder can page: one way for the dashboard and the CLI."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.phones import InvalidPhone, mask, normalize_phone
from storage.models import Clinician

__all__ = ["ClinicianError", "register"]


class ClinicianError(ValueError):
    """The clinician cannot be registered as asked; the message says why, in words."""


async def register(
    session: AsyncSession,
    *,
    name: str,
    phone: str,
    now: datetime,
    actor: str,
    telegram_chat_id: str | None = None,
) -> Clinician:
    """Add a clinician (flushed, so it has its id) and audit who did; raises ClinicianError
    on an empty name, a number that is not a mobile number, or one already registered."""
    name = " ".join(name.split())
    if not name:
        raise ClinicianError("enter the clinician's name")
    try:
        number = normalize_phone(phone)
    except InvalidPhone as exc:
        raise ClinicianError(f"the phone number is not valid: {exc}") from None
    if await session.scalar(select(Clinician.id).where(Clinician.phone == number)):
        raise ClinicianError(f"a clinician with phone {mask(number)} already exists")
    clinician = Clinician(name=name, phone=number, telegram_chat_id=telegram_chat_id)
    session.add(clinician)
    await session.flush()
    audit.record(
        session, at=now, actor=actor, action="clinician_added", subject=f"clinician:{clinician.id}"
    )
    return clinician
