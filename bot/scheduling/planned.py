"""Planning the next routine rows: the daily check-in and flows on their own cadence.

Each patient has at most one due row per kind (daily) or per cadence flow
(PHQ-9, GAD-7). The next one is planned when one is handled, and the
self-healing sweep plans one for any active patient without: after
enrolment, or on resume (the next one only, never the ones missed while
paused).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

import flows
from bot.scheduling.plan import QuietHours, next_daily, next_on_cadence
from storage.inserts import insert_many_ignoring_conflict
from storage.models import CheckinStatus, Patient, PatientStatus, ScheduledCheckin

DAILY_FLOW = "daily-checkin"
DAILY = "daily"
CADENCE = "cadence"  # a flow with `cadence:` in the library (PHQ-9 weekly, GAD-7 fortnightly)


Row = dict[str, Any]


def _row(patient: Patient, *, kind: str, flow_id: str, due: datetime, now: datetime) -> Row:
    zone = ZoneInfo(patient.timezone)
    prefix = DAILY if kind == DAILY else flow_id
    return {
        "patient_id": patient.id,
        "kind": kind,
        "flow_id": flow_id,
        "slot": f"{prefix}:{due.astimezone(zone).date().isoformat()}",
        "due_at": due,
        "status": CheckinStatus.DUE,
        "created_at": now,
    }


def next_daily_row(patient: Patient, *, after: datetime, quiet: QuietHours) -> Row:
    """The patient's next daily check-in as a row to insert."""
    zone = ZoneInfo(patient.timezone)
    patient_quiet = quiet.for_patient(patient.quiet_hours)
    due = patient_quiet.defer(next_daily(after, patient.checkin_time, zone), zone)
    return _row(patient, kind=DAILY, flow_id=DAILY_FLOW, due=due, now=after)


def next_cadence_row(
    patient: Patient, flow: flows.Flow, *, after: datetime, quiet: QuietHours
) -> Row | None:
    """The patient's next `flow` on its cadence as a row to insert (None: no cadence)."""
    if flow.cadence is None:
        return None
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
    return _row(patient, kind=CADENCE, flow_id=flow.id, due=due, now=after)


def next_row(
    library: flows.FlowLibrary,
    patient: Patient,
    row: ScheduledCheckin,
    *,
    after: datetime,
    quiet: QuietHours,
) -> Row | None:
    """After handling `row`, the one that follows it (routine kinds of active patients)."""
    if patient.status != PatientStatus.ACTIVE:
        return None
    if row.kind == DAILY:
        return next_daily_row(patient, after=after, quiet=quiet)
    if row.kind == CADENCE and row.flow_id in library:
        return next_cadence_row(patient, library.get(row.flow_id), after=after, quiet=quiet)
    return None


async def insert_planned(session: AsyncSession, rows: list[Row]) -> None:
    """Insert planned rows in one round trip; a slot already planned is left as it is."""
    await insert_many_ignoring_conflict(session, ScheduledCheckin, rows, ["patient_id", "slot"])


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
    query = (
        select(Patient)
        .where(Patient.status == PatientStatus.ACTIVE, Patient.test.is_(False), missing)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def plan_missing_dailies(
    session: AsyncSession, *, now: datetime, quiet: QuietHours, limit: int = 500
) -> int:
    """Self-healing: every active patient has a due daily row (after enrollment or resume)."""
    patients = await _active_without(session, _without_due(DAILY), limit)
    await insert_planned(session, [next_daily_row(p, after=now, quiet=quiet) for p in patients])
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
    planned: list[Row] = []
    for flow in library:
        if flow.cadence is None:
            continue
        patients = await _active_without(session, _without_due(CADENCE, flow.id), limit)
        planned += [r for p in patients if (r := next_cadence_row(p, flow, after=now, quiet=quiet))]
    await insert_planned(session, planned)
    return len(planned)


async def plan_routine(
    session: AsyncSession,
    library: flows.FlowLibrary,
    patient: Patient,
    *,
    now: datetime,
    quiet: QuietHours,
) -> None:
    """Plan the patient's next daily check-in and each flow on a cadence, from ``now``."""
    planned = [next_daily_row(patient, after=now, quiet=quiet)]
    planned += [r for f in library if (r := next_cadence_row(patient, f, after=now, quiet=quiet))]
    await insert_planned(session, planned)


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
        # Named by its own id: a time-stamped name collided when quiet hours changed twice
        # within one second (the second change failed), as infusion moves once did.
        row.slot = f"retired:{row.id}"
    await session.flush()
    if patient.status == PatientStatus.ACTIVE:
        await plan_routine(session, library, patient, now=now, quiet=quiet)
    return len(rows)
