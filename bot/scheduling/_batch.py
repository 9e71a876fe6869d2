"""Everything the dispatcher needs about one claimed batch, loaded in a few queries.

One query per kind of fact for the whole batch (patients, open escalations,
open conversations, nearby post-infusion check-ins, infusion counts), not
one per check-in: round trips, not rows, bound the dispatcher's throughput.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import on_postgres
from storage.models import (
    CheckinStatus,
    Escalation,
    EscalationState,
    FlowSession,
    FlowSessionStatus,
    Infusion,
    Message,
    Patient,
    ScheduledCheckin,
    precedence_of,
)


@dataclass
class OpenConversation:
    flow_session: FlowSession
    precedence: int  # the check-in it runs for (`ScheduledCheckin.precedence`)
    # When the patient last took part: the start, or their latest message since.
    last_active: datetime


@dataclass
class Batch:
    patients: dict[int, Patient]
    escalated: set[int]
    conversations: dict[int, OpenConversation]
    post_infusion: dict[int, list[ScheduledCheckin]] = field(default_factory=dict)
    infusions: dict[int, int] = field(default_factory=dict)


async def load_batch(
    session: AsyncSession, rows: list[ScheduledCheckin], fold_window: timedelta
) -> Batch:
    ids = sorted({row.patient_id for row in rows})
    patients_query = select(Patient).where(Patient.id.in_(ids)).order_by(Patient.id)
    if on_postgres(session):
        # One patient's scheduled work and inbound replies are handled one at a time,
        # whichever worker claimed which row (locks taken in id order: no deadlock).
        patients_query = patients_query.with_for_update()
    patients = {p.id: p for p in (await session.scalars(patients_query)).all()}
    escalated_ids = await session.scalars(
        select(Escalation.patient_id).where(
            Escalation.patient_id.in_(ids), Escalation.state.in_(EscalationState.UNRESOLVED)
        )
    )
    escalated = {patient_id for patient_id in escalated_ids if patient_id is not None}
    conversations: dict[int, OpenConversation] = {}
    open_rows = await session.execute(
        select(FlowSession, ScheduledCheckin.kind)
        .outerjoin(ScheduledCheckin, FlowSession.scheduled_checkin_id == ScheduledCheckin.id)
        .where(FlowSession.patient_id.in_(ids), FlowSession.status == FlowSessionStatus.ACTIVE)
        .order_by(FlowSession.id)
    )
    for flow_session, kind in open_rows:
        conversations[flow_session.patient_id] = OpenConversation(
            flow_session, precedence_of(kind), flow_session.started_at
        )
    if conversations:
        replied = await session.execute(
            select(Message.patient_id, func.max(Message.created_at))
            .where(Message.patient_id.in_(list(conversations)), Message.direction == "in")
            .group_by(Message.patient_id)
        )
        for patient_id, at in replied:
            if patient_id is not None and at is not None:
                held = conversations[patient_id]
                held.last_active = max(held.last_active, at)
    batch = Batch(patients, escalated, conversations)
    # Routine rows that fold into, or follow, a post-infusion check-in near them.
    dailies = [row for row in rows if row.kind != "post_infusion"]
    if dailies:
        nearby = await session.scalars(
            select(ScheduledCheckin).where(
                ScheduledCheckin.patient_id.in_({row.patient_id for row in dailies}),
                ScheduledCheckin.kind == "post_infusion",
                ScheduledCheckin.status.in_([CheckinStatus.DUE, CheckinStatus.SENT]),
                ScheduledCheckin.due_at.between(
                    min(r.due_at for r in dailies) - fold_window,
                    max(r.due_at for r in dailies) + fold_window,
                ),
            )
        )
        grouped: dict[int, list[ScheduledCheckin]] = defaultdict(list)
        for other in nearby.all():
            grouped[other.patient_id].append(other)
        batch.post_infusion = dict(grouped)
    counts = await session.execute(
        select(Infusion.patient_id, func.count())
        .where(Infusion.patient_id.in_(ids), Infusion.status != "cancelled")
        .group_by(Infusion.patient_id)
    )
    batch.infusions = {patient_id: int(n) for patient_id, n in counts}
    return batch
