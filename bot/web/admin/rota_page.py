"""`/admin/rota`: who is on call now and next, the shifts, adding an override, and ending
or removing a shift."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.clinicians import ClinicianError, register, roles_held, set_active
from bot.safety.rota import RotationError, everyone_active, start_rotation
from bot.web.admin import rota_views
from bot.web.admin.auth import OFFICE, VIEWERS, check_csrf, require, services_of
from bot.web.admin.pages import ask_first, flash, local, render, see_other
from bot.web.admin.times import parse_local
from bot.web.api_schemas import RowId
from storage.models import Clinician, OnCallRole, OnCallShift, StaffUser

router = APIRouter(prefix="/admin/rota")

Viewer = Annotated[StaffUser, Depends(require(*VIEWERS))]
Office = Annotated[StaffUser, Depends(require(*OFFICE))]
LONGEST = timedelta(days=31)  # an override is a cover, not a new rota
Field = Annotated[str, Form(max_length=40)]


@dataclass
class OverrideForm:
    clinician_id: str = ""
    role: str = OnCallRole.PRIMARY
    starts: str = ""
    ends: str = ""
    errors: dict[str, str] = field(default_factory=dict)


async def _page(
    request: Request, user: StaffUser, form: OverrideForm, status: int = 200
) -> Response:
    services = services_of(request)
    now = services.clock()
    async with services.sessions() as session:
        board = await rota_views.on_call_now_and_next(session, now=now)
        listed = await rota_views.shifts(session, now=now)
        rotations = await rota_views.rotations(session)
        everyone = (await session.scalars(select(Clinician).order_by(Clinician.id))).all()
    return render(
        request,
        "admin/rota.html",
        {
            "user": user,
            "board": board,
            "shifts": listed,
            "rotations": rotations,
            "clinicians": sorted((c for c in everyone if c.active), key=lambda c: c.name),
            "all_clinicians": everyone,
            "roles": OnCallRole.ALL,
            "form": form,
            "can_edit": user.role in OFFICE,
        },
        status_code=status,
    )


@router.get("", response_class=HTMLResponse)
async def rota_page(request: Request, user: Viewer) -> Response:
    return await _page(request, user, OverrideForm())


def _check(
    form: OverrideForm, clinicians: list[Clinician], zone: str, now: datetime
) -> tuple[datetime, datetime | None] | None:
    if not any(str(c.id) == form.clinician_id for c in clinicians):
        form.errors["clinician_id"] = "Choose an active clinician."
    if form.role not in OnCallRole.ALL:
        form.errors["role"] = "Choose primary, backup or director."
    starts, ends = parse_local(form.starts, zone), parse_local(form.ends, zone)
    if starts is None:
        form.errors["starts"] = "Enter when the cover starts."
    if ends is None and form.ends.strip():
        form.errors["ends"] = "Enter the end as a date and time, or leave it empty."
    elif ends is None:
        pass  # until further notice, as `checkin oncall set` without --to
    elif ends <= now:
        form.errors["ends"] = "This end time has already passed."
    elif starts is not None and ends <= starts:
        form.errors["ends"] = "The end must be after the start."
    elif starts is not None and ends - starts > LONGEST:
        form.errors["ends"] = "An override is at most 31 days; longer changes belong in the rota."
    if form.errors or starts is None:
        return None
    return starts, ends


@router.post("", dependencies=[Depends(check_csrf)])
async def add_override(
    request: Request,
    user: Office,
    clinician_id: Field = "",
    role: Field = "",
    starts: Field = "",
    ends: Field = "",
) -> Response:
    services = services_of(request)
    now = services.clock()
    zone = services.settings.clinic_timezone
    form = OverrideForm(clinician_id=clinician_id, role=role, starts=starts, ends=ends)
    async with services.sessions() as session, session.begin():
        clinicians = await everyone_active(session)
        span = _check(form, clinicians, zone, now)
        if span is not None:
            shift = await _add(session, user, form, span, now)
            name = next(c.name for c in clinicians if c.id == shift.clinician_id)
    if span is None:
        return await _page(request, user, form, 422)
    flash(
        request,
        f"{name} is {role} on call from {local(span[0], zone)} "
        + (f"to {local(span[1], zone)}." if span[1] else "until further notice."),
    )
    return see_other("/admin/rota")


async def _add(
    session: AsyncSession,
    user: StaffUser,
    form: OverrideForm,
    span: tuple[datetime, datetime | None],
    now: datetime,
) -> OnCallShift:
    shift = OnCallShift(
        role=form.role,
        clinician_id=int(form.clinician_id),
        starts_at=span[0],
        ends_at=span[1],
        # created_at is left to the model's default, as `checkin oncall set` does: the
        # newest covering shift wins, and that must be comparable with theirs.
    )
    session.add(shift)
    await session.flush()
    audit.record(
        session,
        at=now,
        actor=f"staff:{user.id}",
        action="oncall_override_added",
        subject=f"shift:{shift.id}",
        role=form.role,
        clinician=shift.clinician_id,
        starts_at=span[0].isoformat(),
        ends_at=span[1].isoformat() if span[1] else None,
    )
    return shift


@router.post("/shifts/{shift_id}/end", dependencies=[Depends(check_csrf)])
async def end_shift(
    request: Request,
    shift_id: RowId,
    user: Office,
    confirmed: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """End a shift now, or remove one that has not begun; asks first."""
    services = services_of(request)
    now = services.clock()
    zone = services.settings.clinic_timezone
    async with services.sessions() as session, session.begin():
        shift = await session.get(OnCallShift, shift_id)
        if shift is None:
            raise HTTPException(404, "No such shift.")
        clinician = await session.get(Clinician, shift.clinician_id)
        name = clinician.name if clinician else f"clinician {shift.clinician_id}"
        if shift.ends_at is not None and shift.ends_at <= now:
            flash(request, "That shift has already ended.", "error")
            return see_other("/admin/rota")
        started = shift.starts_at <= now
        what = (
            f"{name}'s {shift.role} shift, on since {local(shift.starts_at, zone)}"
            if started
            else f"{name}'s {shift.role} shift from {local(shift.starts_at, zone)}"
        )
        if confirmed != "yes":
            return ask_first(
                request,
                user,
                title="End this shift?" if started else "Remove this shift?",
                question=f"{'End' if started else 'Remove'} {what}?",
                consequence=(
                    "Pages for the role then go to whoever another shift puts on call; "
                    "if nobody is, the ladder skips to its next rung. The rota page shows "
                    "who is on call after the change."
                ),
                action=f"/admin/rota/shifts/{shift.id}/end",
                yes="Yes, end it now" if started else "Yes, remove it",
                no="No, keep it",
                back="/admin/rota",
            )
        audit.record(
            session,
            at=now,
            actor=f"staff:{user.id}",
            action="oncall_shift_ended" if started else "oncall_shift_removed",
            subject=f"shift:{shift.id}",
            role=shift.role,
            clinician=shift.clinician_id,
        )
        if started:
            shift.ends_at = now
        else:
            await session.delete(shift)
    flash(request, f"{'Ended' if started else 'Removed'} {what}.")
    return see_other("/admin/rota")


@router.post("/clinicians", dependencies=[Depends(check_csrf)])
async def add_clinician(
    request: Request,
    user: Office,
    name: Annotated[str, Form(max_length=200)] = "",
    phone: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Register a clinician the ladder can page, as `checkin clinician add` does."""
    services = services_of(request)
    try:
        async with services.sessions() as session, session.begin():
            clinician = await register(
                session, name=name, phone=phone, now=services.clock(), actor=f"staff:{user.id}"
            )
            added = f"Added {clinician.name} (clinician id {clinician.id}); put them on call below."
    except ClinicianError as problem:
        flash(request, f"Not added: {problem}.", "error")
        return see_other("/admin/rota#clinicians")
    flash(request, added)
    return see_other("/admin/rota#clinicians")


