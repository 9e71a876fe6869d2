"""Planning the next routine rows: the daily check-in and flows on their own cadence.

Each patient has at most one due row per kind (daily) or per cadence flow
(PHQ-9, GAD-7). The next one is planned when one is handled, and the
self-healing sweep plans one for any active patient without: after
enrolment, or on resume (the next one only, never the ones missed while
paused).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

import flows
from bot.scheduling.plan import QuietHours, next_daily, next_on_cadence
from storage.inserts import insert_ignoring_conflict
from storage.models import CheckinStatus, Patient, PatientStatus, ScheduledCheckin

DAILY_FLOW = "daily-checkin"
DAILY = "daily"
CADENCE = "cadence"  # a flow with `cadence:` in the library (PHQ-9 weekly, GAD-7 fortnightly)


async def _insert(
    session: AsyncSession,
    patient: Patient,
    *,
    kind: str,
    flow_id: str,
    due: datetime,
    now: datetime,
) -> None:
    zone = ZoneInfo(patient.timezone)
    prefix = DAILY if kind == DAILY else flow_id
    await insert_ignoring_conflict(
        session,
        ScheduledCheckin,
        {
            "patient_id": patient.id,
            "kind": kind,
            "flow_id": flow_id,
            "slot": f"{prefix}:{due.astimezone(zone).date().isoformat()}",
            "due_at": due,
            "status": CheckinStatus.DUE,
            "created_at": now,
        },
        ["patient_id", "slot"],
    )


async def plan_next_daily(
    session: AsyncSession, patient: Patient, *, after: datetime, quiet: QuietHours
) -> None:
    """Make sure the patient's next daily check-in exists as a row."""
    zone = ZoneInfo(patient.timezone)
    patient_quiet = quiet.for_patient(patient.quiet_hours)
    due = patient_quiet.defer(next_daily(after, patient.checkin_time, zone), zone)
    await _insert(session, patient, kind=DAILY, flow_id=DAILY_FLOW, due=due, now=after)


async def plan_next_on_cadence(
    session: AsyncSession, patient: Patient, flow: flows.Flow, *, after: datetime, quiet: QuietHours
) -> None:
    """Make sure the patient's next `flow` on its cadence exists as a row."""
    if flow.cadence is None:
        return
    zone = ZoneInfo(patient.timezone)
    due = next_on_cadence(
        after,
        enrolled=patient.created_at.astimezone(zone).date(),
        every=flow.cadence.every,
        first_after=flow.cadence.first_after,
        checkin_time=patient.checkin_time,
        zone=zone,
    )
    due = quiet.for_patient(patient.quiet_hours).defer(due, zone)
    await _insert(session, patient, kind=CADENCE, flow_id=flow.id, due=due, now=after)


async def plan_next(
    session: AsyncSession,
    library: flows.FlowLibrary,
    patient: Patient,
    row: ScheduledCheckin,
    *,
    after: datetime,
    quiet: QuietHours,
) -> None:
    """After handling `row`, plan the one that follows it (routine kinds only)."""
    if patient.status != PatientStatus.ACTIVE:
        return
    if row.kind == DAILY:
        await plan_next_daily(session, patient, after=after, quiet=quiet)
    elif row.kind == CADENCE and row.flow_id in library:
        await plan_next_on_cadence(
            session, patient, library.get(row.flow_id), after=after, quiet=quiet
        )


def _without_due(kind: str, flow_id: str | None = None) -> ColumnElement[bool]:
    condition = and_(
        ScheduledCheckin.patient_id == Patient.id,
        ScheduledCheckin.kind == kind,
        ScheduledCheckin.status == CheckinStatus.DUE,
    )
    if flow_id is not None:
        condition = and_(condition, ScheduledCheckin.flow_id == flow_id)
    return ~exists().where(condition)


async def _active_without(
    session: AsyncSession, missing: ColumnElement[bool], limit: int
) -> list[Patient]:
    query = select(Patient).where(Patient.status == PatientStatus.ACTIVE, missing).limit(limit)
    return list((await session.scalars(query)).all())


async def plan_missing_dailies(
    session: AsyncSession, *, now: datetime, quiet: QuietHours, limit: int = 500
) -> int:
    """Self-healing: every active patient has a due daily row (after enrollment or resume)."""
    patients = await _active_without(session, _without_due(DAILY), limit)
    for patient in patients:
        await plan_next_daily(session, patient, after=now, quiet=quiet)
    return len(patients)


async def plan_missing_on_cadence(
    session: AsyncSession,
    library: flows.FlowLibrary,
    *,
    now: datetime,
    quiet: QuietHours,
    limit: int = 500,
) -> int:
    """Self-healing: every active patient has a due row for each flow with a cadence."""
    planned = 0
    for flow in library:
        if flow.cadence is None:
            continue
        patients = await _active_without(session, _without_due(CADENCE, flow.id), limit)
        for patient in patients:
            await plan_next_on_cadence(session, patient, flow, after=now, quiet=quiet)
        planned += len(patients)
    return planned


async def replan_routine(
    session: AsyncSession,
    library: flows.FlowLibrary,
    patient: Patient,
    *,
    now: datetime,
    quiet: QuietHours,
    why: str,
) -> int:
    """Plan the patient's due daily and cadence rows again (their quiet hours changed).

    The old rows are cancelled under a retired slot name, so the new ones can
    take the same day's slot. Returns how many rows were re-planned.
    """
    rows = (
        await session.scalars(
            select(ScheduledCheckin).where(
                ScheduledCheckin.patient_id == patient.id,
                ScheduledCheckin.kind.in_([DAILY, CADENCE]),
                ScheduledCheckin.status == CheckinStatus.DUE,
            )
        )
    ).all()
    for row in rows:
        row.status, row.reason = CheckinStatus.CANCELLED, why
        row.slot = f"{row.slot}@{int(now.timestamp())}"
    await session.flush()
    if patient.status == PatientStatus.ACTIVE:
        await plan_next_daily(session, patient, after=now, quiet=quiet)
        for flow in library:
            await plan_next_on_cadence(session, patient, flow, after=now, quiet=quiet)
    return len(rows)
