"""Staff accounts for the dashboard: who may log in, with what role."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, CreatedAt


class StaffRole:
    ADMIN = "admin"
    STAFF = "staff"
    CLINICIAN = "clinician"
    # Edits and publishes flows; reads the dashboard like staff.
    FLOW_EDITOR = "flow_editor"
    ALL = (ADMIN, STAFF, CLINICIAN, FLOW_EDITOR)


class StaffUser(CreatedAt, Base):
    """A dashboard login. Only an argon2 hash of the password is stored.

    `clinician_id` links the account to the clinician the ladder pages: only a
    linked account can acknowledge or resolve an escalation, so the record
    says which clinician took it, exactly as an `ACK` by SMS would.
    """

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("clinicians.id"))
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    # Every dashboard session carries the epoch it signed in under; raising it (sign-out,
    # a password change, deactivation) ends every session of the account at its next
    # request, on every device: the signed cookie alone cannot be taken back.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set when an administrator resets the password: every page but the password page
    # sends the account there until it chooses its own.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
