"""Enrolling a patient, the one way the dashboard, the API and the CLI all do it.

`check` reads what staff typed (every field's problem in words, the values kept as typed
so they can be corrected), `check_unique` refuses a phone already enrolled, and `enroll`
stores the patient and audits who did it. `update` changes an enrolled patient's details
with the same checks (the dashboard's edit form and `PATCH /api/patients/{id}`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import flows
from bot import audit
from bot.phones import InvalidPhone, normalize_phone
from bot.scheduling.plan import QuietHours
from bot.scheduling.planned import plan_routine, replan_routine
from bot.wallclock import hhmm
from bot.zones import UnknownZone, resolve_zone
from storage.models import Clinician, Patient

LANGUAGES = {"en": "English", "es": "Spanish"}
CHANNELS = {"sms": "SMS", "telegram": "Telegram"}


@dataclass
class EnrollForm:
    name: str = ""
    phone: str = ""
    timezone: str = ""
    checkin_time: str = "09:00"
    language: str = "en"
    channel: str = "sms"
    quiet_hours: str = ""  # empty: the clinic's
    mrn: str = ""  # the clinic's record number, optional
    date_of_birth: str = ""  # YYYY-MM-DD, optional
    treating_clinician_id: str = ""  # a clinician's id, optional
    # The enroll form asks staff to record the patient's consent to check-ins: True or
    # False there; None where it is not asked (the CLI and the API).
    consent: bool | None = None
    # A staff member's own phone, to try draft flows on: no routine check-ins are planned.
    test: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    normal_phone: str = ""
    birth_date: date | None = None
    treating_id: int | None = None


def check(form: EnrollForm) -> EnrollForm:
    """Fill `errors` (field -> message) and `normal_phone`; never raises."""
    form.name = form.name.strip()
    if not form.name:
        form.errors["name"] = "Enter the patient's name."
    elif len(form.name) > 200:
        form.errors["name"] = "The name is longer than 200 characters."
    try:
        form.normal_phone = normalize_phone(form.phone)
    except InvalidPhone:
        form.errors["phone"] = (
            "This is not a valid mobile number. Include the country code, e.g. +1 202 555 0143."
        )
    try:
        form.timezone = resolve_zone(form.timezone)
    except UnknownZone as exc:
        form.errors["timezone"] = str(exc)
    try:
        form.checkin_time = hhmm(form.checkin_time)
    except ValueError:
        form.errors["checkin_time"] = "Enter the daily check-in time, e.g. 09:00 or 9am."
    if form.language not in LANGUAGES:
        form.errors["language"] = "Choose English or Spanish."
    if form.channel not in CHANNELS:
        form.errors["channel"] = "Choose SMS or Telegram."
    if form.quiet_hours.strip():
        try:
            form.quiet_hours = str(QuietHours.parse(form.quiet_hours.strip()))
        except ValueError as exc:
            form.errors["quiet_hours"] = f"Quiet hours: {exc}; or leave it empty for the clinic's."
    else:
        form.quiet_hours = ""
    _check_record(form)
    return form


def _check_record(form: EnrollForm) -> None:
    """The chart fields: record number, date of birth, treating clinician, consent."""
    form.mrn = " ".join(form.mrn.split())
    if len(form.mrn) > 64:
        form.errors["mrn"] = "The record number is longer than 64 characters."
    form.date_of_birth = form.date_of_birth.strip()
    if form.date_of_birth:
        try:
            form.birth_date = date.fromisoformat(form.date_of_birth)
        except ValueError:
            form.errors["date_of_birth"] = "Enter the date of birth as YYYY-MM-DD."
        else:
            if not date(1900, 1, 1) <= form.birth_date <= date.today():
                form.errors["date_of_birth"] = "That date of birth is not possible; check it."
    form.treating_clinician_id = form.treating_clinician_id.strip()
    if form.treating_clinician_id:
        if form.treating_clinician_id.isdigit():
            form.treating_id = int(form.treating_clinician_id)
        else:
            form.errors["treating_clinician_id"] = "Choose the treating clinician from the list."
    if form.consent is False:
        form.errors["consent"] = (
            "Record that the patient agreed to check-ins by text before enrolling them."
        )


async def check_unique(
    session: AsyncSession, form: EnrollForm, *, editing: Patient | None = None
) -> None:
    """What only the database can tell: a phone already enrolled (for ``editing``, by
    another patient), a clinician that is not there."""
    taken = select(Patient.id).where(Patient.phone == form.normal_phone)
    if editing is not None:
        taken = taken.where(Patient.id != editing.id)
    if form.normal_phone and await session.scalar(taken):
        form.errors["phone"] = (
            "Another patient is enrolled with this phone number."
            if editing is not None
            else "A patient with this phone number is already enrolled."
        )
    if form.treating_id is not None and await session.get(Clinician, form.treating_id) is None:
        form.errors["treating_clinician_id"] = "Choose the treating clinician from the list."


async def enroll(
    session: AsyncSession,
    form: EnrollForm,
    *,
    actor: str,
    now: datetime,
    quiet: QuietHours,
    library: flows.FlowLibrary,
) -> Patient:
    """Store the checked ``form`` as a new patient (flushed, so it has its id), plan their
    first daily check-in and the questionnaires on a cadence at once (staff see them under
    Upcoming; the sweep would only plan them later), and audit it."""
    assert not form.errors, "enroll() takes a form that check() passed"
    patient = Patient(
        name=form.name,
        phone=form.normal_phone,
        channel=form.channel,
        timezone=form.timezone,
        checkin_time=form.checkin_time,
        language=form.language,
        quiet_hours=form.quiet_hours or None,
        mrn=form.mrn or None,
        date_of_birth=form.birth_date,
        treating_clinician_id=form.treating_id,
        consent_recorded_at=now if form.consent else None,
        test=form.test,
        created_at=now,
    )
    session.add(patient)
    await session.flush()
    if not form.test:  # a test patient gets only what staff send it
        await plan_routine(session, library, patient, now=now, quiet=quiet)
    audit.record(
        session, at=now, actor=actor, action="patient_enrolled", subject=f"patient:{patient.id}"
    )
    return patient


# What a change to these moves: the planned daily and cadence check-ins.
_REPLANNED = {"timezone", "checkin_time", "quiet_hours"}


async def update(
    session: AsyncSession,
    patient: Patient,
    changes: dict[str, str],
    *,
    actor: str,
    now: datetime,
    quiet: QuietHours,
    library: flows.FlowLibrary,
) -> tuple[EnrollForm, list[str]]:
    """Apply ``changes`` (field -> typed value; fields not given keep their value), checked
    as an enrollment is, and re-plan the routine check-ins when their time, zone or quiet
    hours moved. Returns the checked form and the fields that changed; with errors in the
    form nothing is changed. The dashboard and the API both edit patients through this."""
    fields = (
        "name",
        "phone",
        "timezone",
        "checkin_time",
        "language",
        "channel",
        "quiet_hours",
        "mrn",
        "date_of_birth",
        "treating_clinician_id",
    )
    unknown = set(changes) - set(fields)
    assert not unknown, f"not patient fields: {sorted(unknown)}"
    current: dict[str, str] = {f: str(getattr(patient, f) or "") for f in fields}
    typed = {**current, **changes}
    form = check(
        EnrollForm(
            name=typed["name"],
            phone=typed["phone"],
            timezone=typed["timezone"],
            checkin_time=typed["checkin_time"],
            language=typed["language"],
            channel=typed["channel"],
            quiet_hours=typed["quiet_hours"],
            mrn=typed["mrn"],
            date_of_birth=typed["date_of_birth"],
            treating_clinician_id=typed["treating_clinician_id"],
        )
    )
    await check_unique(session, form, editing=patient)
    if form.errors:
        return form, []
    after = {f: str(getattr(form, f)) for f in fields} | {"phone": form.normal_phone}
    changed = sorted(f for f in fields if after[f] != current[f])
    stored: dict[str, object] = {
        **after,
        "quiet_hours": form.quiet_hours or None,  # none of their own: the clinic's
        "mrn": form.mrn or None,
        "date_of_birth": form.birth_date,
        "treating_clinician_id": form.treating_id,
    }
    for f in changed:
        setattr(patient, f, stored[f])
    if _REPLANNED & set(changed):
        await replan_routine(
            session, library, patient, now=now, quiet=quiet, why=f"{', '.join(changed)} changed"
        )
    if changed:
        audit.record(
            session,
            at=now,
            actor=actor,
            action="patient_updated",
            subject=f"patient:{patient.id}",
            changed=changed,
        )
    return form, changed
