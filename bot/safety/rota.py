"""Who is on call: the rota the ladder pages.

Two layers: shifts (`checkin oncall set`: covers, swaps, one-off rotas) and weekly
rotations (`checkin oncall rotation set`). A shift covering the moment wins; otherwise
the role's newest started rotation names whose week it is.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.safety import rotation as weekly
from storage.models import Clinician, OnCallRole, OnCallRotation, OnCallShift

# How far ahead `on_call_next` looks for a change of hands.
NEXT_WITHIN = timedelta(weeks=8)


async def on_call(session: AsyncSession, *, role: str, at: datetime) -> Clinician | None:
    """The active clinician holding `role` at `at`: the newest covering shift wins,
    then the role's weekly rotation."""
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
    if shift is not None:
        return shift.clinician
    return await _rotation_holder(session, role=role, at=at)


async def _rotation_holder(session: AsyncSession, *, role: str, at: datetime) -> Clinician | None:
    rotation = await current_rotation(session, role=role, at=at)
    order = weekly.stand_ins(rotation, at) if rotation is not None else []
    if not order:
        return None
    # A holder since deactivated must not leave the rung empty: the next in turn covers.
    found = await session.scalars(
        select(Clinician).where(Clinician.id.in_(order), Clinician.active.is_(True))
    )
    active = {c.id: c for c in found}
    return next((active[i] for i in order if i in active), None)


async def current_rotation(
    session: AsyncSession, *, role: str, at: datetime
) -> OnCallRotation | None:
    """The role's newest rotation that has started by `at`."""
    return await session.scalar(
        select(OnCallRotation)
        .where(OnCallRotation.role == role, OnCallRotation.starts_at <= at)
        .order_by(OnCallRotation.created_at.desc(), OnCallRotation.id.desc())
        .limit(1)
    )


async def on_call_next(
    session: AsyncSession, *, role: str, at: datetime, within: timedelta = NEXT_WITHIN
) -> tuple[Clinician | None, datetime] | None:
    """Who holds `role` after the next change of hands after `at`, and from when.

    None when nothing changes within `within`. The clinician is None when the role is
    left empty from then (a shift ends and no rotation covers it).
    """
    now_holder = await on_call(session, role=role, at=at)
    for moment in await _boundaries(session, role=role, after=at, until=at + within):
        holder = await on_call(session, role=role, at=moment)
        if (holder.id if holder else None) != (now_holder.id if now_holder else None):
            return holder, moment
    return None


async def _boundaries(
    session: AsyncSession, *, role: str, after: datetime, until: datetime
) -> list[datetime]:
    """Every moment in (after, until] at which the holder of `role` could change."""
    moments: set[datetime] = set()
    shifts = await session.scalars(select(OnCallShift).where(OnCallShift.role == role))
    for shift in shifts:
        moments.update(t for t in (shift.starts_at, shift.ends_at) if t is not None)
    rotations = await session.scalars(select(OnCallRotation).where(OnCallRotation.role == role))
    for rotation in rotations:
        moments.add(rotation.starts_at)
        handover = weekly.next_handover(rotation, max(after, rotation.starts_at))
        while handover <= until:
            moments.add(handover)
            handover = weekly.next_handover(rotation, handover)
    return sorted(t for t in moments if after < t <= until)


async def resolve_target(session: AsyncSession, *, target: str, at: datetime) -> Clinician | None:
    """A ladder target (a rota role such as `primary`, or `clinician:<id>`) to a clinician."""
    if target.startswith("clinician:"):
        clinician = await session.get(Clinician, int(target.split(":", 1)[1]))
        return clinician if clinician is not None and clinician.active else None
    return await on_call(session, role=target, at=at)


async def everyone_active(session: AsyncSession) -> list[Clinician]:
    return list((await session.scalars(select(Clinician).where(Clinician.active.is_(True)))).all())


class RotationError(ValueError):
    """The rotation cannot start as asked: ``field`` (role, clinicians or handover) and,
    as the message, why in words."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


async def start_rotation(
    session: AsyncSession,
    *,
    role: str,
    clinician_ids: list[int],
    handover: str,
    zone: str,
    starts: datetime,
    now: datetime,
    actor: str,
) -> list[str]:
    """Rotate ``role`` weekly among ``clinician_ids`` from ``starts``, handing over at
    ``handover`` ("mon 09:00", wall-clock in ``zone``); returns their names in turn.

    Shifts with an end (covers, swaps) still win over the rotation; open-ended shifts for
    the role end where the rotation starts. The dashboard and the CLI both start rotations
    through this."""
    if role not in OnCallRole.ALL:
        raise RotationError("role", f"use one of {', '.join(OnCallRole.ALL)}")
    if not clinician_ids:
        raise RotationError("clinicians", "name at least one clinician")
    try:
        weekday, at = weekly.parse_handover(handover)
    except weekly.HandoverError as exc:
        raise RotationError("handover", str(exc)) from None
    found = await session.scalars(select(Clinician).where(Clinician.id.in_(clinician_ids)))
    names = {c.id: c.name for c in found if c.active}
    missing = [i for i in clinician_ids if i not in names]
    if missing:
        raise RotationError(
            "clinicians", f"no active clinician with id {', '.join(map(str, missing))}"
        )
    session.add(
        OnCallRotation(
            role=role,
            clinician_ids=clinician_ids,
            handover_weekday=weekday,
            handover_time=at.strftime("%H:%M"),
            timezone=zone,
            starts_at=starts,
        )
    )
    await session.execute(
        update(OnCallShift)
        .where(
            OnCallShift.role == role, OnCallShift.ends_at.is_(None), OnCallShift.starts_at <= starts
        )
        .values(ends_at=starts)
    )
    audit.record(
        session,
        at=now,
        actor=actor,
        action="oncall_rotation_set",
        role=role,
        clinicians=clinician_ids,
        handover=handover,
    )
    return [names[i] for i in clinician_ids]
