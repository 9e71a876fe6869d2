"""The direct safety question asked after a `check`-level message.

A clear "no" is recorded and left for clinician review. Yes, anything
unclear, or silence past the window escalates: for a possible risk the
cost of a false page is far lower than the cost of a missed one.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox import enqueue
from bot.safety.escalation import EscalationSettings, open_or_join, wrote
from storage.db import on_postgres
from storage.models import Message, Patient, Priority, SafetyCheck, SafetyCheckState

SAFETY_QUESTION = (
    "Thank you for telling us. We ask everyone this directly: are you having "
    "thoughts of killing yourself right now? Please reply YES or NO."
)


def answered_no(cfg: EscalationSettings) -> str:
    return (
        "Thank you. Your care team will read your message. If that changes, text us "
        f"any time, or {cfg.crisis_line}."
    )


CLEAR_NO = re.compile(
    r"^\s*(no+|nope|nah|n|not at all|no,? i'?m not|no i am not|not really no|"
    r"no thoughts?( like that)?|never|definitely not|no,? i'?m (ok|okay|safe|fine))"
    r"[\s.!]*$",
    re.IGNORECASE,
)


def is_clear_no(text: str) -> bool:
    return bool(CLEAR_NO.match(text.replace("’", "'")))


async def ask(
    session: AsyncSession,
    *,
    patient: Patient | None,
    message: Message,
    reasons: list[str],
    window: timedelta,
    now: datetime,
) -> None:
    """Ask the safety question unless one is already waiting for this sender."""
    if await pending_for(session, address=message.address) is not None:
        return
    session.add(
        SafetyCheck(
            patient_id=patient.id if patient else None,
            address=message.address,
            channel=message.channel,
            trigger_message_id=message.id,
            reasons=reasons,
            due_at=now + window,
            created_at=now,
        )
    )
    await enqueue(
        session,
        key=f"safety-q:{message.id}",
        channel=message.channel,
        address=message.address,
        body=SAFETY_QUESTION,
        now=now,
        purpose="safety_q",
        priority=Priority.CRISIS,
        patient_id=patient.id if patient else None,
    )


async def pending_for(session: AsyncSession, *, address: str) -> SafetyCheck | None:
    return await session.scalar(
        select(SafetyCheck)
        .where(SafetyCheck.address == address, SafetyCheck.state == SafetyCheckState.PENDING)
        .limit(1)
    )


async def answer(
    session: AsyncSession,
    cfg: EscalationSettings,
    check: SafetyCheck,
    *,
    patient: Patient | None,
    message: Message,
    now: datetime,
) -> None:
    check.answer_message_id = message.id
    if is_clear_no(message.body):
        check.state = SafetyCheckState.ANSWERED_NO
        await enqueue(
            session,
            key=f"safety-no:{message.id}",
            channel=message.channel,
            address=message.address,
            body=answered_no(cfg),
            now=now,
            patient_id=patient.id if patient else None,
        )
        return
    check.state = SafetyCheckState.ESCALATED
    trigger = await session.get(Message, check.trigger_message_id)
    first = trigger.body if trigger else ""
    await open_or_join(
        session,
        cfg,
        patient=patient,
        message=message,
        now=now,
        reasons=[*check.reasons, "safety_question_not_clear_no"],
        detail=f'{wrote(first)}, then to "thoughts of killing yourself right now?" '
        f"{wrote(message.body)}",
    )


async def sweep_unanswered(session: AsyncSession, cfg: EscalationSettings, *, now: datetime) -> int:
    """Escalate every safety question that went unanswered past its window."""
    query = select(SafetyCheck).where(
        SafetyCheck.state == SafetyCheckState.PENDING, SafetyCheck.due_at <= now
    )
    if on_postgres(session):
        query = query.with_for_update(skip_locked=True)
    due = list((await session.scalars(query)).all())
    for check in due:
        trigger = await session.get(Message, check.trigger_message_id)
        patient = await session.get(Patient, check.patient_id) if check.patient_id else None
        if trigger is None:
            continue
        check.state = SafetyCheckState.ESCALATED
        await open_or_join(
            session,
            cfg,
            patient=patient,
            message=trigger,
            now=now,
            reasons=[*check.reasons, "safety_question_unanswered"],
            detail=f"{wrote(trigger.body)} and did not answer the safety question",
        )
    return len(due)
