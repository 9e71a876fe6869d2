"""Patients: the list, the enroll form, pause and resume, a check-in sent now."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import available_timezones

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit, enrollment
from bot.safety.rota import everyone_active
from bot.scheduling.plan import QuietHours
from bot.scheduling.requested import CannotStart, request_checkin
from bot.web.admin import telegram_enrollment
from bot.web.admin.auth import OFFICE, VIEWERS, check_csrf, require, services_of
from bot.web.admin.charts import sparkline
from bot.web.admin.exports import CLINIC_EXPORTERS
from bot.web.admin.pages import flash, render, see_other
from bot.web.admin.patient_list import NEEDS, patient_rows
from bot.web.admin.patient_page import OUTCOME_WORDS
from bot.web.api_schemas import RowId
from storage.models import Clinician, Patient, PatientStatus, StaffUser

router = APIRouter(prefix="/admin/patients")

Viewer = Annotated[StaffUser, Depends(require(*VIEWERS))]
Office = Annotated[StaffUser, Depends(require(*OFFICE))]
ZONES = sorted(available_timezones())


class PatientFields(BaseModel):
    """The patient form as typed: kept as strings, checked by `bot.enrollment`."""

    name: str = Field("", max_length=500)
    phone: str = Field("", max_length=64)
    timezone: str = Field("", max_length=64)
    checkin_time: str = Field("", max_length=16)
    language: str = Field("", max_length=8)
    channel: str = Field("sms", max_length=16)
    quiet_hours: str = Field("", max_length=16)
    mrn: str = Field("", max_length=100)
    date_of_birth: str = Field("", max_length=16)
    treating_clinician_id: str = Field("", max_length=12)


class EnrollFields(PatientFields):
    consent: str = Field("", max_length=8)  # "yes" when the box is ticked
    test: str = Field("", max_length=8)  # "yes": a staff member's phone, to try drafts on


@router.get("", response_class=HTMLResponse)
async def patients_page(request: Request, user: Viewer, q: str = "") -> Response:
    services = services_of(request)
    async with services.sessions() as session:
        rows = await patient_rows(session, now=services.clock(), search=q)
    return render(
        request,
        "admin/patients.html",
        {
            "user": user,
            "rows": rows,
            "q": q,
            "sparkline": sparkline,
            "needs": NEEDS,
            "outcome_words": OUTCOME_WORDS,
            "can_edit": user.role in OFFICE,
            "can_export_all": user.role in CLINIC_EXPORTERS,
        },
    )


def _form_page(
    request: Request,
    user: StaffUser,
    form: enrollment.EnrollForm,
    status: int,
    clinicians: list[Clinician],
    editing: Patient | None = None,
) -> Response:
    return render(
        request,
        "admin/enroll.html",
        {
            "user": user,
            "form": form,
            "editing": editing,
            "clinicians": sorted(clinicians, key=lambda c: c.name),
            "zones": ZONES,
            "languages": enrollment.LANGUAGES,
            "channels": enrollment.CHANNELS,
        },
        status_code=status,
    )


@router.get("/new", response_class=HTMLResponse)
async def enroll_page(request: Request, user: Office) -> Response:
    timezone = services_of(request).settings.clinic_timezone
    async with services_of(request).sessions() as session:
        clinicians = await everyone_active(session)
    form = enrollment.EnrollForm(timezone=timezone)
    return _form_page(request, user, form, 200, clinicians)


@router.post("", dependencies=[Depends(check_csrf)])
async def enroll(
    request: Request, user: Office, typed: Annotated[EnrollFields, Form()]
) -> Response:
    fields = typed.model_dump(exclude={"consent", "test"})
    form = enrollment.check(
        enrollment.EnrollForm(**fields, consent=typed.consent == "yes", test=typed.test == "yes")
    )
    services = services_of(request)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        await enrollment.check_unique(session, form)
        if form.errors:
            return _form_page(request, user, form, 422, await everyone_active(session))
        patient = await enrollment.enroll(
            session,
            form,
            actor=f"staff:{user.id}",
            now=now,
            quiet=QuietHours(*services.settings.quiet_hours),
            library=services.flows,
        )
        code = None
        if form.channel == "telegram":
            code = await telegram_enrollment.new_link(session, services, patient, user)
    if code is not None:
        return await telegram_enrollment.link_page(request, user, patient, code, enrolled=True)
    flash(request, f"Enrolled {patient.name}.")
    return see_other(f"/admin/patients/{patient.id}")


async def _patient(session: AsyncSession, patient_id: int) -> Patient:
    patient = await session.get(Patient, patient_id)
    if patient is None:
        raise HTTPException(404, "No such patient.")
    return patient


@router.get("/{patient_id}/edit", response_class=HTMLResponse)
async def edit_page(request: Request, patient_id: RowId, user: Office) -> Response:
    async with services_of(request).sessions() as session:
        patient = await _patient(session, patient_id)
        clinicians = await everyone_active(session)
    form = enrollment.EnrollForm(
        name=patient.name,
        phone=patient.phone,
        timezone=patient.timezone,
        checkin_time=patient.checkin_time,
        language=patient.language,
        channel=patient.channel,
        quiet_hours=patient.quiet_hours or "",
        mrn=patient.mrn or "",
        date_of_birth=patient.date_of_birth.isoformat() if patient.date_of_birth else "",
        treating_clinician_id=str(patient.treating_clinician_id or ""),
    )
    return _form_page(request, user, form, 200, clinicians, editing=patient)


@router.post("/{patient_id}/edit", dependencies=[Depends(check_csrf)])
async def edit(
    request: Request, patient_id: RowId, user: Office, typed: Annotated[PatientFields, Form()]
) -> Response:
    services = services_of(request)
    async with services.sessions() as session, session.begin():
        patient = await _patient(session, patient_id)
        form, changed = await enrollment.update(
            session,
            patient,
            typed.model_dump(),
            actor=f"staff:{user.id}",
            now=services.clock(),
            quiet=QuietHours(*services.settings.quiet_hours),
            library=services.flows,
        )
        if form.errors:
            clinicians = await everyone_active(session)
            return _form_page(request, user, form, 422, clinicians, editing=patient)
        name = patient.name
    words = ", ".join(f.replace("_", " ") for f in changed)
    flash(request, f"Saved {name}: changed {words}." if changed else "Nothing was changed.")
    return see_other(f"/admin/patients/{patient_id}")


async def _set_status(request: Request, user: StaffUser, patient_id: int, status: str) -> Response:
    services = services_of(request)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        patient = await session.get(Patient, patient_id)
        if patient is None:
            raise HTTPException(404, "No such patient.")
        patient.status = status
        action = "patient_paused" if status == PatientStatus.PAUSED else "patient_resumed"
        audit.record(
            session,
            at=now,
            actor=f"staff:{user.id}",
            action=action,
            subject=f"patient:{patient_id}",
        )
        name = patient.name
    verb = "Paused" if status == PatientStatus.PAUSED else "Resumed"
    flash(request, f"{verb} check-ins for {name}.")
    return see_other(f"/admin/patients/{patient_id}")


@router.post("/{patient_id}/pause", dependencies=[Depends(check_csrf)])
async def pause(request: Request, patient_id: RowId, user: Office) -> Response:
    return await _set_status(request, user, patient_id, PatientStatus.PAUSED)


@router.post("/{patient_id}/resume", dependencies=[Depends(check_csrf)])
async def resume(request: Request, patient_id: RowId, user: Office) -> Response:
    return await _set_status(request, user, patient_id, PatientStatus.ACTIVE)


@router.post("/{patient_id}/checkins", dependencies=[Depends(check_csrf)])
async def send_checkin(
    request: Request,
    patient_id: RowId,
    user: Office,
    flow: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Start a flow for the patient now; the page says when it goes out, or why not."""
    services = services_of(request)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        patient = await session.get(Patient, patient_id)
        if patient is None:
            raise HTTPException(404, "No such patient.")
        try:
            planned = await request_checkin(
                session,
                services.flows,
                patient,
                flow,
                quiet=QuietHours(*services.settings.quiet_hours),
                now=now,
                actor=f"staff:{user.id}",
            )
        except CannotStart as exc:
            flash(request, str(exc), "error")
            return see_other(f"/admin/patients/{patient_id}#send-checkin")
    title = services.flows.get(flow).title
    when = f"it waits ({planned.waiting})" if planned.waiting else "it goes out within a minute"
    flash(request, f"{title} planned: {when}.")
    return see_other(f"/admin/patients/{patient_id}#send-checkin")
