"""Registering a clinician the ladder can page: one way for the dashboard and the CLI."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.phones import InvalidPhone, mask, normalize_phone
from storage.models import Clinician

__all__ = ["ClinicianError", "register", "roles_held", "set_active"]


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


async def set_active(
    session: AsyncSession, clinician: Clinician, *, active: bool, now: datetime, actor: str
) -> bool:
    """Deactivate a clinician who has left (the ladder and the rota skip them at once; their
    shifts and rotations stay, for the record) or bring one back; audited. Returns whether
    anything changed."""
    if clinician.active == active:
        return False
    clinician.active = active
    action = "clinician_reactivated" if active else "clinician_deactivated"
    audit.record(session, at=now, actor=actor, action=action, subject=f"clinician:{clinician.id}")
    return True


async def roles_held(session: AsyncSession, clinician: Clinician, *, at: datetime) -> list[str]:
    """The on-call roles ``clinician`` holds at ``at`` (what deactivating them leaves empty)."""
    from bot.safety.rota import on_call
    from storage.models import OnCallRole

    held = []
    for role in OnCallRole.ALL:
        holder = await on_call(session, role=role, at=at)
        if holder is not None and holder.id == clinician.id:
            held.append(role)
    return held
