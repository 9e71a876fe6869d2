"""Infusions and the check-ins that follow each one."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import String, cast, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.scheduling.plan import DEFAULT_POST_INFUSION, QuietHours, post_infusion_times
from storage.models import CheckinStatus, Infusion, Patient, ScheduledCheckin

# Which flow runs at each post-infusion slot. The 7-day check-in is the
# ordinary daily flow: by then the question is whether the benefit lasted.
POST_INFUSION_FLOWS = {
    "evening": "post-infusion-evening",
    "next_morning": "post-infusion-morning",
    "72h": "post-infusion-72h",
    "7d": "daily-checkin",
}


async def record_infusion(
    session: AsyncSession,
    patient: Patient,
    *,
    at: datetime,
    quiet: QuietHours,
    now: datetime,
    new_episode: bool = False,
) -> Infusion:
    count = await session.scalar(
        select(func.count())
        .select_from(Infusion)
        .where(Infusion.patient_id == patient.id, Infusion.status != "cancelled")
    )
    infusion = Infusion(
        patient_id=patient.id,
        at=at,
        number=int(count or 0) + 1,
        new_episode=new_episode,
        created_at=now,
    )
    session.add(infusion)
    await session.flush()
    await _plan(session, patient, infusion, quiet=quiet, now=now)
    return infusion


async def _plan(
    session: AsyncSession, patient: Patient, infusion: Infusion, *, quiet: QuietHours, now: datetime
) -> None:
    zone = ZoneInfo(patient.timezone)
    quiet = quiet.for_patient(patient.quiet_hours)
    # A newer infusion starts a new sequence: the older one's later check-ins go.
    await session.execute(
        update(ScheduledCheckin)
        .where(
            ScheduledCheckin.patient_id == patient.id,
            ScheduledCheckin.kind == "post_infusion",
            ScheduledCheckin.status == CheckinStatus.DUE,
            ScheduledCheckin.infusion_id != infusion.id,
            ScheduledCheckin.due_at >= infusion.at,
        )
        .values(status=CheckinStatus.CANCELLED, reason="superseded by a later infusion")
    )
    later = await session.scalar(
        select(func.min(Infusion.at)).where(
            Infusion.patient_id == patient.id,
            Infusion.status != "cancelled",
            Infusion.id != infusion.id,
            Infusion.at > infusion.at,
        )
    )
    taken: list[datetime] = []
    for name, due in post_infusion_times(infusion.at, zone, DEFAULT_POST_INFUSION):
        due = quiet.defer(due, zone)
        if later is not None and due >= later:
            continue  # recorded out of order: the later infusion's sequence covers this
        # A check-in pushed out of quiet hours onto the next one is the same conversation.
        if any(abs((due - other).total_seconds()) < 3 * 3600 for other in taken):
            continue
        taken.append(due)
        session.add(
            ScheduledCheckin(
                patient_id=patient.id,
                kind="post_infusion",
                flow_id=POST_INFUSION_FLOWS[name],
                slot=f"infusion:{infusion.id}:{name}",
                due_at=due,
                infusion_id=infusion.id,
                status=CheckinStatus.DUE if due > now else CheckinStatus.SKIPPED,
                reason=None if due > now else "infusion recorded after this check-in's time",
                created_at=now,
            )
        )


async def cancel_infusion(session: AsyncSession, infusion: Infusion, *, now: datetime) -> int:
    """Cancel an infusion and every check-in it had planned that has not gone out."""
    infusion.status = "cancelled"
    result = await session.execute(
        update(ScheduledCheckin)
        .where(
            ScheduledCheckin.infusion_id == infusion.id,
            ScheduledCheckin.status == CheckinStatus.DUE,
        )
        .values(status=CheckinStatus.CANCELLED, reason="infusion cancelled")
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def move_infusion(
    session: AsyncSession,
    patient: Patient,
    infusion: Infusion,
    *,
    at: datetime,
    quiet: QuietHours,
    now: datetime,
) -> None:
    """Reschedule: drop the unsent check-ins and plan them again from the new time."""
    await session.execute(
        update(ScheduledCheckin)
        .where(
            ScheduledCheckin.infusion_id == infusion.id,
            ScheduledCheckin.status == CheckinStatus.DUE,
        )
        .values(status=CheckinStatus.CANCELLED, reason="infusion rescheduled")
    )
    # Slots are unique per patient: retire the old names before planning anew. A retired
    # row is named by its own id, so an infusion moved many times keeps short names (a
    # suffix added on each move outgrew the column on the sixth).
    await session.execute(
        update(ScheduledCheckin)
        .where(ScheduledCheckin.infusion_id == infusion.id)
        .values(slot=literal("retired:") + cast(ScheduledCheckin.id, String))
    )
    infusion.at = at
    await _plan(session, patient, infusion, quiet=quiet, now=now)
