"""Every message in and out, and the durable outbox that sends them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, CreatedAt, utcnow


class Message(CreatedAt, Base):
    """One inbound or outbound message; bodies live here and never in logs."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel", "provider_id"),
        Index("ix_messages_review", "screening_level", "reviewed_at"),
        Index("ix_messages_inbox", "for_staff", "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    channel: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), index=True)
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("clinicians.id"))
    body: Mapped[str] = mapped_column(Text)
    # The digest of the text as it arrived, when it held what no column can store (NUL,
    # a lone surrogate) and the stored body has U+FFFD in their place.
    raw_sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="received")
    screening_level: Mapped[str | None] = mapped_column(String(8))
    screening_reasons: Mapped[list[str] | None]
    # A message the patient sent outside any question ("can I move Friday?"): the bot
    # told them their care team will see it, so it waits in the care team's inbox.
    for_staff: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A message screened `review`, or one for the care team, waits on the dashboard until
    # someone has read it (audited): who ("staff:<id>") and when.
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    # No foreign key: messages, outbox items and escalations refer to each
    # other, and a cycle of constraints would make inserts order-dependent.
    outbox_item_id: Mapped[int | None] = mapped_column(index=True)


class OutboxStatus:
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Priority:
    """Lower goes first: a page never waits behind routine traffic."""

    PAGE = 0
    CRISIS = 0
    REPLY = 5
    ROUTINE = 10


class OutboxItem(CreatedAt, Base):
    __tablename__ = "outbox_items"
    # The claim's order (`OutboxWorker._claim`): one short index read per batch.
    __table_args__ = (Index("ix_outbox_claim", "status", "priority", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(default=Priority.ROUTINE)
    purpose: Mapped[str] = mapped_column(String(16), default="reply")
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"))
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("clinicians.id"))
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=8)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    provider_id: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None]
    extra: Mapped[dict[str, Any] | None]


class DeliveryAttempt(Base):
    """Each try at sending an outbox item, for the on-call engineer's questions."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_item_id: Mapped[int] = mapped_column(ForeignKey("outbox_items.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))  # sent | retry | failed
    error: Mapped[str | None] = mapped_column(String(300))
