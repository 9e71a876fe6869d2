"""The admin API (`/api/...`) for an EHR or scheduling system: bearer token, OpenAPI docs."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import select

from bot import audit
from bot.bootstrap import Services
from bot.scheduling.infusions import record_infusion
from bot.scheduling.plan import QuietHours
from bot.web.admin.enrollment import EnrollForm, check, check_unique
from storage.models import Answer, Escalation, Patient, ScheduledCheckin

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


router = APIRouter(prefix="/api", tags=["admin"], dependencies=[Depends(require_token)])


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


class PatientIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    phone: str = Field(description="Mobile number with country code", examples=["+12025550143"])
    timezone: str | None = Field(default=None, description="Area/City; default CLINIC_TIMEZONE")
    checkin_time: str = Field(default="09:00", description="Daily check-in, local HH:MM")
    language: str = "en"
    quiet_hours: str | None = Field(
        default=None,
        description="Own quiet hours, local HH:MM-HH:MM; default the clinic's",
        examples=["22:00-07:00"],
    )


class PatientOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    phone: str
    channel: str
    timezone: str
    checkin_time: str
    language: str
    quiet_hours: str | None
    status: str
    created_at: datetime


class InfusionIn(BaseModel):
    at: AwareDatetime = Field(description="ISO 8601 with a UTC offset")


class CheckinOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    flow_id: str
    due_at: datetime
    status: str


class InfusionOut(BaseModel):
    id: int
    patient_id: int
    at: datetime
    number: int
    checkins: list[CheckinOut]


class AnswerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    flow_id: str
    flow_version: int
    step_id: str
    value: Any
    raw_text: str | None
    recorded_at: datetime


class EscalationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    patient_id: int | None
    state: str
    reasons: list[str]
    level_index: int
    round: int
    opened_at: datetime
    acked_by_id: int | None
    acked_at: datetime | None
    resolved_by_id: int | None
    resolved_at: datetime | None
    note: str | None


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
        )
    )
    try:
        quiet_hours = None if body.quiet_hours is None else str(QuietHours.parse(body.quiet_hours))
    except ValueError as exc:
        form.errors["quiet_hours"] = str(exc)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        await check_unique(session, form)
        if form.errors:
            status = 409 if list(form.errors) == ["phone"] and form.normal_phone else 422
            raise HTTPException(status, form.errors)
        patient = Patient(
            name=form.name,
            phone=form.normal_phone,
            timezone=form.timezone,
            checkin_time=form.checkin_time,
            language=form.language,
            quiet_hours=quiet_hours,
            created_at=now,
        )
        session.add(patient)
        await session.flush()
        audit.record(
            session, at=now, actor="api", action="patient_enrolled", subject=f"patient:{patient.id}"
        )
    return patient


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
async def get_patient(patient_id: int, request: Request) -> Patient:
    return await _patient(_services(request), patient_id)


@router.post("/patients/{patient_id}/infusions", status_code=201, response_model=InfusionOut)
async def add_infusion(patient_id: int, body: InfusionIn, request: Request) -> InfusionOut:
    """Record an infusion; its post-infusion check-ins are planned and returned."""
    services = _services(request)
    now = services.clock()
    quiet = QuietHours(*services.settings.quiet_hours)
    async with services.sessions() as session, session.begin():
        patient = await session.get(Patient, patient_id)
        if patient is None:
            raise HTTPException(404, "No such patient.")
        infusion = await record_infusion(session, patient, at=body.at, quiet=quiet, now=now)
        audit.record(
            session,
            at=now,
            actor="api",
            action="infusion_recorded",
            subject=f"infusion:{infusion.id}",
            patient=patient.id,
        )
        await session.flush()
        planned = (
            await session.scalars(
                select(ScheduledCheckin)
                .where(ScheduledCheckin.infusion_id == infusion.id)
                .order_by(ScheduledCheckin.due_at)
            )
        ).all()
        return InfusionOut(
            id=infusion.id,
            patient_id=patient.id,
            at=infusion.at,
            number=infusion.number,
            checkins=[CheckinOut.model_validate(c) for c in planned],
        )


@router.get("/patients/{patient_id}/answers", response_model=list[AnswerOut])
async def list_answers(patient_id: int, request: Request, limit: int = 500) -> list[Answer]:
    services = _services(request)
    await _patient(services, patient_id)
    async with services.sessions() as session:
        rows = await session.scalars(
            select(Answer)
            .where(Answer.patient_id == patient_id)
            .order_by(Answer.recorded_at, Answer.id)
            .limit(max(1, min(limit, 5000)))
        )
        return list(rows.all())


@router.get("/escalations", response_model=list[EscalationOut])
async def list_escalations(request: Request, state: str | None = None) -> list[Escalation]:
    """Escalations, newest first; `state` is open, acknowledged or resolved."""
    query = select(Escalation).order_by(Escalation.opened_at.desc()).limit(500)
    if state:
        query = query.where(Escalation.state == state)
    async with _services(request).sessions() as session:
        return list((await session.scalars(query)).all())
