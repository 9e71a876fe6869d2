"""Patients, clinicians and the on-call rota."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, CreatedAt


class PatientStatus:
    ACTIVE = "active"
    PAUSED = "paused"
    OPTED_OUT = "opted_out"
    UNREACHABLE = "unreachable"


class Patient(CreatedAt, Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[str] = mapped_column(String(16), default="sms")
    telegram_chat_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    checkin_time: Mapped[str] = mapped_column(String(5), default="09:00")
    language: Mapped[str] = mapped_column(String(8), default="en")
    status: Mapped[str] = mapped_column(String(16), default=PatientStatus.ACTIVE)
    # "HH:MM-HH:MM" patient-local, e.g. "22:00-07:00"; None = the clinic's quiet hours.
    quiet_hours: Mapped[str | None] = mapped_column(String(11))
    # The clinic's own record number and the date of birth, to match the patient to their
    # chart; the clinician who treats them; when staff recorded the patient's consent to
    # check-ins by text. All optional here: the enroll form asks for consent.
    mrn: Mapped[str | None] = mapped_column(String(64))
    date_of_birth: Mapped[date | None]
    treating_clinician_id: Mapped[int | None] = mapped_column(ForeignKey("clinicians.id"))
    consent_recorded_at: Mapped[datetime | None]
    # A staff member's own phone, enrolled to try draft flows on: only a test patient can
    # be sent a draft. Left out of the clinic's outcome figures.
    test: Mapped[bool] = mapped_column(default=False, server_default=false())

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.name


class Clinician(CreatedAt, Base):
    __tablename__ = "clinicians"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    telegram_chat_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    active: Mapped[bool] = mapped_column(default=True)


class OnCallRole:
    PRIMARY = "primary"
    BACKUP = "backup"
    DIRECTOR = "director"
    DESK = "desk"  # the clinic-desk clinician a ladder may page in business hours
    ALL = (PRIMARY, BACKUP, DIRECTOR, DESK)


class OnCallShift(CreatedAt, Base):
    """One clinician holding one role from `starts_at` until `ends_at` (open if null).

    Overlapping shifts are allowed: the most recently created one wins, which
    is how a swap or a cover is recorded without editing history.
    """

    __tablename__ = "oncall_shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16), index=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("clinicians.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]

    clinician: Mapped[Clinician] = relationship(lazy="joined")


class OnCallRotation(CreatedAt, Base):
    """A weekly rotation: `clinician_ids` hold `role` in turn, a week each.

    The week hands over on `handover_weekday` (0 = Monday) at `handover_time` (HH:MM)
    in `timezone`, wall-clock, so a handover stays at 09:00 across a DST change. The
    first clinician holds the role from `starts_at` until the first handover after it.
    Shifts (`OnCallShift`: covers and swaps) win over any rotation; of several
    rotations for one role, the newest that has started wins.
    """

    __tablename__ = "oncall_rotations"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16), index=True)
    clinician_ids: Mapped[list[int]] = mapped_column(JSON)
    handover_weekday: Mapped[int]
    handover_time: Mapped[str] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime]
