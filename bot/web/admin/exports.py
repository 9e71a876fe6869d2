"""Download buttons: a patient's answers, or every patient's, as CSV or FHIR (audited).

Who may download: anyone signed in may download one patient's answers (the same
rows the patient page already shows them); only admins may download every
patient's at once, a bulk copy of the clinic's records.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from bot.exports import ExportFilter, Format
from bot.exports.records import parse_bound
from bot.web.admin.auth import VIEWERS, require
from bot.web.admin.pages import flash, see_other
from bot.web.api_responses import download
from bot.web.api_schemas import PatientId
from storage.models import StaffRole, StaffUser

router = APIRouter(prefix="/admin")

CLINIC_EXPORTERS = (StaffRole.ADMIN,)
Viewer = Annotated[StaffUser, Depends(require(*VIEWERS))]
Exporter = Annotated[StaffUser, Depends(require(*CLINIC_EXPORTERS))]
FormatQuery = Annotated[Format, Query()]
DateQuery = Annotated[str, Query(max_length=40)]


def _dates(since: str, until: str) -> ExportFilter:
    """The filter from the form's date fields (left empty: no bound). ValueError if bad."""
    return ExportFilter(
        None,
        parse_bound(since) if since.strip() else None,
        parse_bound(until) if until.strip() else None,
    )


@router.get("/patients/{patient_id}/responses")
async def patient_download(
    request: Request, patient_id: PatientId, user: Viewer, format: FormatQuery = "csv"
) -> Response:
    return await download(request, format, ExportFilter(patient_id), f"staff:{user.id}")


@router.get("/responses")
async def clinic_download(
    request: Request,
    user: Exporter,
    format: FormatQuery = "csv",
    since: DateQuery = "",
    until: DateQuery = "",
) -> Response:
    try:
        filt = _dates(since, until)
    except ValueError as exc:
        flash(request, f"Nothing exported: {exc}.", "error")
        return see_other("/admin/patients")
    return await download(request, format, filt, f"staff:{user.id}")
