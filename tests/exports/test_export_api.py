"""Exports through the admin API: what an EHR downloads, and the audit row it leaves."""

from __future__ import annotations

import csv
import io

import httpx
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from bot.clock import ManualClock
from bot.services import Services
from storage.models import AuditEvent
from tests.admin.api_client import AUTH, api
from tests.exports.conversations import clinic_with_answers

__all__ = ["api"]  # the fixture, imported for pytest
Api = tuple[httpx.AsyncClient, Services]


async def test_a_patients_responses_download_as_a_fhir_bundle_attachment(
    api: Api, clock: ManualClock
) -> None:
    client, services = api
    clinic = await clinic_with_answers(client, services, clock)

    response = await client.get(f"/api/patients/{clinic.patient}/responses", headers=AUTH)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/fhir+json"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="checkin-responses-patient-{clinic.patient}-20261129T152200Z.json"'
    )
    bundle = Bundle.model_validate_json(response.text)
    subjects = {
        e.resource.subject.reference
        for e in bundle.entry or []
        if e.resource.get_resource_type() == "QuestionnaireResponse"
    }
    assert subjects == {f"Patient/{clinic.patient}"}
    async with services.sessions() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "responses_exported")
        )
    assert event is not None and event.detail is not None
    assert (event.actor, event.subject, event.detail["rows"]) == (
        "api",
        f"patient:{clinic.patient}",
        3,
    )


async def test_the_clinic_csv_covers_every_patient_within_the_dates_asked(
    api: Api, clock: ManualClock
) -> None:
    client, services = api
    clinic = await clinic_with_answers(client, services, clock)

    response = await client.get(
        "/api/responses", headers=AUTH, params={"format": "csv", "until": "2026-11-28"}
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["patient_id"] for r in table} == {str(clinic.patient), str(clinic.other)}
    assert {r["flow_id"] for r in table} == {"daily-checkin"}


async def test_bad_export_requests_are_refused_with_a_reason_and_not_audited(
    api: Api, clock: ManualClock
) -> None:
    client, services = api
    await clinic_with_answers(client, services, clock)
    refusals = {
        "/api/responses?format=xml": 422,
        "/api/responses?since=yesterday": 422,
        "/api/responses?until=2026-11-28T10:00": 422,
        "/api/patients/4242/responses": 404,
    }
    for path, status in refusals.items():
        response = await client.get(path, headers=AUTH)
        assert response.status_code == status, path
    naive = await client.get("/api/responses?until=2026-11-28T10:00", headers=AUTH)
    assert naive.json()["detail"] == {
        "until": "'2026-11-28T10:00' needs a UTC offset or Z (e.g. 2026-11-01T09:00-05:00)"
    }
    async with services.sessions() as session:
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert "responses_exported" not in actions


async def test_a_score_from_intake_paper_is_in_both_exports(api: Api, clock: ManualClock) -> None:
    client, services = api
    clinic = await clinic_with_answers(client, services, clock)
    recorded = await client.post(
        f"/api/patients/{clinic.patient}/scores",
        headers=AUTH,
        json={"instrument": "phq9", "total": 19, "at": "2026-11-26T09:00:00-05:00"},
    )
    assert recorded.status_code == 201

    table = list(
        csv.DictReader(
            io.StringIO(
                (
                    await client.get(
                        f"/api/patients/{clinic.patient}/responses",
                        headers=AUTH,
                        params={"format": "csv"},
                    )
                ).text
            )
        )
    )
    bundle = (await client.get(f"/api/patients/{clinic.patient}/responses", headers=AUTH)).json()

    [row] = [r for r in table if r["value"] == "19"]
    assert (row["record"], row["item_id"], row["band"]) == ("score", "phq9", "moderately severe")
    assert "recorded by staff: intake" in row["question"]
    observations = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
    ]
    [intake] = [o for o in observations if o["valueInteger"] == 19]
    assert intake["code"]["coding"][0]["code"] == "44261-6" and "derivedFrom" not in intake
    assert intake["effectiveDateTime"] == "2026-11-26T14:00:00Z"