@router.post("/rotations", dependencies=[Depends(check_csrf)])
async def add_rotation(
    request: Request,
    user: Office,
    role: Field = "",
    clinicians: Annotated[str, Form(max_length=200)] = "",
    handover: Field = "",
    starts: Field = "",
) -> Response:
    """Start a weekly rotation, as `checkin oncall rotation set` does."""
    services = services_of(request)
    now = services.clock()
    zone = services.settings.clinic_timezone
    typed = [part for part in clinicians.replace(" ", ",").split(",") if part]
    begins = parse_local(starts, zone) if starts.strip() else now
    if not all(part.isdigit() for part in typed):
        flash(request, "Rotation not started: Clinicians: ids separated by commas.", "error")
        return see_other("/admin/rota#rotations")
    if begins is None:
        flash(request, "Rotation not started: From: a date and time, or empty.", "error")
        return see_other("/admin/rota#rotations")
    ids = [int(part) for part in typed]
    try:
        async with services.sessions() as session, session.begin():
            names = await start_rotation(
                session,
                role=role,
                clinician_ids=ids,
                handover=handover,
                zone=zone,
                starts=begins,
                now=now,
                actor=f"staff:{user.id}",
            )
    except RotationError as problem:
        label = {"role": "Role", "clinicians": "Clinicians", "handover": "Handover"}
        flash(request, f"Rotation not started: {label[problem.field]}: {problem}.", "error")
        return see_other("/admin/rota#rotations")
    flash(
        request,
        f"{role} now rotates weekly, handing over {handover.strip().lower()} ({zone}): "
        + ", ".join(names)
        + f", from {local(begins, zone)}.",
    )
    return see_other("/admin/rota#rotations")


