"""Signals about a patient's treatment for staff to read: never pages (docs/outcomes.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, CreatedAt


class SignalKind:
    RELAPSE = "relapse"
    EARLY_NON_RESPONSE = "early_non_response"


class OutcomeSignal(CreatedAt, Base):
    """A relapse or an early non-response, raised once for what it is about (``since``),
    waiting on the review list until someone marks it seen."""

    __tablename__ = "outcome_signals"
    __table_args__ = (
        UniqueConstraint("patient_id", "kind", "since"),
        Index("ix_outcome_signals_unseen", "seen_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    kind: Mapped[str] = mapped_column(String(32))
    since: Mapped[datetime]  # when what it reports began: a relapse's first score, an episode
    evidence: Mapped[list[str]] = mapped_column(JSON)
    raised_at: Mapped[datetime]
    seen_at: Mapped[datetime | None]
    seen_by: Mapped[str | None] = mapped_column(String(64))
