"""What the escalations page shows: each escalation with its people and messages."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.safety.ladder import LadderPolicy
from storage.models import Clinician, Escalation, EscalationPage, EscalationState, Message, Patient

MESSAGES_BEFORE = 3  # the trigger and the messages just before it
MESSAGES_AFTER = 5
RESOLVED_SHOWN = 10


@dataclass
class EscalationView:
    row: Escalation
    patient: Patient | None
    level: str
    holder: str
    trigger: Message | None
    around: list[Message] = field(default_factory=list)

    @property
    def who(self) -> str:
        return self.patient.name if self.patient else f"Unknown number {self.row.address}"


def describe_level(escalation: Escalation) -> str:
    """`level 2 of 3 (backup), round 1`."""
    levels = LadderPolicy.from_snapshot(escalation.ladder).levels
    index = min(escalation.level_index, len(levels) - 1)
    return f"level {index + 1} of {len(levels)} ({levels[index].target}), round {escalation.round}"


async def _name(session: AsyncSession, clinician_id: int | None) -> str | None:
    if clinician_id is None:
        return None
    clinician = await session.get(Clinician, clinician_id)
    return clinician.name if clinician else f"clinician {clinician_id}"


async def _holder(session: AsyncSession, escalation: Escalation) -> str:
    if escalation.state == EscalationState.RESOLVED:
        return f"resolved by {await _name(session, escalation.resolved_by_id)}"
    if escalation.acked_by_id is not None:
        return f"held by {await _name(session, escalation.acked_by_id)}"
    paged = await session.scalar(
        select(EscalationPage.clinician_id)
        .where(EscalationPage.escalation_id == escalation.id)
        .order_by(EscalationPage.id.desc())
        .limit(1)
    )
    name = await _name(session, paged)
    return f"not acknowledged; paging {name}" if name else "not acknowledged; nobody paged yet"


async def _around(session: AsyncSession, escalation: Escalation) -> list[Message]:
    if escalation.trigger_message_id is None:
        return []
    same_person = (
        Message.patient_id == escalation.patient_id
        if escalation.patient_id is not None
        else Message.address == escalation.address
    )
    pivot = escalation.trigger_message_id
    before = (
        await session.scalars(
            select(Message)
            .where(same_person, Message.id <= pivot)
            .order_by(Message.id.desc())
            .limit(MESSAGES_BEFORE + 1)
        )
    ).all()
    after = (
        await session.scalars(
            select(Message)
            .where(same_person, Message.id > pivot)
            .order_by(Message.id)
            .limit(MESSAGES_AFTER)
        )
    ).all()
    return [*reversed(before), *after]


async def view(session: AsyncSession, escalation: Escalation) -> EscalationView:
    around = await _around(session, escalation)
    trigger = next((m for m in around if m.id == escalation.trigger_message_id), None)
    return EscalationView(
        row=escalation,
        patient=await session.get(Patient, escalation.patient_id)
        if escalation.patient_id
        else None,
        level=describe_level(escalation),
        holder=await _holder(session, escalation),
        trigger=trigger,
        around=around,
    )


async def board(session: AsyncSession) -> tuple[list[EscalationView], list[EscalationView]]:
    """Unresolved escalations (unacknowledged first, oldest first), then recently resolved."""
    unresolved = (
        await session.scalars(
            select(Escalation)
            .where(Escalation.state.in_(EscalationState.UNRESOLVED))
            .order_by(Escalation.acked_at.is_not(None), Escalation.opened_at, Escalation.id)
        )
    ).all()
    resolved = (
        await session.scalars(
            select(Escalation)
            .where(Escalation.state == EscalationState.RESOLVED)
            .order_by(Escalation.resolved_at.desc())
            .limit(RESOLVED_SHOWN)
        )
    ).all()
    return [await view(session, e) for e in unresolved], [await view(session, e) for e in resolved]


async def for_patient(session: AsyncSession, patient_id: int) -> list[EscalationView]:
    rows = (
        await session.scalars(
            select(Escalation)
            .where(Escalation.patient_id == patient_id)
            .order_by(Escalation.opened_at.desc())
        )
    ).all()
    return [await view(session, e) for e in rows]