@router.post("/clinicians/{clinician_id}/deactivate", dependencies=[Depends(check_csrf)])
async def deactivate_clinician(
    request: Request,
    clinician_id: RowId,
    user: Office,
    confirmed: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """A clinician who has left: no page reaches them again. Asks first, naming the roles
    they hold now."""
    services = services_of(request)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        clinician = await session.get(Clinician, clinician_id)
        if clinician is None:
            raise HTTPException(404, "No such clinician.")
        if confirmed != "yes" and clinician.active:
            held = await roles_held(session, clinician, at=now)
            gap = (
                f"They are on call now as {' and '.join(held)}: after this nobody is, and "
                "pages for that role go to the ladder's next rung. Put someone else on call "
                "first."
                if held
                else "They are not on call now. Shifts and rotations that name them skip them."
            )
            return ask_first(
                request,
                user,
                title=f"Deactivate {clinician.name}?",
                question=f"Deactivate {clinician.name}? No page will reach them again.",
                consequence=gap,
                action=f"/admin/rota/clinicians/{clinician.id}/deactivate",
                yes="Yes, deactivate",
                no="No, keep them",
                back="/admin/rota#clinicians",
            )
        await set_active(session, clinician, active=False, now=now, actor=f"staff:{user.id}")
        name = clinician.name
    flash(request, f"Deactivated {name}: the ladder and the rota skip them.")
    return see_other("/admin/rota#clinicians")


@router.post("/clinicians/{clinician_id}/reactivate", dependencies=[Depends(check_csrf)])
async def reactivate_clinician(request: Request, clinician_id: RowId, user: Office) -> Response:
    services = services_of(request)
    async with services.sessions() as session, session.begin():
        clinician = await session.get(Clinician, clinician_id)
        if clinician is None:
            raise HTTPException(404, "No such clinician.")
        await set_active(
            session, clinician, active=True, now=services.clock(), actor=f"staff:{user.id}"
        )
        name = clinician.name
    flash(request, f"Reactivated {name}: shifts and rotations that name them apply again.")
    return see_other("/admin/rota#clinicians")
