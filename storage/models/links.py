"""One-time codes that link a Telegram chat to a patient or a clinician."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, CreatedAt


class TelegramLinkCode(CreatedAt, Base):
    """A `/start <code>` code: only its SHA-256 is stored; used once, then dead.

    Exactly one of `patient_id` and `clinician_id` is set.
    """

    __tablename__ = "telegram_link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), index=True)
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("clinicians.id"), index=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
