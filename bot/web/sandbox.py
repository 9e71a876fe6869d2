"""The sandbox channel: simulated phones for a demo patient and the on-call clinician.

Mounted only when no real channel is configured (or `SANDBOX=1`). Messages
go through exactly the same path as real SMS; only the last hop is simulated.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from importlib import resources

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from bot.channels.base import InboundMessage
from bot.checkins.runner import start_flow
from bot.conversation import handle_inbound
from bot.services import Services
from storage.models import Clinician, Message, OnCallRole, OnCallShift, Patient, PatientStatus

router = APIRouter(prefix="/sandbox")

DEMO_PATIENT_PHONE = "+12025550101"
DEMO_CLINICIAN_PHONE = "+12025550102"
PHONES = {DEMO_PATIENT_PHONE: "Demo patient", DEMO_CLINICIAN_PHONE: "On-call clinician"}


async def seed_demo(services: Services) -> None:
    """Create the demo patient and clinician if they are missing, and put the clinician on
    call only in a database whose rota is empty: the sandbox never takes over a real rota."""
    now = services.clock()
    async with services.sessions() as session, session.begin():
        if await session.scalar(select(Patient).where(Patient.phone == DEMO_PATIENT_PHONE)) is None:
            session.add(
                Patient(
                    name="Demo Patient",
                    phone=DEMO_PATIENT_PHONE,
                    channel="sms",
                    timezone=services.settings.clinic_timezone,
                    created_at=now,
                )
            )
        clinician = await session.scalar(
            select(Clinician).where(Clinician.phone == DEMO_CLINICIAN_PHONE)
        )
        if clinician is None:
            clinician = Clinician(name="Demo Clinician", phone=DEMO_CLINICIAN_PHONE, created_at=now)
            session.add(clinician)
            await session.flush()
            others = await session.scalar(
                select(Clinician.id).where(Clinician.id != clinician.id).limit(1)
            )
            rota = await session.scalar(select(OnCallShift.id).limit(1))
            if others is not None or rota is not None:
                return  # real clinicians keep their rota; the demo one stays off call
            session.add(
                OnCallShift(
                    role=OnCallRole.PRIMARY,
                    clinician_id=clinician.id,
                    starts_at=now - timedelta(minutes=1),
                    ends_at=None,
                    created_at=now,
                )
            )


class SandboxText(BaseModel):
    address: str
    text: str = Field(max_length=5000)


@router.get("", response_class=HTMLResponse)
async def sandbox_page() -> str:
    return resources.files("bot").joinpath("static/sandbox.html").read_text(encoding="utf-8")


@router.post("/api/send")
async def sandbox_send(body: SandboxText, request: Request) -> dict[str, object]:
    """Deliver a message as if the phone at `address` had texted the clinic."""
    if body.address not in PHONES:
        raise HTTPException(404, "unknown sandbox phone")
    services: Services = request.app.state.services
    result = await handle_inbound(
        services,
        InboundMessage(
            channel="sms",
            provider_id=f"SBIN{uuid.uuid4().hex}",
            address=body.address,
            text=body.text,
            received_at=services.clock(),
        ),
    )
    return {"level": result.level, "escalation_id": result.escalation_id}


class SandboxCheckin(BaseModel):
    flow_id: str = "daily-checkin"


@router.post("/api/checkin")
async def sandbox_checkin(body: SandboxCheckin, request: Request) -> dict[str, object]:
    """Start a check-in for the demo patient now, as the scheduler would at its time."""
    services: Services = request.app.state.services
    if body.flow_id not in services.flows:
        raise HTTPException(404, f"no flow {body.flow_id!r}")
    async with services.sessions() as session, session.begin():
        patient = await session.scalar(select(Patient).where(Patient.phone == DEMO_PATIENT_PHONE))
        if patient is None:
            raise HTTPException(404, "the demo patient is missing")
        patient.status = PatientStatus.ACTIVE
        flow_session = await start_flow(
            session, services, patient, body.flow_id, now=services.clock()
        )
    services.outbox.wake()
    return {"flow_session_id": flow_session.id}


@router.get("/api/flows")
async def sandbox_flows(request: Request) -> list[dict[str, str]]:
    services: Services = request.app.state.services
    return [{"id": flow.id, "title": flow.title} for flow in services.flows]


@router.get("/api/messages")
async def sandbox_messages(address: str, request: Request) -> list[dict[str, object]]:
    """The conversation one simulated phone sees, oldest first."""
    if address not in PHONES:
        raise HTTPException(404, "unknown sandbox phone")
    services: Services = request.app.state.services
    async with services.sessions() as session:
        rows = (
            await session.scalars(
                select(Message).where(Message.address == address).order_by(Message.id).limit(500)
            )
        ).all()
    return [
        {"id": m.id, "direction": m.direction, "body": m.body, "at": m.created_at.isoformat()}
        for m in rows
    ]
