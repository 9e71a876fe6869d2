"""Clinicians acknowledge and resolve escalations (`ACK <code>`, `RESOLVE <code> <note>`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.logs import log
from bot.outbox import enqueue
from bot.safety.crisis import ACKNOWLEDGED_MESSAGE
from bot.safety.escalation import EscalationSettings
from bot.safety.ladder import LadderPolicy
from storage.models import Clinician, Escalation, EscalationState, Priority


async def acknowledge(
    session: AsyncSession,
    cfg: EscalationSettings,
    *,
    clinician: Clinician,
    code: str,
    now: datetime,
    via: str | None = None,
) -> str:
    """Acknowledge by code; returns the reply for the clinician.

    `via` names a channel other than the text reply that carried the ack ("voice",
    "dashboard"), for the audit trail; on the dashboard the reply says to resolve there.
    """
    escalation = await session.scalar(select(Escalation).where(Escalation.code == code))
    if escalation is None or escalation.state == EscalationState.RESOLVED:
        audit.record(
            session,
            at=now,
            actor=f"clinician:{clinician.id}",
            action="ack_rejected",
            code_given=code,
            why="no open escalation with that code",
        )
        return f"No open escalation has code {code}. Check the code in the page."
    if escalation.state == EscalationState.ACKNOWLEDGED:
        holder = await session.get(Clinician, escalation.acked_by_id)
        return f"{code} is already acknowledged by {holder.name if holder else 'a clinician'}."
    policy = LadderPolicy.from_snapshot(escalation.ladder)
    escalation.state = EscalationState.ACKNOWLEDGED
    escalation.acked_by_id = clinician.id
    escalation.acked_at = now
    escalation.next_page_at = now + timedelta(minutes=policy.ack_timeout_minutes)
    audit.record(
        session,
        at=now,
        actor=f"clinician:{clinician.id}",
        action="escalation_acknowledged",
        subject=f"escalation:{escalation.id}",
        **({"via": via} if via else {}),
    )
    await enqueue(
        session,
        key=f"acked:{escalation.id}",
        channel=escalation.channel,
        address=escalation.address,
        now=now,
        purpose="crisis",
        priority=Priority.CRISIS,
        body=ACKNOWLEDGED_MESSAGE.format(clinic=cfg.clinic_name, emergency=cfg.emergency_number),
        patient_id=escalation.patient_id,
        escalation_id=escalation.id,
    )
    log.info("escalation_acknowledged", escalation=escalation.id, clinician=clinician.id)
    then = (
        "When done, resolve it on this page with a note."
        if via == "dashboard"
        else f"When done, reply RESOLVE {code} <what happened>."
    )
    return f"Acknowledged {code}: it is yours. Call back {escalation.address}. {then}"


async def resolve(
    session: AsyncSession,
    *,
    clinician: Clinician,
    code: str,
    note: str,
    now: datetime,
) -> str:
    """Resolve by code with a required note; returns the reply for the clinician."""
    escalation = await session.scalar(select(Escalation).where(Escalation.code == code))
    if escalation is None or escalation.state == EscalationState.RESOLVED:
        audit.record(
            session,
            at=now,
            actor=f"clinician:{clinician.id}",
            action="resolve_rejected",
            code_given=code,
            why="no unresolved escalation with that code",
        )
        return f"No unresolved escalation has code {code}."
    if not note:
        return f"Add a note: RESOLVE {code} <what happened>."
    if escalation.state == EscalationState.OPEN:
        # Resolving implies the clinician has it; record both steps.
        escalation.acked_by_id = clinician.id
        escalation.acked_at = now
    escalation.state = EscalationState.RESOLVED
    escalation.resolved_by_id = clinician.id
    escalation.resolved_at = now
    escalation.note = note[:2000]
    escalation.next_page_at = None
    audit.record(
        session,
        at=now,
        actor=f"clinician:{clinician.id}",
        action="escalation_resolved",
        subject=f"escalation:{escalation.id}",
    )
    log.info("escalation_resolved", escalation=escalation.id, clinician=clinician.id)
    return f"Resolved {code}. Thank you."
