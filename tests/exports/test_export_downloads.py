"""The dashboard's download buttons: the file staff get, who may get it, the audit row."""

from __future__ import annotations

import csv
import io
import re

import httpx
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from bot.clock import ManualClock
from bot.services import Services
from storage.models import AuditEvent, StaffUser
from tests.admin.staff import add_staff, sign_in
from tests.exports.conversations import clinic_with_answers


async def staff_id(services: Services, email: str) -> int:
    async with services.sessions() as session:
        found = await session.scalar(select(StaffUser.id).where(StaffUser.email == email))
    assert found is not None
    return found


async def test_a_clinician_downloads_a_patients_answers_from_the_patient_page(
    client: httpx.AsyncClient, services: Services, clock: ManualClock
) -> None:
    clinic = await clinic_with_answers(client, services, clock)
    email = await add_staff(services, role="clinician")
    await sign_in(client, email)

    page = (await client.get(f"/admin/patients/{clinic.patient}")).text
    links = re.findall(r'href="(/admin/patients/\d+/responses\?format=\w+)" download>', page)
    assert links == [
        f"/admin/patients/{clinic.patient}/responses?format=csv",
        f"/admin/patients/{clinic.patient}/responses?format=fhir",
    ]
    response = await client.get(links[0])

    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith(
        f'attachment; filename="checkin-responses-patient-{clinic.patient}-'
    )
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["patient_id"] for r in table} == {str(clinic.patient)}
    assert [r["item_id"] for r in table if r["record"] == "score"] == ["phq9"]
    async with services.sessions() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "responses_exported")
        )
    assert event is not None and event.detail is not None
    assert event.actor == f"staff:{await staff_id(services, email)}"
    assert (event.detail["format"], event.detail["rows"]) == ("csv", len(table))


async def test_only_an_admin_gets_the_clinic_wide_export_and_it_parses_as_fhir(
    client: httpx.AsyncClient, services: Services, clock: ManualClock
) -> None:
    clinic = await clinic_with_answers(client, services, clock)
    await sign_in(client, await add_staff(services, role="staff"))
    assert "Export every patient" not in (await client.get("/admin/patients")).text
    assert (await client.get("/admin/responses?format=csv")).status_code == 403

    await client.post("/admin/logout")
    await sign_in(client, await add_staff(services, role="admin"))
    assert "Export every patient" in (await client.get("/admin/patients")).text
    response = await client.get(
        "/admin/responses", params={"format": "fhir", "since": "2026-11-27", "until": ""}
    )

    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="checkin-responses-clinic-'
    )
    bundle = Bundle.model_validate_json(response.text)
    subjects = {
        e.resource.subject.reference
        for e in bundle.entry or []
        if e.resource.get_resource_type() == "QuestionnaireResponse"
    }
    assert subjects == {f"Patient/{clinic.patient}", f"Patient/{clinic.other}"}


async def test_a_date_the_export_cannot_read_is_explained_and_nothing_is_exported(
    client: httpx.AsyncClient, services: Services, clock: ManualClock
) -> None:
    await clinic_with_answers(client, services, clock)
    await sign_in(client, await add_staff(services, role="admin"))

    response = await client.get("/admin/responses", params={"format": "csv", "since": "soon"})

    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert "Nothing exported: &#39;soon&#39; is not a date" in page.text
    async with services.sessions() as session:
        assert "responses_exported" not in (await session.scalars(select(AuditEvent.action))).all()
