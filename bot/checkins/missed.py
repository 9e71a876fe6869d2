"""Alerts for missed check-ins: silence is a signal in this population.

A check-in missed right after an infusion, or after a low mood answer, tells
the clinician on call at once. Missing `MISSED_IN_A_ROW` in a row tells them
too. These are notifications, not escalations: nobody has to acknowledge.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.outbox import enqueue
from bot.safety.page_channels import clinician_route
from bot.safety.rota import on_call
from storage.models import Answer, CheckinStatus, Patient, Priority, ScheduledCheckin

MISSED_IN_A_ROW = 2
LOW_MOOD = 3
LOW_MOOD_LOOKBACK = timedelta(days=3)


async def _why_alert(
    session: AsyncSession, patient: Patient, checkin: ScheduledCheckin, now: datetime
) -> str | None:
    if checkin.kind == "post_infusion":
        return "missed a post-infusion check-in"
    recent = (
        await session.scalars(
            select(ScheduledCheckin.status)
            .where(
                ScheduledCheckin.patient_id == patient.id,
                ScheduledCheckin.status.in_([CheckinStatus.SENT, CheckinStatus.MISSED]),
                ScheduledCheckin.due_at <= checkin.due_at,
            )
            .order_by(ScheduledCheckin.due_at.desc())
            .limit(MISSED_IN_A_ROW)
        )
    ).all()
    if len(recent) == MISSED_IN_A_ROW and all(s == CheckinStatus.MISSED for s in recent):
        return f"missed {MISSED_IN_A_ROW} check-ins in a row"
    mood = await session.scalar(
        select(Answer.value)
        .where(
            Answer.patient_id == patient.id,
            Answer.step_id == "mood",
            Answer.recorded_at >= now - LOW_MOOD_LOOKBACK,
        )
        .order_by(Answer.recorded_at.desc())
        .limit(1)
    )
    if isinstance(mood, int | float) and mood <= LOW_MOOD:
        return f"missed a check-in after a low mood answer ({mood}/10)"
    return None


async def alert_if_needed(
    session: AsyncSession, patient: Patient, checkin: ScheduledCheckin, *, now: datetime
) -> None:
    reason = await _why_alert(session, patient, checkin, now)
    if reason is None:
        return
    audit.record(
        session,
        at=now,
        actor="system",
        action="missed_checkin_alert",
        subject=f"patient:{patient.id}",
        why=reason,
    )
    clinician = await on_call(session, role="primary", at=now)
    if clinician is None:
        return
    # A linked Telegram chat first (it may fail for good where Telegram is off: the
    # outbox then sends it again by SMS), else SMS.
    channel, address = clinician_route(clinician, telegram=clinician.telegram_chat_id is not None)
    await enqueue(
        session,
        key=f"missed:{checkin.id}",
        channel=channel,
        address=address,
        body=(
            f"Check-in alert: {patient.name} ({patient.phone}) {reason}. "
            "No escalation is open; please follow up."
        ),
        now=now,
        purpose="alert",
        priority=Priority.REPLY,
        clinician_id=clinician.id,
    )
