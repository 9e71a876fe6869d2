"""Record, reschedule and cancel infusions from the patient page; their check-ins follow."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.scheduling.infusions import cancel_infusion, move_infusion, record_infusion
from bot.scheduling.plan import QuietHours
from bot.web.admin.auth import OFFICE, check_csrf, require, services_of
from bot.web.admin.pages import ask_first, flash, local, see_other
from bot.web.admin.times import parse_local
from bot.web.api_schemas import RowId
from storage.models import CheckinStatus, Infusion, Patient, ScheduledCheckin, StaffUser

router = APIRouter(prefix="/admin")

Office = Annotated[StaffUser, Depends(require(*OFFICE))]
At = Annotated[str, Form(max_length=40)]
# Far enough for a booster plan or a late entry; further is almost surely a typo.
FURTHEST = timedelta(days=366)


def _back(patient_id: int) -> Response:
    return see_other(f"/admin/patients/{patient_id}#infusions")


def _when(request: Request, raw: str, patient: Patient, now: datetime) -> datetime | None:
    """The typed time, or None after flashing what is wrong with it."""
    when = parse_local(raw, patient.timezone)
    if when is None:
        flash(request, "Enter the infusion's date and time.", "error")
    elif abs(when - now) > FURTHEST:
        flash(request, "That date is more than a year away; check the year.", "error")
        return None
    return when


async def _planned(session: AsyncSession, infusion: Infusion) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(ScheduledCheckin)
        .where(
            ScheduledCheckin.infusion_id == infusion.id,
            ScheduledCheckin.status == CheckinStatus.DUE,
        )
    )
    return int(count or 0)


async def _infusion(session: AsyncSession, infusion_id: int) -> tuple[Infusion, Patient]:
    infusion = await session.get(Infusion, infusion_id)
    patient = await session.get(Patient, infusion.patient_id) if infusion else None
    if infusion is None or patient is None:
        raise HTTPException(404, "No such infusion.")
    return infusion, patient


async def _done(
    session: AsyncSession, user: StaffUser, action: str, infusion: Infusion, now: datetime
) -> int:
    """Audit the change; return how many check-ins the infusion now has planned."""
    audit.record(
        session,
        at=now,
        actor=f"staff:{user.id}",
        action=action,
        subject=f"infusion:{infusion.id}",
        patient=infusion.patient_id,
        infusion_at=infusion.at.isoformat(),
    )
    return await _planned(session, infusion)


@router.post("/patients/{patient_id}/infusions", dependencies=[Depends(check_csrf)])
async def record(
    request: Request,
    patient_id: RowId,
    user: Office,
    at: At = "",
    new_episode: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    services = services_of(request)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        patient = await session.get(Patient, patient_id)
        if patient is None:
            raise HTTPException(404, "No such patient.")
        when = _when(request, at, patient, now)
        if when is None:
            return _back(patient_id)
        quiet = QuietHours(*services.settings.quiet_hours)
        infusion = await record_infusion(
            session, patient, at=when, quiet=quiet, now=now, new_episode=bool(new_episode)
        )
        planned = await _done(session, user, "infusion_recorded", infusion, now)
        text = (
            f"Recorded infusion {infusion.number} on {local(when, patient.timezone)}"
            f"{' as the start of a new episode' if infusion.new_episode else ''}; "
            f"{planned} check-ins planned after it."
        )
    flash(request, text)
    return _back(patient_id)


@router.post("/infusions/{infusion_id}/move", dependencies=[Depends(check_csrf)])
async def move(request: Request, infusion_id: RowId, user: Office, at: At = "") -> Response:
    services = services_of(request)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        infusion, patient = await _infusion(session, infusion_id)
        if infusion.status == "cancelled":
            flash(request, "That infusion was cancelled; record a new one instead.", "error")
            return _back(patient.id)
        when = _when(request, at, patient, now)
        if when is None:
            return _back(patient.id)
        quiet = QuietHours(*services.settings.quiet_hours)
        await move_infusion(session, patient, infusion, at=when, quiet=quiet, now=now)
        planned = await _done(session, user, "infusion_moved", infusion, now)
        text = (
            f"Moved infusion {infusion.number} to {local(when, patient.timezone)}; "
            f"{planned} check-ins now planned after it."
        )
    flash(request, text)
    return _back(patient.id)


def _what_cancelling_drops(planned: int) -> str:
    dropped = {
        0: "It has no check-ins still planned.",
        1: "Its planned check-in will not be sent.",
    }.get(planned, f"Its {planned} planned check-ins will not be sent.")
    return f"{dropped} To change only the time, go back and reschedule it instead."


@router.post("/infusions/{infusion_id}/cancel", dependencies=[Depends(check_csrf)])
async def cancel(
    request: Request,
    infusion_id: RowId,
    user: Office,
    confirmed: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    services = services_of(request)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        infusion, patient = await _infusion(session, infusion_id)
        if infusion.status == "cancelled":
            flash(request, "That infusion was already cancelled.", "error")
            return _back(patient.id)
        if confirmed != "yes":  # the button asks first; this page is the question
            planned = await _planned(session, infusion)
            return ask_first(
                request,
                user,
                title=f"Cancel infusion {infusion.number}?",
                question=(
                    f"Cancel infusion {infusion.number} for {patient.name}, "
                    f"{local(infusion.at, patient.timezone)}?"
                ),
                consequence=_what_cancelling_drops(planned),
                action=f"/admin/infusions/{infusion.id}/cancel",
                yes="Yes, cancel the infusion",
                no="No, keep it",
                back=f"/admin/patients/{patient.id}#infusions",
            )
        removed = await cancel_infusion(session, infusion, now=now)
        await _done(session, user, "infusion_cancelled", infusion, now)
        text = (
            f"Cancelled infusion {infusion.number} ({local(infusion.at, patient.timezone)}); "
            f"{removed} check-ins it had planned will not be sent."
        )
    flash(request, text)
    return _back(patient.id)
