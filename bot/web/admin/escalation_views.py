"""What the escalations page shows: each escalation with its people and messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.safety.ladder import LadderPolicy
from storage.models import (
    Clinician,
    Escalation,
    EscalationPage,
    EscalationState,
    Message,
    OutboxItem,
    OutboxStatus,
    Patient,
)

MESSAGES_BEFORE = 3  # the trigger and the messages just before it
MESSAGES_AFTER = 5
RESOLVED_SHOWN = 10


@dataclass(frozen=True, slots=True)
class PageLine:
    """One page sent for an escalation: when, to whom, how, and what became of it."""

    at: datetime
    clinician: str
    role: str
    round: int
    channel: str
    outcome: str  # "delivered", "sent", "failed: <why>", "waiting to send (attempt n)"


@dataclass
class EscalationView:
    row: Escalation
    patient: Patient | None
    level: str
    holder: str
    trigger: Message | None
    around: list[Message] = field(default_factory=list)
    pages: list[PageLine] = field(default_factory=list)

    @property
    def who(self) -> str:
        return self.patient.name if self.patient else f"Unknown number {self.row.address}"

    @property
    def phone(self) -> str | None:
        """A number to call the patient on: theirs, or the one that wrote (SMS and voice)."""
        if self.patient is not None and self.patient.phone:
            return self.patient.phone
        return self.row.address if self.row.channel in ("sms", "voice") else None


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


# What a carrier's status callback said of a sent page (Twilio's words, stored on the message).
_DELIVERED = ("delivered", "read", "completed")
_NOT_DELIVERED = ("undelivered", "failed", "busy", "no-answer", "canceled")


def _outcome(item: OutboxItem | None, carrier: str | None) -> str:
    if item is None:
        return "not queued"
    if item.status == OutboxStatus.SENT:
        if carrier in _DELIVERED:
            return "delivered"
        if carrier in _NOT_DELIVERED:
            why = f" ({item.last_error})" if item.last_error else ""
            return f"sent, but the carrier could not deliver it{why}"
        return "sent"
    if item.status == OutboxStatus.FAILED:
        return f"failed: {item.last_error}" if item.last_error else "failed"
    return f"waiting to send (attempt {item.attempts + 1})" if item.attempts else "waiting to send"


async def _pages(session: AsyncSession, escalation: Escalation) -> list[PageLine]:
    rows = (
        await session.execute(
            select(EscalationPage, Clinician.name, OutboxItem, Message.status)
            .outerjoin(Clinician, Clinician.id == EscalationPage.clinician_id)
            .outerjoin(OutboxItem, OutboxItem.id == EscalationPage.outbox_item_id)
            .outerjoin(Message, Message.outbox_item_id == EscalationPage.outbox_item_id)
            .where(EscalationPage.escalation_id == escalation.id)
            .order_by(EscalationPage.id)
        )
    ).all()
    return [
        PageLine(
            at=page.created_at,
            clinician=name or "nobody on the rota",
            role=page.role,
            round=page.round,
            channel=page.channel,
            outcome=_outcome(item, carrier),
        )
        for page, name, item, carrier in rows
    ]


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
        pages=await _pages(session, escalation),
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
