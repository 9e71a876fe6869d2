"""The dispatcher: claim due check-in rows and start their conversations.

Each batch is claimed with `SELECT ... FOR UPDATE SKIP LOCKED` (PostgreSQL)
and started in the same transaction that marks the rows sent and queues the
first question on the outbox. A worker that dies mid-batch rolls back, its
row locks vanish with its connection, and another worker takes the rows:
no check-in is lost, none is sent twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

import flows
from bot.bootstrap import Services
from bot.checkins.runner import start_flow
from bot.logs import log
from bot.safety.escalation import unresolved_for
from bot.scheduling.plan import QuietHours, next_daily
from storage.db import on_postgres
from storage.inserts import insert_ignoring_conflict
from storage.models import CheckinStatus, Patient, PatientStatus, ScheduledCheckin

DAILY_FLOW = "daily-checkin"
FOLD_WINDOW = timedelta(hours=3)


async def plan_next_daily(
    session: AsyncSession, patient: Patient, *, after: datetime, quiet: QuietHours
) -> None:
    """Make sure the patient's next daily check-in exists as a row."""
    zone = ZoneInfo(patient.timezone)
    due = quiet.defer(next_daily(after, patient.checkin_time, zone), zone)
    slot = f"daily:{due.astimezone(zone).date().isoformat()}"
    await insert_ignoring_conflict(
        session,
        ScheduledCheckin,
        {
            "patient_id": patient.id,
            "kind": "daily",
            "flow_id": DAILY_FLOW,
            "slot": slot,
            "due_at": due,
            "status": CheckinStatus.DUE,
            "created_at": after,
        },
        ["patient_id", "slot"],
    )


async def plan_missing_dailies(
    session: AsyncSession, *, now: datetime, quiet: QuietHours, limit: int = 500
) -> int:
    """Self-healing: every active patient has a due daily row (after enrollment or resume)."""
    has_due = exists().where(
        and_(
            ScheduledCheckin.patient_id == Patient.id,
            ScheduledCheckin.kind == "daily",
            ScheduledCheckin.status == CheckinStatus.DUE,
        )
    )
    patients = (
        await session.scalars(
            select(Patient).where(Patient.status == PatientStatus.ACTIVE, ~has_due).limit(limit)
        )
    ).all()
    for patient in patients:
        await plan_next_daily(session, patient, after=now, quiet=quiet)
    return len(patients)


async def _why_not(
    session: AsyncSession,
    services: Services,
    row: ScheduledCheckin,
    patient: Patient,
    now: datetime,
) -> tuple[str, str] | None:
    """(status, reason) when this check-in must not start now; None when it should."""
    if patient.status != PatientStatus.ACTIVE:
        return CheckinStatus.SKIPPED, f"patient {patient.status}"
    if await unresolved_for(session, patient=patient, address=patient.phone) is not None:
        return CheckinStatus.SKIPPED, "an escalation is open"
    try:
        flow = services.flows.get(row.flow_id)
    except flows.UnknownFlow:
        return CheckinStatus.SKIPPED, f"no flow {row.flow_id!r} in the library"
    if now - row.due_at > flow.expires_after:
        return (
            CheckinStatus.MISSED,
            "not sent: due time passed its window while the service was down",
        )
    if row.kind == "daily":
        nearby = await session.scalar(
            select(ScheduledCheckin.id)
            .where(
                ScheduledCheckin.patient_id == patient.id,
                ScheduledCheckin.kind == "post_infusion",
                ScheduledCheckin.status.in_([CheckinStatus.DUE, CheckinStatus.SENT]),
                ScheduledCheckin.due_at.between(row.due_at - FOLD_WINDOW, row.due_at + FOLD_WINDOW),
            )
            .limit(1)
        )
        if nearby is not None:
            return CheckinStatus.SKIPPED, "folded into a post-infusion check-in"
    return None


async def dispatch_due(
    session: AsyncSession, services: Services, *, now: datetime, quiet: QuietHours, limit: int = 200
) -> int:
    """Start every claimed due check-in; return how many rows were handled."""
    query = (
        select(ScheduledCheckin)
        .where(ScheduledCheckin.status == CheckinStatus.DUE, ScheduledCheckin.due_at <= now)
        .order_by(ScheduledCheckin.due_at)
        .limit(limit)
    )
    if on_postgres(session):
        query = query.with_for_update(skip_locked=True)
    rows = list((await session.scalars(query)).all())
    for row in rows:
        patient = await session.get(Patient, row.patient_id)
        assert patient is not None
        row.attempts += 1
        skip = await _why_not(session, services, row, patient, now)
        if skip is not None:
            row.status, row.reason = skip
        else:
            await start_flow(session, services, patient, row.flow_id, now=now, scheduled=row)
            row.status = CheckinStatus.SENT
        if row.kind == "daily" and patient.status == PatientStatus.ACTIVE:
            await plan_next_daily(session, patient, after=max(now, row.due_at), quiet=quiet)
        log.info("checkin_dispatched", checkin=row.id, kind=row.kind, status=row.status)
    return len(rows)


async def replan_daily(
    session: AsyncSession, patient: Patient, *, now: datetime, quiet: QuietHours
) -> None:
    """After a change of time zone or check-in time: the unsent daily row moves."""
    await session.execute(
        update(ScheduledCheckin)
        .where(
            ScheduledCheckin.patient_id == patient.id,
            ScheduledCheckin.kind == "daily",
            ScheduledCheckin.status == CheckinStatus.DUE,
        )
        .values(
            status=CheckinStatus.CANCELLED,
            reason="check-in time or time zone changed",
            # Slots are unique per patient: free the day's name for the new row.
            slot=ScheduledCheckin.slot + "@" + str(int(now.timestamp())),
        )
    )
    if patient.status == PatientStatus.ACTIVE:
        await plan_next_daily(session, patient, after=now, quiet=quiet)
