"""Who is on call: the rota the ladder pages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Clinician, OnCallShift


async def on_call(session: AsyncSession, *, role: str, at: datetime) -> Clinician | None:
    """The active clinician holding `role` at `at`; the newest covering shift wins."""
    shift = await session.scalar(
        select(OnCallShift)
        .join(Clinician, Clinician.id == OnCallShift.clinician_id)
        .where(
            OnCallShift.role == role,
            OnCallShift.starts_at <= at,
            or_(OnCallShift.ends_at.is_(None), OnCallShift.ends_at > at),
            Clinician.active.is_(True),
        )
        .order_by(OnCallShift.created_at.desc(), OnCallShift.id.desc())
        .limit(1)
    )
    return shift.clinician if shift is not None else None


async def resolve_target(session: AsyncSession, *, target: str, at: datetime) -> Clinician | None:
    """A ladder target (`primary`, `backup`, `director`, `clinician:<id>`) to a clinician."""
    if target.startswith("clinician:"):
        clinician = await session.get(Clinician, int(target.split(":", 1)[1]))
        return clinician if clinician is not None and clinician.active else None
    return await on_call(session, role=target, at=at)


async def everyone_active(session: AsyncSession) -> list[Clinician]:
    return list((await session.scalars(select(Clinician).where(Clinician.active.is_(True)))).all())
