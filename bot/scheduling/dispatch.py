"""The dispatcher: claim due check-in rows and start their conversations.

Each batch is claimed with `SELECT ... FOR UPDATE SKIP LOCKED` (PostgreSQL)
and started in the same transaction that marks the rows sent and queues the
first question on the outbox. A worker that dies mid-batch rolls back, its
row locks vanish with its connection, and another worker takes the rows:
no check-in is lost, none is sent twice.

A check-in never interrupts a conversation the patient is in. It waits
(status still due, `not_before` set) while the open conversation matters
more (the PHQ-9 due with the daily check-in waits for it to end) or while
the patient is engaged in it (it started, or they wrote, within `ENGAGED_FOR`); the end
of that conversation releases it. A routine conversation the patient has
left idle gives way to a check-in that matters as much or more. A check-in
held past its own window is marked missed, and one that would start inside
the patient's quiet hours waits until they end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

import flows
from bot.checkins.runner import (
    MID_CONVERSATION,
    OpenedFlow,
    announce,
    flow_context,
    insert_conversations,
    open_flow,
)
from bot.logs import log
from bot.outbox.queue import enqueue_many
from bot.scheduling._batch import Batch, OpenConversation, load_batch
from bot.scheduling.plan import QuietHours
from bot.scheduling.planned import Row, insert_planned, next_row
from bot.services import Services
from storage.db import on_postgres
from storage.models import CheckinStatus, Patient, PatientStatus, ScheduledCheckin

FOLD_WINDOW = timedelta(hours=3)
# A conversation that moved this recently is one the patient is in: nothing interrupts it.
ENGAGED_FOR = timedelta(minutes=15)


@dataclass(frozen=True)
class Hold:
    until: datetime
    reason: str


Verdict = tuple[str, str] | Hold | None  # (status, reason) to close it; Hold; None = start


def _blocked(row: ScheduledCheckin, open_one: OpenConversation, now: datetime) -> Hold | None:
    """Whether the patient's open conversation holds this check-in back, and until when."""
    fs = open_one.flow_session
    ends = fs.expires_at or now + ENGAGED_FOR
    if open_one.precedence < row.precedence:
        return Hold(ends, MID_CONVERSATION)  # it matters more: wait for it to end
    idle_from = open_one.last_active + ENGAGED_FOR
    if idle_from > now:
        return Hold(min(ends, idle_from), MID_CONVERSATION)  # the patient is in it
    return None  # left idle, and this matters as much or more: it takes over


def _verdict(
    services: Services, batch: Batch, row: ScheduledCheckin, patient: Patient, now: datetime
) -> Verdict:
    if patient.status != PatientStatus.ACTIVE:
        return CheckinStatus.SKIPPED, f"patient {patient.status}"
    if patient.id in batch.escalated:
        return CheckinStatus.SKIPPED, "an escalation is open"
    try:
        flow = services.flows.get(row.flow_id)
    except flows.UnknownFlow:
        return CheckinStatus.SKIPPED, f"no flow {row.flow_id!r} in the library"
    if now - row.due_at > flow.expires_after:
        return CheckinStatus.MISSED, "not sent within its window (service down, or held back)"
    nearby = [
        other
        for other in batch.post_infusion.get(patient.id, [])
        if other.status in (CheckinStatus.DUE, CheckinStatus.SENT)
        and abs(other.due_at - row.due_at) <= FOLD_WINDOW
    ]
    if nearby and row.kind == "daily":
        return CheckinStatus.SKIPPED, "folded into a post-infusion check-in"
    coming = [o.due_at for o in nearby if o.status == CheckinStatus.DUE and o.due_at > now]
    if coming:  # a questionnaire follows the post-infusion check-in due soon, never before it
        return Hold(min(coming) + timedelta(minutes=1), MID_CONVERSATION)
    zone = ZoneInfo(patient.timezone)
    quiet = QuietHours(*services.settings.quiet_hours).for_patient(patient.quiet_hours)
    if quiet.contains(now.astimezone(zone).time().replace(second=0, microsecond=0)):
        return Hold(quiet.defer(now, zone), "waiting: quiet hours")
    open_one = batch.conversations.get(patient.id)
    return _blocked(row, open_one, now) if open_one is not None else None


def _claim(now: datetime, limit: int, postgres: bool) -> Select[ScheduledCheckin]:
    # The daily check-in before a questionnaire due at the same minute: it goes first.
    # The order is the claim index's, so the claim reads one batch and stops.
    query = (
        select(ScheduledCheckin)
        .where(
            ScheduledCheckin.status == CheckinStatus.DUE,
            ScheduledCheckin.due_at <= now,
            or_(ScheduledCheckin.not_before.is_(None), ScheduledCheckin.not_before <= now),
        )
        .order_by(ScheduledCheckin.due_at, ScheduledCheckin.precedence, ScheduledCheckin.id)
        .limit(limit)
    )
    return query.with_for_update(skip_locked=True) if postgres else query


async def dispatch_due(
    session: AsyncSession, services: Services, *, now: datetime, quiet: QuietHours, limit: int = 200
) -> int:
    """Start every claimed due check-in; return how many rows were handled.

    A batch costs a fixed number of round trips, not some per row: one claim, the
    batch's facts, one INSERT of its conversations, one of their first questions,
    one of the rows planned next, and the row updates at commit.
    """
    rows = list((await session.scalars(_claim(now, limit, on_postgres(session)))).all())
    if not rows:
        return 0
    batch = await load_batch(session, rows, FOLD_WINDOW)
    opened: list[OpenedFlow] = []
    planned: list[Row] = []
    for row in rows:
        patient = batch.patients[row.patient_id]
        row.attempts += 1
        verdict = _verdict(services, batch, row, patient, now)
        if isinstance(verdict, Hold):
            # Never 'until now': a row claimed again in the same tick would loop.
            row.not_before = max(verdict.until, now + timedelta(minutes=1))
            row.reason = verdict.reason
            log.info("checkin_held", checkin=row.id, kind=row.kind, until=verdict.until)
            continue
        if verdict is not None:
            row.status, row.reason = verdict
        else:
            opened.append(_open(session, services, batch, row, patient, now))
            row.status, row.reason = CheckinStatus.SENT, None
        following = next_row(services.flows, patient, row, after=max(now, row.due_at), quiet=quiet)
        if following is not None:
            planned.append(following)
        # Started check-ins are counted once per batch below; anything else is news.
        outcome = log.debug if row.status == CheckinStatus.SENT else log.info
        outcome("checkin_dispatched", checkin=row.id, kind=row.kind, status=row.status)
    await insert_conversations(session, [flow.flow_session for flow in opened])
    queued: list[dict[str, Any]] = []
    for flow in opened:
        await announce(session, services, flow, now=now, queued=queued)
    await enqueue_many(session, queued)
    await insert_planned(session, planned)
    log.info("checkins_dispatched", claimed=len(rows), started=len(opened))
    return len(rows)


def _open(
    session: AsyncSession,
    services: Services,
    batch: Batch,
    row: ScheduledCheckin,
    patient: Patient,
    now: datetime,
) -> OpenedFlow:
    open_one = batch.conversations.get(patient.id)
    opened = open_flow(
        session,
        services,
        patient,
        row.flow_id,
        now=now,
        scheduled=row,
        previous=open_one.flow_session if open_one else None,
        context=flow_context(services, patient, infusions=batch.infusions.get(patient.id, 0)),
    )
    batch.conversations[patient.id] = OpenConversation(opened.flow_session, row.precedence, now)
    return opened
