"""Export check-in answers (CSV or FHIR), recording who exported what in the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

import flows
from bot import audit
from bot.exports import fhir, spreadsheet
from bot.exports.records import ExportFilter, load, recorded_scores

Format = Literal["csv", "fhir"]
FORMATS: tuple[Format, ...] = ("csv", "fhir")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "fhir": "application/fhir+json"}
EXTENSIONS = {"csv": "csv", "fhir": "json"}


@dataclass(frozen=True)
class Export:
    body: str
    media_type: str
    filename: str
    count: int  # CSV: data rows; FHIR: QuestionnaireResponses


async def export_responses(
    session: AsyncSession,
    *,
    fmt: Format,
    filt: ExportFilter,
    library: flows.FlowLibrary,
    base_url: str,
    actor: str,
    now: datetime,
) -> Export:
    """Build the export and add its audit row to `session` (the caller commits)."""
    records = await load(session, filt, library)
    recorded = await recorded_scores(session, filt)
    if fmt == "csv":
        body, count = spreadsheet.to_csv(records, recorded)
    else:
        body, count = fhir.to_json(
            records, base_url=base_url, generated_at=spreadsheet.utc_iso(now), recorded=recorded
        )
    audit.record(
        session,
        at=now,
        actor=actor,
        action="responses_exported",
        subject=f"patient:{filt.patient_id}" if filt.patient_id is not None else None,
        format=fmt,
        rows=count,
        **filt.describe(),
    )
    scope = f"patient-{filt.patient_id}" if filt.patient_id is not None else "clinic"
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    filename = f"checkin-responses-{scope}-{stamp}.{EXTENSIONS[fmt]}"
    return Export(body, MEDIA_TYPES[fmt], filename, count)
