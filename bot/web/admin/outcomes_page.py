"""`/admin/outcomes`: the clinic's response and remission rates beside the published ones.

Everyone signed in sees the rates (counts only, no names). The per-episode CSV behind
them is a bulk copy of the clinic's records: admins only, and audited.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from bot import audit
from bot.exports import Export
from bot.outcomes.clinic import Look, clinic_looks
from bot.outcomes.store import load_inputs
from bot.web.admin.auth import VIEWERS, require, services_of
from bot.web.admin.exports import CLINIC_EXPORTERS
from bot.web.admin.pages import render
from bot.web.api_responses import attachment
from storage.models import Patient, StaffUser

router = APIRouter(prefix="/admin/outcomes")

Viewer = Annotated[StaffUser, Depends(require(*VIEWERS))]
Exporter = Annotated[StaffUser, Depends(require(*CLINIC_EXPORTERS))]
COLUMNS = (
    "look",
    "patient_id",
    "episode_start",
    "infusions",
    "baseline",
    "latest",
    "change_percent",
    "status",
)


async def _looks(request: Request) -> list[Look]:
    services = services_of(request)
    now = services.clock()
    async with services.sessions() as session:
        # A test patient (a staff member's phone) is not one of the clinic's patients.
        patients = select(Patient.id).where(Patient.test.is_(False))
        inputs = await load_inputs(session, patients, instrument="phq9", now=now)
    return clinic_looks(sorted(inputs.items()), now=now)


@router.get("", response_class=HTMLResponse)
async def outcomes_page(request: Request, user: Viewer) -> Response:
    looks = await _looks(request)
    return render(
        request,
        "admin/outcomes.html",
        {"user": user, "looks": looks, "can_export": user.role in CLINIC_EXPORTERS},
    )


@router.get(".csv")
async def outcomes_csv(request: Request, user: Exporter) -> Response:
    looks = await _looks(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    rows = 0
    for look in looks:
        for patient_id, o in look.outcomes:
            writer.writerow(
                [
                    look.name,
                    patient_id,
                    o.episode.start.isoformat() if o.episode else "",
                    len(o.episode.infusions) if o.episode else 0,
                    o.baseline.total if o.baseline else "",
                    o.latest.total if o.latest else "",
                    "" if o.change_percent is None else o.change_percent,
                    o.status,
                ]
            )
            rows += 1
    services = services_of(request)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        audit.record(
            session, at=now, actor=f"staff:{user.id}", action="outcomes_exported", rows=rows
        )
    name = f"checkin-outcomes-{now:%Y%m%dT%H%M%SZ}.csv"
    return attachment(Export(out.getvalue(), "text/csv; charset=utf-8", name, rows))
