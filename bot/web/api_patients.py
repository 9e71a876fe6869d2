"""`PATCH /api/patients/{id}`: change a patient's schedule, channel or status."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from bot import audit
from bot.enrollment import update
from bot.scheduling.plan import QuietHours
from bot.scheduling.planned import replan_routine
from bot.web.admin.auth import services_of
from bot.web.api_schemas import PatientId, PatientOut, PatientPatch
from storage.models import Patient, PatientStatus

router = APIRouter()


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
        if body.status is not None and patient.status == PatientStatus.OPTED_OUT:
            raise HTTPException(
                409, {"status": "The patient texted STOP; only they can opt back in (START)."}
            )
        sent = body.model_dump(exclude_unset=True, exclude={"status"})
        quiet = QuietHours(*services.settings.quiet_hours)
        form, _ = await update(
            session,
            patient,
            {f: v for f, v in sent.items() if v is not None},
            actor="api",
            now=now,
            quiet=quiet,
            library=services.flows,
        )
        if form.errors:
            raise HTTPException(422, form.errors)
        if body.status is not None and body.status != patient.status:
            patient.status = body.status
            await replan_routine(
                session, services.flows, patient, now=now, quiet=quiet, why="status changed"
            )
            audit.record(
                session,
                at=now,
                actor="api",
                action="patient_updated",
                subject=f"patient:{patient.id}",
                changed=["status"],
            )
    return patient
