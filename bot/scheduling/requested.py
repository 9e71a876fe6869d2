"""A check-in staff start now (a baseline PHQ-9 at intake, an extra mood check).

It is a scheduled row like any other, due now, so the dispatcher's rules still hold:
never inside the patient's quiet hours, never on top of a conversation they are in,
never to a paused patient or one with an open escalation. ``request_checkin`` says when
it will go out, and why if that is not now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import flows
from bot import audit
from bot.checkins.runner import active_session
from bot.scheduling.plan import QuietHours
from storage.models import (
    CheckinStatus,
    Escalation,
    EscalationState,
    Patient,
    PatientStatus,
    ScheduledCheckin,
)

REQUESTED = "requested"  # the kind of a row staff asked for


class CannotStart(ValueError):
    """Why a requested check-in cannot go out; ``field`` is what to correct, if anything."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Requested:
    row: ScheduledCheckin
    goes_out: datetime  # the earliest it can start
    waiting: str | None  # why not now, in words; None: at the next dispatcher tick


async def request_checkin(
    session: AsyncSession,
    library: flows.FlowLibrary,
    patient: Patient,
    flow_id: str,
    *,
    quiet: QuietHours,
    now: datetime,
    actor: str,
) -> Requested:
    """Plan ``flow_id`` for the patient now, audited as ``actor`` (raises ``CannotStart``)."""
    if flow_id not in library:
        known = ", ".join(sorted(library.ids()))
        raise CannotStart(f"No flow {flow_id!r}; the library has {known}.", field="flow")
    if patient.status != PatientStatus.ACTIVE:
        raise CannotStart(f"The patient is {patient.status.replace('_', ' ')}: nothing is sent.")
    escalated = await session.scalar(
        select(Escalation.id).where(
            Escalation.patient_id == patient.id,
            Escalation.state.in_(EscalationState.UNRESOLVED),
        )
    )
    if escalated is not None:
        raise CannotStart(
            "The patient has an open escalation: no check-in goes out until a clinician "
            "resolves it."
        )
    waiting = await session.scalar(
        select(ScheduledCheckin).where(
            ScheduledCheckin.patient_id == patient.id,
            ScheduledCheckin.kind == REQUESTED,
            ScheduledCheckin.flow_id == flow_id,
            ScheduledCheckin.status == CheckinStatus.DUE,
        )
    )
    if waiting is not None:
        raise CannotStart(f"{flow_id} was already asked for and has not gone out yet.")
    zone = ZoneInfo(patient.timezone)
    goes_out = quiet.for_patient(patient.quiet_hours).defer(now, zone)
    reason = None
    if goes_out > now:
        reason = f"quiet hours: it goes out at {goes_out.astimezone(zone):%H:%M} patient time"
    elif await active_session(session, patient) is not None:
        reason = "the patient is in another conversation: it goes out after that one"
    row = ScheduledCheckin(
        patient_id=patient.id,
        kind=REQUESTED,
        flow_id=flow_id,
        slot=f"{REQUESTED}:{flow_id}:{int(now.timestamp() * 1_000_000)}",  # fits 96
        due_at=goes_out,
        status=CheckinStatus.DUE,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    audit.record(
        session,
        at=now,
        actor=actor,
        action="checkin_requested",
        subject=f"checkin:{row.id}",
        patient=patient.id,
        flow=flow_id,
    )
    return Requested(row, goes_out, reason)
