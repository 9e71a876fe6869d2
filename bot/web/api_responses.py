"""Exports through the API: a patient's or the clinic's answers as CSV or FHIR R4."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from bot.exports import Export, ExportFilter, Format, export_responses
from bot.exports.records import parse_bound
from bot.web.admin.auth import services_of
from bot.web.api_schemas import PatientId
from storage.models import Patient

router = APIRouter()

FormatQuery = Annotated[
    Format, Query(description="csv: one row per answer; fhir: a FHIR R4 Bundle (JSON)")
]
_BOUND = "A date (2026-11-01, midnight UTC) or an ISO 8601 time with an offset"
SinceQuery = Annotated[
    str | None, Query(max_length=40, description=f"Started on or after. {_BOUND}")
]
UntilQuery = Annotated[str | None, Query(max_length=40, description=f"Started before. {_BOUND}")]
_DOWNLOAD: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The export, as an attachment",
        "content": {"text/csv": {}, "application/fhir+json": {}},
    }
}


def filter_of(patient_id: int | None, since: str | None, until: str | None) -> ExportFilter:
    """The filter, or a 422 naming the bad bound."""
    bounds = {}
    for name, raw in (("since", since), ("until", until)):
        try:
            bounds[name] = parse_bound(raw) if raw else None
        except ValueError as exc:
            raise HTTPException(422, {name: str(exc)}) from None
    return ExportFilter(patient_id, bounds["since"], bounds["until"])


def attachment(export: Export) -> Response:
    return Response(
        export.body,
        media_type=export.media_type,
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )


async def download(request: Request, fmt: Format, filt: ExportFilter, actor: str) -> Response:
    """Build, audit and commit the export, then send it (404 for an unknown patient)."""
    services = services_of(request)
    async with services.sessions() as session, session.begin():
        if filt.patient_id is not None and await session.get(Patient, filt.patient_id) is None:
            raise HTTPException(404, "No such patient.")
        export = await export_responses(
            session,
            fmt=fmt,
            filt=filt,
            library=services.flows,
            base_url=services.settings.public_base_url,
            actor=actor,
            now=services.clock(),
        )
    return attachment(export)


@router.get("/patients/{patient_id}/responses", responses=_DOWNLOAD)
async def patient_responses(
    patient_id: PatientId,
    request: Request,
    format: FormatQuery = "fhir",
    since: SinceQuery = None,
    until: UntilQuery = None,
) -> Response:
    """One patient's check-in answers and scores (audited)."""
    return await download(request, format, filter_of(patient_id, since, until), "api")


@router.get("/responses", responses=_DOWNLOAD)
async def clinic_responses(
    request: Request,
    format: FormatQuery = "fhir",
    since: SinceQuery = None,
    until: UntilQuery = None,
) -> Response:
    """Every patient's check-in answers and scores (audited)."""
    return await download(request, format, filter_of(None, since, until), "api")
