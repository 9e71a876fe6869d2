"""`PATCH /api/patients/{id}`: change a patient's schedule, channel or status."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from bot import audit
from bot.enrollment import EnrollForm, check
from bot.scheduling.plan import QuietHours
from bot.scheduling.planned import replan_routine
from bot.web.admin.auth import services_of
from bot.web.api_schemas import PatientId, PatientOut, PatientPatch
from storage.models import Patient, PatientStatus

router = APIRouter()


def _checked(patient: Patient, body: PatientPatch) -> EnrollForm:
    """The patient as they would be after the change, checked like an enrollment."""

    def new(value: str | None, old: str) -> str:
        return old if value is None else value

    return check(
        EnrollForm(
            name=new(body.name, patient.name),
            phone=patient.phone,
            timezone=new(body.timezone, patient.timezone),
            checkin_time=new(body.checkin_time, patient.checkin_time),
            language=new(body.language, patient.language),
        )
    )


@router.patch("/patients/{patient_id}", response_model=PatientOut)
async def update_patient(patient_id: PatientId, body: PatientPatch, request: Request) -> Patient:
    """Change what was sent. 422 names each invalid field; 409 resumes a patient who texted
    STOP (only they can opt back in). A new time or zone moves the next daily check-in."""
    services = services_of(request)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        patient = await session.get(Patient, patient_id)
        if patient is None:
            raise HTTPException(404, "No such patient.")
        form = _checked(patient, body)
        if form.errors:
            raise HTTPException(422, form.errors)
        if body.status is not None and patient.status == PatientStatus.OPTED_OUT:
            raise HTTPException(
                409, {"status": "The patient texted STOP; only they can opt back in (START)."}
            )
        before = {f: getattr(patient, f) for f in body.model_fields_set}
        patient.name, patient.timezone = form.name, form.timezone
        patient.checkin_time, patient.language = form.checkin_time, form.language
        if body.channel is not None:
            patient.channel = body.channel
        if body.status is not None:
            patient.status = body.status
        changed = sorted(f for f, old in before.items() if getattr(patient, f) != old)
        if {"timezone", "checkin_time", "status"} & set(changed):
            await replan_routine(
                session,
                services.flows,
                patient,
                now=now,
                quiet=QuietHours(*services.settings.quiet_hours),
                why="check-in time, time zone or status changed",
            )
        if changed:
            audit.record(
                session,
                at=now,
                actor="api",
                action="patient_updated",
                subject=f"patient:{patient.id}",
                changed=changed,
            )
    return patient
