"""Conversations with patients: flow sessions, their answers, and scheduled check-ins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint, false
from sqlalchemy.engine.interfaces import ExecutionContext
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, CreatedAt, utcnow


class FlowSessionStatus:
    ACTIVE = "active"
    COMPLETED = "completed"
    EXPIRED = "expired"
    ABANDONED = "abandoned"


class FlowSession(CreatedAt, Base):
    """One run of a flow for one patient; it keeps the flow version it started with."""

    __tablename__ = "flow_sessions"
    __table_args__ = (
        Index("ix_flow_sessions_patient_status", "patient_id", "status"),
        # The conversations tick finds those whose window closed or reminder fell due.
        Index("ix_flow_sessions_expiry", "status", "expires_at"),
        Index("ix_flow_sessions_reminder", "status", "reminder_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    flow_id: Mapped[str] = mapped_column(String(64))
    flow_version: Mapped[int]
    flow_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=FlowSessionStatus.ACTIVE)
    current_step: Mapped[str | None] = mapped_column(String(64))
    scheduled_checkin_id: Mapped[int | None] = mapped_column(ForeignKey("scheduled_checkins.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    reminder_at: Mapped[datetime | None]
    reminded: Mapped[bool] = mapped_column(default=False)


class Answer(CreatedAt, Base):
    """A typed answer with the patient's own words beside it."""

    __tablename__ = "answers"
    __table_args__ = (Index("ix_answers_patient_flow", "patient_id", "flow_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("flow_sessions.id"), index=True)
    flow_id: Mapped[str] = mapped_column(String(64))
    flow_version: Mapped[int]
    step_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSON)
    raw_text: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Score(CreatedAt, Base):
    """An instrument total and band (PHQ-9, GAD-7), stored when a flow ends.

    A questionnaire that completes with every item answered has a band and no ``missing``
    items. One that stops early (the patient stopped replying, or skipped an item) keeps
    the answered items' total, no band, and names the items it leaves out: an incomplete
    total is shown as incomplete, never as a score. Staff may record a score taken outside
    the bot (``source`` "intake", "visit"...): it has no session.
    """

    __tablename__ = "scores"
    __table_args__ = (Index("ix_scores_patient_recorded", "patient_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    # None for a score taken outside the bot (intake paper, a visit): see ``source``.
    session_id: Mapped[int | None] = mapped_column(ForeignKey("flow_sessions.id"))
    source: Mapped[str] = mapped_column(String(32), default="checkin", server_default="checkin")
    name: Mapped[str] = mapped_column(String(32))
    total: Mapped[int]
    band: Mapped[str | None] = mapped_column(String(48))
    missing: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def complete(self) -> bool:
        return not self.missing


class CheckinStatus:
    DUE = "due"
    SENT = "sent"
    MISSED = "missed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


# Which check-in gives way to which: a post-infusion check-in matters most, then the
# daily one (it carries the safety question), then questionnaires and anything else.
PRECEDENCE = {"post_infusion": 0, "daily": 1}
LAST_PRECEDENCE = 2


def precedence_of(kind: str | None) -> int:
    return PRECEDENCE.get(kind or "", LAST_PRECEDENCE)


def _precedence_of_row(context: ExecutionContext) -> int:
    return precedence_of(context.get_current_parameters().get("kind"))  # type: ignore[attr-defined]


class ScheduledCheckin(CreatedAt, Base):
    """A check-in the dispatcher must start: the row, not scheduler memory, is the truth."""

    __tablename__ = "scheduled_checkins"
    __table_args__ = (
        UniqueConstraint("patient_id", "slot"),
        # The dispatcher's claim reads due rows in this order, so it stops after a batch
        # instead of sorting every due row (100,000 at one minute: 84 ms a claim).
        Index("ix_scheduled_checkins_claim", "status", "due_at", "precedence", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    kind: Mapped[str] = mapped_column(String(32))  # daily | post_infusion | phq9 | gad7 ...
    # From the kind, on every insert: among rows due at one minute, which starts first.
    precedence: Mapped[int] = mapped_column(SmallInteger, default=_precedence_of_row)
    flow_id: Mapped[str] = mapped_column(String(64))
    slot: Mapped[str] = mapped_column(String(96))  # e.g. "daily:2026-11-28"
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=CheckinStatus.DUE)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    infusion_id: Mapped[int | None] = mapped_column(ForeignKey("infusions.id"))
    reason: Mapped[str | None] = mapped_column(String(200))
    # Held back until then (the patient is mid-conversation, or quiet hours began while it
    # waited); due_at keeps the planned time, from which its window is measured.
    not_before: Mapped[datetime | None]


class Infusion(CreatedAt, Base):
    __tablename__ = "infusions"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    at: Mapped[datetime]
    number: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")  # or cancelled
    # Staff said this infusion begins a new course (a new induction series): outcomes
    # take a new baseline from it, whatever the gap since the last one.
    new_episode: Mapped[bool] = mapped_column(default=False, server_default=false())
