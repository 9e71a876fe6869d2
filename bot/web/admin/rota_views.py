"""What the rota page shows: who holds each role now and who takes over next, and the shifts.

Who is on call now and next is asked of `bot.safety.rota` (the same answer the ladder
gets, weekly rotations included).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.safety import rotation as weekly
from bot.safety.rota import NEXT_WITHIN, on_call, on_call_next
from storage.models import Clinician, OnCallRole, OnCallRotation, OnCallShift

SHIFTS_SHOWN = 100
PAST_SHOWN = timedelta(days=7)  # ended shifts stay listed this long


@dataclass
class RoleNow:
    role: str
    now: Clinician | None
    next: Clinician | None = None
    next_from: datetime | None = None


async def on_call_now_and_next(session: AsyncSession, *, now: datetime) -> list[RoleNow]:
    board = []
    for role in OnCallRole.ALL:
        row = RoleNow(role, await on_call(session, role=role, at=now))
        change = await on_call_next(session, role=role, at=now, within=NEXT_WITHIN)
        if change is not None:
            row.next, row.next_from = change
        board.append(row)
    return board


async def shifts(session: AsyncSession, *, now: datetime) -> list[OnCallShift]:
    """Current, future and recently ended shifts, the latest start first."""
    return list(
        (
            await session.scalars(
                select(OnCallShift)
                .where(or_(OnCallShift.ends_at.is_(None), OnCallShift.ends_at > now - PAST_SHOWN))
                .order_by(OnCallShift.starts_at.desc(), OnCallShift.id.desc())
                .limit(SHIFTS_SHOWN)
            )
        ).all()
    )


@dataclass
class RotationRow:
    row: OnCallRotation
    names: list[str]

    @property
    def handover(self) -> str:
        return weekly.handover_label(self.row)


async def rotations(session: AsyncSession) -> list[RotationRow]:
    """Weekly rotations, the newest first (of several for a role, the newest started wins)."""
    rows = (
        await session.scalars(
            select(OnCallRotation).order_by(OnCallRotation.starts_at.desc()).limit(SHIFTS_SHOWN)
        )
    ).all()
    ids = {i for r in rows for i in r.clinician_ids}
    found = await session.scalars(select(Clinician).where(Clinician.id.in_(ids)))
    names = {c.id: c.name for c in found}
    return [RotationRow(r, [names.get(i, f"clinician {i}") for i in r.clinician_ids]) for r in rows]
