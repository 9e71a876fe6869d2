"""`POST /admin/patients/{id}/scores`: a PHQ-9 or GAD-7 total taken outside the bot (intake
paper, a visit, a phone call), as `checkin score add` records it; the outcome follows."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response

from bot.outcomes.definitions import NAMES
from bot.outcomes.store import ScoreProblem, record_score
from bot.web.admin.auth import OFFICE, check_csrf, require, services_of
from bot.web.admin.pages import flash, local, see_other
from bot.web.admin.times import parse_local
from bot.web.api_schemas import RowId
from storage.models import Patient, StaffUser

router = APIRouter(prefix="/admin/patients")

Office = Annotated[StaffUser, Depends(require(*OFFICE))]
SOURCES = {"intake": "intake", "visit": "a visit", "phone": "a phone call", "other": "other"}
FIELDS = {"instrument": "Instrument", "total": "Total", "at": "Taken"}


@router.post("/{patient_id}/scores", dependencies=[Depends(check_csrf)])
async def add_score(
    request: Request,
    patient_id: RowId,
    user: Office,
    instrument: Annotated[str, Form(max_length=8)] = "",
    total: Annotated[str, Form(max_length=4)] = "",
    at: Annotated[str, Form(max_length=40)] = "",
    source: Annotated[str, Form(max_length=8)] = "intake",
) -> Response:
    services = services_of(request)
    now = services.clock()
    back = see_other(f"/admin/patients/{patient_id}#scores-h")
    async with services.sessions() as session, session.begin():
        patient = await session.get(Patient, patient_id)
        if patient is None:
            raise HTTPException(404, "No such patient.")
        when = parse_local(at, patient.timezone)
        problem = None
        if not total.strip().isdigit():
            problem = "Total: enter a whole number."
        elif when is None:
            problem = "Taken: enter the date and time it was taken."
        elif source not in SOURCES:
            problem = "From: choose where the score comes from."
        if problem is not None or when is None:
            flash(request, f"Score not recorded. {problem}", "error")
            return back
        try:
            score = await record_score(
                session,
                services.flows,
                patient_id=patient_id,
                instrument=instrument,
                total=int(total),
                at=when,
                source=source,
                now=now,
                actor=f"staff:{user.id}",
            )
        except ScoreProblem as exc:
            flash(
                request, f"Score not recorded. {FIELDS.get(exc.field, exc.field)}: {exc}", "error"
            )
            return back
        text = (
            f"Recorded {NAMES.get(instrument, instrument)} {score.total} from {SOURCES[source]}, "
            f"taken {local(when, patient.timezone)}" + (f" ({score.band})." if score.band else ".")
        )
    flash(request, text)
    return back
