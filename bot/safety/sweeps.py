"""Timers that move escalations and safety checks along; run on every scheduler tick."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import metrics
from bot.outbox import enqueue
from bot.safety.escalation import (
    EscalationSettings,
    advance_level,
    page_current_level,
    target_resolver,
    who,
    wrote,
)
from bot.safety.ladder import LadderPolicy
from bot.safety.page_channels import page_route
from storage.db import on_postgres
from storage.models import Clinician, Escalation, EscalationState, Message, Patient, Priority

Row = TypeVar("Row", Patient, Message)


async def sweep_escalations(
    session: AsyncSession, cfg: EscalationSettings, *, now: datetime, limit: int = 500
) -> int:
    """Page the next rung for every escalation whose wait ran out; return how many moved."""
    query = (
        select(Escalation)
        .where(
            Escalation.state.in_(EscalationState.UNRESOLVED),
            Escalation.next_page_at <= now,
        )
        .order_by(Escalation.next_page_at)
        .limit(limit)
    )
    if on_postgres(session):
        query = query.with_for_update(skip_locked=True)
    due = list((await session.scalars(query)).all())
    # One query each for the batch's patients and trigger texts, one lookup per ladder
    # target, and no flush per page: a tick with hundreds due stays well inside a tick.
    patients = await _by_id(session, Patient, {e.patient_id for e in due})
    triggers = await _by_id(session, Message, {e.trigger_message_id for e in due})
    resolve = target_resolver(session, now)
    with session.no_autoflush:
        for escalation in due:
            patient = patients.get(escalation.patient_id) if escalation.patient_id else None
            trigger = triggers.get(escalation.trigger_message_id or 0)
            text = trigger.body if trigger else ""
            if escalation.state == EscalationState.OPEN:
                advance_level(escalation, len(escalation.ladder["levels"]))
                await page_current_level(
                    session, cfg, escalation, patient, wrote(text), now=now, resolve=resolve
                )
            else:
                await _repage_holder(session, cfg, escalation, patient, now=now)
    await _update_oldest_gauge(session, now)
    return len(due)


async def _by_id(session: AsyncSession, model: type[Row], ids: set[int | None]) -> dict[int, Row]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = await session.scalars(select(model).where(model.id.in_(wanted)))
    return {row.id: row for row in rows}


async def _repage_holder(
    session: AsyncSession,
    cfg: EscalationSettings,
    escalation: Escalation,
    patient: Patient | None,
    *,
    now: datetime,
) -> None:
    policy = LadderPolicy.from_snapshot(escalation.ladder)
    holder = await session.get(Clinician, escalation.acked_by_id)
    if holder is not None:
        stamp = int(now.timestamp())
        channel, address, _ = page_route(holder, escalation, telegram=cfg.telegram_pages)
        await enqueue(
            session,
            key=f"repage:{escalation.id}:{stamp}",
            channel=channel,
            address=address,
            body=(
                f"Still unresolved: {escalation.code} for {who(patient, escalation.address)}. "
                f"Reply RESOLVE {escalation.code} <note> when done."
            ),
            now=now,
            purpose="page",
            priority=Priority.PAGE,
            max_attempts=cfg.page_max_attempts,
            clinician_id=holder.id,
            escalation_id=escalation.id,
        )
    escalation.next_page_at = now + timedelta(minutes=policy.ack_timeout_minutes)


async def _update_oldest_gauge(session: AsyncSession, now: datetime) -> None:
    oldest = await session.scalar(
        select(Escalation.opened_at)
        .where(Escalation.state == EscalationState.OPEN)
        .order_by(Escalation.opened_at)
        .limit(1)
    )
    metrics.OLDEST_UNACKED.set((now - oldest).total_seconds() if oldest else 0)
