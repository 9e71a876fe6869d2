"""Infusions through the API: record, list, reschedule, cancel; their check-ins follow."""

from __future__ import annotations

from datetime import UTC

from fastapi import APIRouter, HTTPException, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.scheduling.infusions import cancel_infusion, move_infusion, record_infusion
from bot.scheduling.plan import QuietHours
from bot.web.admin.auth import services_of
from bot.web.api_schemas import CheckinOut, InfusionId, InfusionIn, InfusionOut, PatientId
from storage.models import CheckinStatus, Infusion, Patient, ScheduledCheckin

router = APIRouter()


async def _out(session: AsyncSession, infusion: Infusion) -> InfusionOut:
    """The infusion with its check-ins (cancelled ones left out: they will not happen)."""
    await session.flush()
    planned = (
        await session.scalars(
            select(ScheduledCheckin)
            .where(
                ScheduledCheckin.infusion_id == infusion.id,
                ScheduledCheckin.status != CheckinStatus.CANCELLED,
            )
            .order_by(ScheduledCheckin.due_at)
        )
    ).all()
    return InfusionOut(
        id=infusion.id,
        patient_id=infusion.patient_id,
        at=infusion.at,
        number=infusion.number,
        status=infusion.status,
        new_episode=infusion.new_episode,
        checkins=[CheckinOut.model_validate(c) for c in planned],
    )


async def _active(session: AsyncSession, infusion_id: int) -> Infusion:
    infusion = await session.get(Infusion, infusion_id)
    if infusion is None:
        raise HTTPException(404, "No such infusion.")
    if infusion.status == "cancelled":
        raise HTTPException(409, "This infusion was cancelled; record a new one instead.")
    return infusion


@router.post("/patients/{patient_id}/infusions", status_code=201, response_model=InfusionOut)
async def add_infusion(patient_id: PatientId, body: InfusionIn, request: Request) -> InfusionOut:
    """Record an infusion; its post-infusion check-ins are planned and returned."""
    services = services_of(request)
    now = services.clock()
    quiet = QuietHours(*services.settings.quiet_hours)
    async with services.sessions() as session, session.begin():
        patient = await session.get(Patient, patient_id)
        if patient is None:
            raise HTTPException(404, "No such patient.")
        infusion = await record_infusion(
            session,
            patient,
            at=body.at.astimezone(UTC),
            quiet=quiet,
            now=now,
            new_episode=body.new_episode,
        )
        audit.record(
            session,
            at=now,
            actor="api",
            action="infusion_recorded",
            subject=f"infusion:{infusion.id}",
            patient=patient.id,
        )
        return await _out(session, infusion)


@router.get("/patients/{patient_id}/infusions", response_model=list[InfusionOut])
async def list_infusions(patient_id: PatientId, request: Request) -> list[InfusionOut]:
    """The patient's infusions in time order, cancelled ones included (status says so)."""
    async with services_of(request).sessions() as session:
        if await session.get(Patient, patient_id) is None:
            raise HTTPException(404, "No such patient.")
        infusions = await session.scalars(
            select(Infusion).where(Infusion.patient_id == patient_id).order_by(Infusion.at)
        )
        return [await _out(session, i) for i in infusions.all()]


@router.patch("/infusions/{infusion_id}", response_model=InfusionOut)
async def move(infusion_id: InfusionId, body: InfusionIn, request: Request) -> InfusionOut:
    """Reschedule an infusion: its unsent check-ins are planned again from the new time."""
    services = services_of(request)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        infusion = await _active(session, infusion_id)
        patient = await session.get(Patient, infusion.patient_id)
        assert patient is not None
        quiet = QuietHours(*services.settings.quiet_hours)
        await move_infusion(
            session, patient, infusion, at=body.at.astimezone(UTC), quiet=quiet, now=now
        )
        if "new_episode" in body.model_fields_set:
            infusion.new_episode = body.new_episode
        audit.record(
            session, at=now, actor="api", action="infusion_moved", subject=f"infusion:{infusion.id}"
        )
        return await _out(session, infusion)


@router.delete("/infusions/{infusion_id}", response_model=InfusionOut)
async def cancel(infusion_id: InfusionId, request: Request) -> InfusionOut:
    """Cancel an infusion and the check-ins it had planned that have not gone out."""
    services = services_of(request)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        infusion = await _active(session, infusion_id)
        await cancel_infusion(session, infusion, now=now)
        audit.record(
            session,
            at=now,
            actor="api",
            action="infusion_cancelled",
            subject=f"infusion:{infusion.id}",
        )
        return await _out(session, infusion)
