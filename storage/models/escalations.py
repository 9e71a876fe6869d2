"""Escalations, each page sent for them, and pending safety questions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, CreatedAt, utcnow


class EscalationState:
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    UNRESOLVED = (OPEN, ACKNOWLEDGED)


class Escalation(CreatedAt, Base):
    """A risk that a human must acknowledge and resolve; nothing closes it by itself."""

    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_state_next", "state", "next_page_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="suicide_risk")
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), index=True)
    address: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    trigger_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    reasons: Mapped[list[str]]
    state: Mapped[str] = mapped_column(String(16), default=EscalationState.OPEN)
    ladder: Mapped[dict[str, Any]]  # the policy in force when it opened
    level_index: Mapped[int] = mapped_column(default=0)
    round: Mapped[int] = mapped_column(default=1)
    next_page_at: Mapped[datetime | None]
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    acked_by_id: Mapped[int | None] = mapped_column(ForeignKey("clinicians.id"))
    acked_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("clinicians.id"))
    resolved_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)


class EscalationPage(CreatedAt, Base):
    __tablename__ = "escalation_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"), index=True)
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("clinicians.id"))
    role: Mapped[str] = mapped_column(String(16))
    round: Mapped[int]
    channel: Mapped[str] = mapped_column(String(16))
    outbox_item_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_items.id"))


class SafetyCheckState:
    PENDING = "pending"
    ANSWERED_NO = "answered_no"
    ESCALATED = "escalated"


class SafetyCheck(CreatedAt, Base):
    """A direct safety question asked after a `check`-level message.

    Yes, an unclear answer, or silence past `due_at` escalates; a no is kept
    for clinician review.
    """

    __tablename__ = "safety_checks"
    __table_args__ = (Index("ix_safety_checks_state_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), index=True)
    address: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    trigger_message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    reasons: Mapped[list[str]]
    state: Mapped[str] = mapped_column(String(16), default=SafetyCheckState.PENDING)
    due_at: Mapped[datetime]
    answer_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("clinicians.id"))
    reviewed_at: Mapped[datetime | None]
