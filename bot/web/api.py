"""The admin API (`/api/...`) for an EHR or scheduling system: bearer token, OpenAPI docs."""

from __future__ import annotations

import hmac
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from bot.enrollment import EnrollForm, check, check_unique, enroll
from bot.scheduling.plan import QuietHours
from bot.services import Services
from bot.web import api_flows, api_infusions, api_outcomes, api_patients, api_responses
from bot.web.api_schemas import (
    INVALID,
    AnswerOut,
    EscalationOut,
    PatientId,
    PatientIn,
    PatientOut,
)
from storage.models import Answer, Escalation, Patient

_bearer = HTTPBearer(auto_error=False, description="The ADMIN_TOKEN setting")


async def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Accept only `Authorization: Bearer <ADMIN_TOKEN>` (compared in constant time)."""
    expected = request.app.state.services.settings.admin_token
    given = credentials.credentials if credentials else ""
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(
            401,
            "A valid bearer token is required (the API is off while ADMIN_TOKEN is unset).",
            headers={"WWW-Authenticate": "Bearer"},
        )


router = APIRouter(
    prefix="/api", tags=["admin"], dependencies=[Depends(require_token)], responses=INVALID
)
# Routes kept in their own modules; included here, they take this prefix and token check.
for _part in (api_patients, api_infusions, api_responses, api_outcomes, api_flows):
    router.include_router(_part.router)


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


@router.post("/patients", status_code=201, response_model=PatientOut)
async def create_patient(body: PatientIn, request: Request) -> Patient:
    """Enroll a patient (SMS check-ins). 422 names each invalid field; 409 on a known phone."""
    services = _services(request)
    form = check(
        EnrollForm(
            name=body.name,
            phone=body.phone,
            timezone=body.timezone or services.settings.clinic_timezone,
            checkin_time=body.checkin_time,
            language=body.language,
            quiet_hours=body.quiet_hours or "",
            test=body.test,
        )
    )
    now = services.clock()
    async with services.sessions() as session, session.begin():
        await check_unique(session, form)
        if form.errors:
            status = 409 if list(form.errors) == ["phone"] and form.normal_phone else 422
            raise HTTPException(status, form.errors)
        return await enroll(
            session,
            form,
            actor="api",
            now=now,
            quiet=QuietHours(*services.settings.quiet_hours),
            library=services.flows,
        )


@router.get("/patients", response_model=list[PatientOut])
async def list_patients(request: Request) -> list[Patient]:
    async with _services(request).sessions() as session:
        return list((await session.scalars(select(Patient).order_by(Patient.id))).all())


async def _patient(services: Services, patient_id: int) -> Patient:
    async with services.sessions() as session:
        patient = await session.get(Patient, patient_id)
    if patient is None:
        raise HTTPException(404, "No such patient.")
    return patient


@router.get("/patients/{patient_id}", response_model=PatientOut)
async def get_patient(patient_id: PatientId, request: Request) -> Patient:
    return await _patient(_services(request), patient_id)


@router.get("/patients/{patient_id}/answers", response_model=list[AnswerOut])
async def list_answers(
    patient_id: PatientId,
    request: Request,
    limit: Annotated[
        int, Query(ge=1, le=5000, description="At most this many, oldest first")
    ] = 500,
) -> list[Answer]:
    services = _services(request)
    await _patient(services, patient_id)
    async with services.sessions() as session:
        rows = await session.scalars(
            select(Answer)
            .where(Answer.patient_id == patient_id)
            .order_by(Answer.recorded_at, Answer.id)
            .limit(limit)
        )
        return list(rows.all())


@router.get("/escalations", response_model=list[EscalationOut])
async def list_escalations(
    request: Request, state: Literal["open", "acknowledged", "resolved"] | None = None
) -> list[Escalation]:
    """Escalations, newest first (at most 500)."""
    query = select(Escalation).order_by(Escalation.opened_at.desc()).limit(500)
    if state:
        query = query.where(Escalation.state == state)
    async with _services(request).sessions() as session:
        return list((await session.scalars(query)).all())
