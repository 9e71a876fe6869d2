"""The admin API as an EHR would use it: bearer token, patients, infusions, answers."""

from __future__ import annotations

import httpx

from bot.services import Services
from tests.admin.api_client import AUTH, TOKEN, api
from tests.admin.history import MOODS, patient_with_history

__all__ = ["api"]  # the fixture, imported for pytest


async def test_without_the_token_or_with_a_wrong_one_the_api_answers_401(
    api: tuple[httpx.AsyncClient, Services],
) -> None:
    client, _ = api
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        response = await client.get("/api/patients", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"


async def test_the_api_is_closed_when_no_admin_token_is_set(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/patients", headers={"Authorization": "Bearer "})
    assert response.status_code == 401
    assert "ADMIN_TOKEN is unset" in response.json()["detail"]


async def test_an_ehr_enrolls_a_patient_and_reads_them_back(
    api: tuple[httpx.AsyncClient, Services],
) -> None:
    client, _ = api
    created = await client.post(
        "/api/patients", headers=AUTH, json={"name": "Kim Park", "phone": "202-555-0160"}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["phone"], body["timezone"], body["status"]) == (
        "+12025550160",
        "America/New_York",
        "active",
    )

    assert (await client.get(f"/api/patients/{body['id']}", headers=AUTH)).json() == body
    assert [p["name"] for p in (await client.get("/api/patients", headers=AUTH)).json()] == [
        "Kim Park"
    ]
    duplicate = await client.post(
        "/api/patients", headers=AUTH, json={"name": "Kim Park", "phone": "+12025550160"}
    )
    assert duplicate.status_code == 409


async def test_an_ehr_enrolls_a_patient_with_their_own_quiet_hours(
    api: tuple[httpx.AsyncClient, Services],
) -> None:
    client, _ = api
    good = await client.post(
        "/api/patients",
        headers=AUTH,
        json={"name": "Kim Park", "phone": "+12025550160", "quiet_hours": "22:00-7:00"},
    )
    bad = await client.post(
        "/api/patients",
        headers=AUTH,
        json={"name": "Lee Park", "phone": "+12025550161", "quiet_hours": "late"},
    )
    assert good.status_code == 201, good.text
    assert good.json()["quiet_hours"] == "22:00-07:00"
    assert bad.status_code == 422
    assert "such as 22:00-07:00 or 10pm-7am" in bad.json()["detail"]["quiet_hours"]


async def test_invalid_enrollment_fields_are_named_in_a_422(
    api: tuple[httpx.AsyncClient, Services],
) -> None:
    client, _ = api
    response = await client.post(
        "/api/patients",
        headers=AUTH,
        json={"name": "Kim", "phone": "12", "timezone": "Nowhere", "checkin_time": "25:00"},
    )
    assert response.status_code == 422
    assert set(response.json()["detail"]) == {"phone", "timezone", "checkin_time"}


async def test_recording_an_infusion_returns_the_planned_post_infusion_check_ins(
    api: tuple[httpx.AsyncClient, Services],
) -> None:
    client, _ = api
    patient = (
        await client.post(
            "/api/patients", headers=AUTH, json={"name": "Kim", "phone": "+12025550160"}
        )
    ).json()

    response = await client.post(
        f"/api/patients/{patient['id']}/infusions",
        headers=AUTH,
        json={"at": "2026-11-28T10:00:00-05:00"},
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["number"] == 1
    assert [c["flow_id"] for c in body["checkins"]][:2] == [
        "post-infusion-evening",
        "post-infusion-morning",
    ]
    naive = await client.post(
        f"/api/patients/{patient['id']}/infusions", headers=AUTH, json={"at": "2026-11-28T10:00"}
    )
    assert naive.status_code == 422


async def test_answers_and_escalations_are_listed_and_an_unknown_patient_is_404(
    api: tuple[httpx.AsyncClient, Services],
) -> None:
    client, services = api
    patient_id = await patient_with_history(services)

    answers = (await client.get(f"/api/patients/{patient_id}/answers", headers=AUTH)).json()
    assert [a["value"] for a in answers] == MOODS
    assert (await client.get("/api/escalations?state=open", headers=AUTH)).json() == []
    for path in ("/api/patients/999", "/api/patients/999/answers"):
        assert (await client.get(path, headers=AUTH)).status_code == 404
    missing = await client.post(
        "/api/patients/999/infusions", headers=AUTH, json={"at": "2026-11-28T10:00:00Z"}
    )
    assert missing.status_code == 404


async def test_the_openapi_document_describes_every_api_route_with_bearer_auth(
    api: tuple[httpx.AsyncClient, Services],
) -> None:
    client, _ = api
    document = (await client.get("/openapi.json")).json()
    api_paths = {p for p in document["paths"] if p.startswith("/api/")}
    assert api_paths == {
        "/api/patients",
        "/api/patients/{patient_id}",
        "/api/patients/{patient_id}/infusions",
        "/api/patients/{patient_id}/answers",
        "/api/patients/{patient_id}/scores",
        "/api/patients/{patient_id}/outcomes",
        "/api/patients/{patient_id}/checkins",
        "/api/patients/{patient_id}/responses",
        "/api/responses",
        "/api/infusions/{infusion_id}",
        "/api/escalations",
        "/api/flows",
        "/api/flows/{flow_id}",
        "/api/flows/{flow_id}/versions/{version}",
        "/api/flows/{flow_id}/drafts",
        "/api/flows/{flow_id}/versions/{version}/publish",
    }
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
