"""The escalations page (`/admin` lands here), its live list, acknowledge and resolve."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from bot import audit
from bot.safety.acknowledge import acknowledge, resolve
from bot.web.admin import escalation_views
from bot.web.admin.auth import RESPONDERS, VIEWERS, can_respond, check_csrf, require, services_of
from bot.web.admin.pages import flash, fragment, render, see_other
from bot.web.api_schemas import RowId
from storage.models import Clinician, Escalation, StaffUser

router = APIRouter(prefix="/admin")

Viewer = Annotated[StaffUser, Depends(require(*VIEWERS))]
Poller = Annotated[StaffUser, Depends(require(*VIEWERS, touch=False))]
Responder = Annotated[StaffUser, Depends(require(*RESPONDERS))]


async def _board(request: Request, user: StaffUser) -> dict[str, object]:
    services = services_of(request)
    async with services.sessions() as session:
        unresolved, resolved = await escalation_views.board(session)
    return {
        "user": user,
        "can_respond": can_respond(user),
        "unresolved": unresolved,
        "resolved": resolved,
    }


@router.get("", response_class=HTMLResponse)
@router.get("/escalations", response_class=HTMLResponse)
async def escalations_page(request: Request, user: Viewer) -> Response:
    return render(request, "admin/escalations.html", await _board(request, user))


@router.get("/escalations.json")
async def escalations_live(request: Request, user: Poller) -> JSONResponse:
    """The list as HTML inside JSON, with a signature so the page swaps it only on change."""
    context = await _board(request, user)
    html = fragment(request, "admin/_escalation_list.html", context)
    return JSONResponse(
        {
            "open": len(context["unresolved"]),  # type: ignore[arg-type]
            "signature": hashlib.sha256(html.encode()).hexdigest()[:16],
            "html": html,
        }
    )


async def _act(request: Request, user: StaffUser, escalation_id: int, note: str | None) -> None:
    services = services_of(request)
    if not can_respond(user):
        raise HTTPException(403, "This account is not linked to a clinician, so it cannot act.")
    now = services.clock()
    async with services.sessions() as session, session.begin():
        escalation = await session.get(Escalation, escalation_id)
        clinician = await session.get(Clinician, user.clinician_id)
        if escalation is None or clinician is None:
            raise HTTPException(404, "No such escalation.")
        if note is None:
            reply = await acknowledge(
                session,
                services.escalation,
                clinician=clinician,
                code=escalation.code,
                now=now,
                via="dashboard",
            )
        else:
            reply = await resolve(
                session, clinician=clinician, code=escalation.code, note=note, now=now
            )
        audit.record(
            session,
            at=now,
            actor=f"staff:{user.id}",
            action="dashboard_resolve" if note is not None else "dashboard_acknowledge",
            subject=f"escalation:{escalation.id}",
        )
    flash(request, reply)


@router.post("/escalations/{escalation_id}/acknowledge", dependencies=[Depends(check_csrf)])
async def acknowledge_escalation(
    request: Request, escalation_id: RowId, user: Responder
) -> Response:
    await _act(request, user, escalation_id, None)
    return see_other("/admin/escalations")


@router.post("/escalations/{escalation_id}/resolve", dependencies=[Depends(check_csrf)])
async def resolve_escalation(
    request: Request,
    escalation_id: RowId,
    user: Responder,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if not note.strip():
        flash(request, "Write a note saying what happened before resolving.", "error")
        return see_other(f"/admin/escalations#escalation-{escalation_id}")
    await _act(request, user, escalation_id, note.strip())
    return see_other("/admin/escalations")
