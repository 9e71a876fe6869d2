"""What the rota page shows: who holds each role now and who takes over next, and the shifts.

Who is on call is always asked of `bot.safety.rota` (the same answer the ladder
gets); this module only chooses the moments to ask about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.safety.rota import on_call
from storage.models import Clinician, OnCallRole, OnCallShift

LOOKAHEAD = timedelta(days=31)  # "next" is sought this far ahead
SHIFTS_SHOWN = 100
PAST_SHOWN = timedelta(days=7)  # ended shifts stay listed this long


@dataclass
class RoleNow:
    role: str
    now: Clinician | None
    next: Clinician | None = None
    next_from: datetime | None = None


async def _changes(session: AsyncSession, now: datetime) -> list[datetime]:
    """Every moment in the look-ahead at which some shift starts or ends."""
    rows = await session.execute(
        select(OnCallShift.starts_at, OnCallShift.ends_at).where(
            or_(OnCallShift.ends_at.is_(None), OnCallShift.ends_at > now),
            OnCallShift.starts_at < now + LOOKAHEAD,
        )
    )
    moments = {t for pair in rows.all() for t in pair if t is not None}
    return sorted(t for t in moments if now < t <= now + LOOKAHEAD)


async def on_call_now_and_next(session: AsyncSession, *, now: datetime) -> list[RoleNow]:
    changes = await _changes(session, now)
    board = []
    for role in OnCallRole.ALL:
        row = RoleNow(role, await on_call(session, role=role, at=now))
        current = row.now.id if row.now else None
        for moment in changes:
            holder = await on_call(session, role=role, at=moment)
            if (holder.id if holder else None) != current:
                row.next, row.next_from = holder, moment
                break
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
