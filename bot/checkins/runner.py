"""Start, continue and time out conversations; the engine decides, this applies."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

import flows
from bot.checkins.events import TurnContext, apply
from bot.checkins.missed import alert_if_needed
from bot.logs import log
from bot.services import Services
from storage.db import EncodedJSON, on_postgres
from storage.models import (
    CheckinStatus,
    FlowSession,
    FlowSessionStatus,
    Infusion,
    Message,
    Patient,
    ScheduledCheckin,
    table_of,
)

# A due check-in held back because the patient is in another conversation.
MID_CONVERSATION = "waiting: the patient is mid-conversation"

ENDED = {
    "completed": FlowSessionStatus.COMPLETED,
    "expired": FlowSessionStatus.EXPIRED,
    "aborted": FlowSessionStatus.ABANDONED,
}


async def context_for(session: AsyncSession, services: Services, patient: Patient) -> flows.Context:
    infusions = await session.scalar(
        select(func.count())
        .select_from(Infusion)
        .where(Infusion.patient_id == patient.id, Infusion.status != "cancelled")
    )
    return flow_context(services, patient, infusions=int(infusions or 0))


def flow_context(services: Services, patient: Patient, *, infusions: int) -> flows.Context:
    settings = services.settings
    return flows.Context(
        language=patient.language,
        first_name=patient.first_name,
        infusion_number=infusions or None,
        clinic_phone=settings.clinic_phone or None,
        clinic_name=settings.clinic_name,
        emergency_number=services.escalation.emergency_number,
    )


class DraftForPatient(PermissionError):
    """A draft flow was about to start for a patient who is not a test patient."""


async def active_session(session: AsyncSession, patient: Patient) -> FlowSession | None:
    return await session.scalar(
        select(FlowSession)
        .where(FlowSession.patient_id == patient.id, FlowSession.status == FlowSessionStatus.ACTIVE)
        .order_by(FlowSession.id.desc())
        .limit(1)
    )


def _flow_of(services: Services, fs: FlowSession) -> flows.Flow:
    """The version the conversation started with, even if staff edited the file since."""
    try:
        return services.flows.get(fs.flow_id, fs.flow_version)
    except flows.UnknownFlow:
        assert fs.flow_snapshot is not None
        return flows.from_snapshot(fs.flow_snapshot)


def _save(fs: FlowSession, state: flows.SessionState, now: datetime) -> None:
    fs.state = state.to_dict()
    fs.current_step = state.step_id
    fs.expires_at = state.expires_at
    fs.reminder_at = None if state.reminded else state.reminder_at
    fs.reminded = state.reminded
    fs.updated_at = now
    if not state.active:
        fs.status = ENDED.get(state.status, FlowSessionStatus.ABANDONED)


async def start_flow(
    session: AsyncSession,
    services: Services,
    patient: Patient,
    flow_id: str,
    *,
    now: datetime,
    scheduled: ScheduledCheckin | None = None,
    draft: flows.Flow | None = None,
) -> FlowSession:
    """Start a conversation, ending any the patient left unfinished. `draft` starts that
    unpublished version instead of the published one: for a test patient only."""
    opened = open_flow(
        session,
        services,
        patient,
        flow_id,
        now=now,
        scheduled=scheduled,
        previous=await active_session(session, patient),
        context=await context_for(session, services, patient),
        draft=draft,
    )
    session.add(opened.flow_session)
    await session.flush()
    await announce(session, services, opened, now=now)
    return opened.flow_session


@dataclass(frozen=True)
class OpenedFlow:
    """A conversation row added to the session (not yet flushed) and its first events."""

    patient: Patient
    flow_session: FlowSession
    events: list[flows.Event]
    scheduled: ScheduledCheckin | None


@functools.lru_cache(maxsize=256)
def _stored_snapshot(flow: flows.Flow) -> EncodedJSON:
    """The definition kept beside each conversation, built and encoded once per flow
    version: a batch of check-ins stores the same text many times over."""
    return EncodedJSON(flow.snapshot())


def open_flow(
    session: AsyncSession,
    services: Services,
    patient: Patient,
    flow_id: str,
    *,
    now: datetime,
    scheduled: ScheduledCheckin | None,
    previous: FlowSession | None,
    context: flows.Context,
    draft: flows.Flow | None = None,
) -> OpenedFlow:
    """Run the engine's start and build the conversation's row, every column set; the
    caller adds it to the session, or inserts a batch's at once (`insert_conversations`)."""
    if draft is not None and not patient.test:
        raise DraftForPatient(f"{patient.id} is not a test patient: drafts go only to those")
    if previous is not None:
        previous.status = FlowSessionStatus.ABANDONED
        previous.updated_at = now
    flow = draft or services.flows.get(flow_id)
    turn = flows.start(flow, now=now, context=context)
    fs = FlowSession(
        patient_id=patient.id,
        flow_id=flow.id,
        flow_version=flow.version,
        flow_snapshot=_stored_snapshot(flow),
        state={},
        status=FlowSessionStatus.ACTIVE,
        started_at=now,
        created_at=now,
        scheduled_checkin_id=scheduled.id if scheduled else None,
    )
    _save(fs, turn.state, now)
    return OpenedFlow(patient, fs, list(turn.events), scheduled)


# What `open_flow` sets: a batch of new conversations is inserted with exactly these.
_CONVERSATION_COLUMNS = tuple(c.key for c in table_of(FlowSession).columns if c.key != "id")


async def insert_conversations(session: AsyncSession, started: list[FlowSession]) -> None:
    """Insert a batch of new conversations (from `open_flow`) in one statement and give
    each its id: a Core INSERT ... RETURNING, without the unit of work's bookkeeping per
    object. The objects stay outside the session."""
    if not started:
        return
    table = table_of(FlowSession)
    ids = await session.scalars(
        insert(table).returning(table.c.id, sort_by_parameter_order=True),
        [{key: getattr(fs, key) for key in _CONVERSATION_COLUMNS} for fs in started],
    )
    for fs, new_id in zip(started, ids.all(), strict=True):
        fs.id = new_id


async def announce(
    session: AsyncSession,
    services: Services,
    opened: OpenedFlow,
    *,
    now: datetime,
    queued: list[dict[str, Any]] | None = None,
) -> None:
    """Apply a flushed conversation's first events: its first messages go on the outbox."""
    fs, scheduled = opened.flow_session, opened.scheduled
    trigger = f"start:{scheduled.id}" if scheduled else f"start:{int(now.timestamp())}"
    ctx = TurnContext(session, services, opened.patient, fs, now, None, trigger, queued=queued)
    await apply(ctx, opened.events)
    # A batch of scheduled starts (`queued` given) is logged once by the dispatcher.
    started = log.info if queued is None else log.debug
    started("flow_started", patient=opened.patient.id, flow=fs.flow_id, version=fs.flow_version)


def escalated(services: Services, fs: FlowSession) -> bool:
    """Whether this conversation's own answers asked for a clinician (PHQ-9 item 9...)."""
    return flows.escalated(_flow_of(services, fs), flows.SessionState.from_dict(fs.state))


async def continue_flow(
    session: AsyncSession,
    services: Services,
    patient: Patient,
    fs: FlowSession,
    message: Message,
    *,
    now: datetime,
) -> None:
    """Feed a patient's reply to their conversation."""
    flow = _flow_of(services, fs)
    state = flows.SessionState.from_dict(fs.state)
    turn = flows.advance(
        flow, state, message.body, now=now, context=await context_for(session, services, patient)
    )
    _save(fs, turn.state, now)
    await apply(
        TurnContext(session, services, patient, fs, now, message, f"msg:{message.id}"), turn.events
    )
    await _close_checkin(session, fs, now)


async def tick_flows(session: AsyncSession, services: Services, *, now: datetime) -> int:
    """Send due reminders and expire conversations whose window closed."""
    query = select(FlowSession).where(
        FlowSession.status == FlowSessionStatus.ACTIVE,
        or_(FlowSession.expires_at <= now, FlowSession.reminder_at <= now),
    )
    if on_postgres(session):
        query = query.with_for_update(skip_locked=True)
    due = list((await session.scalars(query.limit(500))).all())
    for fs in due:
        patient = await session.get(Patient, fs.patient_id)
        assert patient is not None
        flow = _flow_of(services, fs)
        turn = flows.advance(
            flow,
            flows.SessionState.from_dict(fs.state),
            None,
            now=now,
            context=await context_for(session, services, patient),
        )
        _save(fs, turn.state, now)
        ctx = TurnContext(session, services, patient, fs, now, None, f"tick:{int(now.timestamp())}")
        await apply(ctx, turn.events)
        await _close_checkin(session, fs, now)
    return len(due)


async def _release_waiting(session: AsyncSession, patient_id: int, now: datetime) -> None:
    """The conversation ended: check-ins that waited for it may start at the next tick."""
    await session.execute(
        update(ScheduledCheckin)
        .where(
            ScheduledCheckin.patient_id == patient_id,
            ScheduledCheckin.status == CheckinStatus.DUE,
            ScheduledCheckin.reason == MID_CONVERSATION,
            ScheduledCheckin.not_before > now,
        )
        .values(not_before=now)
    )


async def _close_checkin(session: AsyncSession, fs: FlowSession, now: datetime) -> None:
    if fs.status == FlowSessionStatus.ACTIVE:
        return
    await _release_waiting(session, fs.patient_id, now)
    if fs.scheduled_checkin_id is None:
        return
    checkin = await session.get(ScheduledCheckin, fs.scheduled_checkin_id)
    if (
        checkin is not None
        and fs.status == FlowSessionStatus.EXPIRED
        and not fs.state.get("answers")
    ):
        checkin.status = CheckinStatus.MISSED
        checkin.reason = "no reply within the flow's window"
        patient = await session.get(Patient, fs.patient_id)
        assert patient is not None
        await session.flush()
        await alert_if_needed(session, patient, checkin, now=now)
