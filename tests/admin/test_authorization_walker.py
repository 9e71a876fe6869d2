"""Every dashboard and API route, walked: anonymous and wrong-role requests are refused,
POSTs need the CSRF token, and ids that do not exist are 404s."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from bot.app import create_app
from bot.bootstrap import build_services
from bot.clock import ManualClock
from bot.config import Settings
from bot.services import Services
from storage.models import Patient
from tests.admin.staff import add_staff, form_token, sign_in
from tests.builders import add_clinician, enroll_patient
from tests.conftest import PUBLIC_BASE_URL

ALL = {"admin", "staff", "clinician", "flow_editor"}
FLOW_EDITORS = {"admin", "flow_editor"}
OFFICE = {"admin", "staff"}
ADMIN = {"admin"}
RESPOND = {"admin", "clinician"}
PUBLIC = {("GET", "/admin/login"), ("POST", "/admin/login"), ("POST", "/admin/logout")}
# Who may use each dashboard route. A new route fails the walker until it is listed here.
ROLES = {
    ("GET", "/admin"): ALL,
    ("GET", "/admin/escalations"): ALL,
    ("GET", "/admin/escalations.json"): ALL,
    ("POST", "/admin/escalations/{escalation_id}/acknowledge"): RESPOND,
    ("POST", "/admin/escalations/{escalation_id}/resolve"): RESPOND,
    ("GET", "/admin/patients"): ALL,
    ("GET", "/admin/patients/new"): OFFICE,
    ("POST", "/admin/patients"): OFFICE,
    ("GET", "/admin/patients/{patient_id}"): ALL,
    ("POST", "/admin/patients/{patient_id}/pause"): OFFICE,
    ("POST", "/admin/patients/{patient_id}/resume"): OFFICE,
    ("GET", "/admin/patients/{patient_id}/edit"): OFFICE,
    ("POST", "/admin/patients/{patient_id}/edit"): OFFICE,
    ("POST", "/admin/patients/{patient_id}/infusions"): OFFICE,
    ("POST", "/admin/patients/{patient_id}/checkins"): OFFICE,
    ("POST", "/admin/patients/{patient_id}/scores"): OFFICE,
    ("GET", "/admin/outcomes"): ALL,
    ("GET", "/admin/outcomes.csv"): ADMIN,
    ("POST", "/admin/review/signals/{signal_id}/seen"): RESPOND,
    ("POST", "/admin/patients/{patient_id}/telegram-link"): OFFICE,
    ("POST", "/admin/infusions/{infusion_id}/move"): OFFICE,
    ("POST", "/admin/infusions/{infusion_id}/cancel"): OFFICE,
    ("GET", "/admin/rota"): ALL,
    ("POST", "/admin/rota"): OFFICE,
    ("POST", "/admin/rota/shifts/{shift_id}/end"): OFFICE,
    ("POST", "/admin/rota/clinicians"): OFFICE,
    ("POST", "/admin/rota/clinicians/{clinician_id}/deactivate"): OFFICE,
    ("POST", "/admin/rota/clinicians/{clinician_id}/reactivate"): OFFICE,
    ("POST", "/admin/rota/rotations"): OFFICE,
    ("GET", "/admin/audit"): ADMIN,
    ("GET", "/admin/review"): ALL,
    ("POST", "/admin/review/{message_id}/read"): RESPOND,
    ("GET", "/admin/flows"): ALL,
    ("GET", "/admin/flows/{flow_id}"): ALL,
    ("GET", "/admin/flows/{flow_id}/preview"): ALL,
    ("POST", "/admin/flows/{flow_id}/preview"): ALL,
    ("GET", "/admin/flows/{flow_id}/edit"): FLOW_EDITORS,
    ("POST", "/admin/flows/{flow_id}/drafts"): FLOW_EDITORS,
    ("POST", "/admin/flows/{flow_id}/copy"): FLOW_EDITORS,
    ("GET", "/admin/flows/{flow_id}/versions/{version}"): ALL,
    ("POST", "/admin/flows/{flow_id}/versions/{version}/publish"): FLOW_EDITORS,
    ("POST", "/admin/flows/{flow_id}/versions/{version}/rollback"): FLOW_EDITORS,
    ("POST", "/admin/flows/{flow_id}/versions/{version}/test"): FLOW_EDITORS,
    ("GET", "/admin/flows/{flow_id}/history"): ALL,
    ("GET", "/admin/flows/{flow_id}/diff"): ALL,
    ("GET", "/admin/password"): ALL,
    ("POST", "/admin/password"): ALL,
    ("GET", "/admin/users"): ADMIN,
    ("POST", "/admin/users"): ADMIN,
    ("POST", "/admin/users/{user_id}/deactivate"): ADMIN,
    ("POST", "/admin/users/{user_id}/reactivate"): ADMIN,
    ("POST", "/admin/users/{user_id}/role"): ADMIN,
    ("POST", "/admin/users/{user_id}/password"): ADMIN,
    ("GET", "/admin/patients/{patient_id}/responses"): ALL,
    ("GET", "/admin/responses"): {"admin"},
}
# Every admin API route; all of them need the bearer token, and nothing else lets a caller in.
API_ROUTES = {
    ("GET", "/api/patients"),
    ("POST", "/api/patients"),
    ("GET", "/api/patients/{patient_id}"),
    ("PATCH", "/api/patients/{patient_id}"),
    ("GET", "/api/patients/{patient_id}/answers"),
    ("GET", "/api/patients/{patient_id}/infusions"),
    ("POST", "/api/patients/{patient_id}/infusions"),
    ("POST", "/api/patients/{patient_id}/scores"),
    ("POST", "/api/patients/{patient_id}/checkins"),
    ("GET", "/api/patients/{patient_id}/outcomes"),
    ("GET", "/api/patients/{patient_id}/responses"),
    ("PATCH", "/api/infusions/{infusion_id}"),
    ("DELETE", "/api/infusions/{infusion_id}"),
    ("GET", "/api/responses"),
    ("GET", "/api/escalations"),
    ("GET", "/api/flows"),
    ("GET", "/api/flows/{flow_id}"),
    ("GET", "/api/flows/{flow_id}/versions/{version}"),
    ("POST", "/api/flows/{flow_id}/drafts"),
    ("POST", "/api/flows/{flow_id}/versions/{version}/publish"),
}
TOKEN = "walker-token-0123456789"


def routes(app: FastAPI, prefix: str) -> set[tuple[str, str]]:
    """Every route under `prefix`, read from the OpenAPI document (FastAPI's public view of
    its routes; no dashboard route is hidden from it)."""
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith(prefix)
        for method in operations
    }


def concrete(path: str, ident: int) -> str:
    """The path with every `{..._id}` (and a flow's `{version}`) filled in with `ident`."""
    return re.sub(r"\{(?:\w+_id|version)\}", str(ident), path)


@pytest.fixture
async def walker(
    settings: Settings, clock: ManualClock
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, Services]]:
    services = build_services(settings.model_copy(update={"admin_token": TOKEN}), clock=clock)
    app = create_app(services=services, background=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_BASE_URL) as http:
        yield app, http, services
    await services.close()


async def test_every_dashboard_route_has_a_declared_audience(
    walker: tuple[FastAPI, httpx.AsyncClient, Services],
) -> None:
    app, _, _ = walker
    assert routes(app, "/admin") == set(ROLES) | PUBLIC


async def test_anonymous_visitors_are_sent_to_sign_in_and_change_nothing(
    walker: tuple[FastAPI, httpx.AsyncClient, Services],
) -> None:
    _, client, services = walker
    patient_id = await enroll_patient(services)
    for method, path in ROLES:
        response = await client.request(method, concrete(path, patient_id), data={"note": "x"})
        if method == "GET":
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/admin/login?next="), path
        else:
            assert response.status_code in {303, 403}, path
    async with services.sessions() as session:
        patient = await session.scalar(select(Patient))
    assert patient is not None and patient.status == "active"


@pytest.mark.parametrize("role", sorted(ALL))
async def test_a_signed_in_user_is_refused_every_route_their_role_does_not_allow(
    walker: tuple[FastAPI, httpx.AsyncClient, Services], role: str
) -> None:
    _, client, services = walker
    patient_id = await enroll_patient(services)
    clinician_id = await add_clinician(services, name="Dr Linked", phone="+12025550140")
    await sign_in(client, await add_staff(services, role=role, clinician_id=clinician_id))
    token = await form_token(client)
    refused = [(m, p) for (m, p), allowed in ROLES.items() if role not in allowed]
    assert refused or role == "admin"
    for method, path in refused:
        data = {"csrf_token": token, "name": "X", "phone": "+12025550141", "timezone": "UTC"}
        response = await client.request(method, concrete(path, patient_id), data=data)
        assert response.status_code == 403, (role, path)
        if method == "GET":  # a page in words, inside the dashboard, not raw JSON
            assert "This page is not open to your role" in response.text, path
            assert f"with the <strong>{role}</strong> role" in response.text, path


async def test_every_post_without_the_right_csrf_token_is_refused(
    walker: tuple[FastAPI, httpx.AsyncClient, Services],
) -> None:
    _, client, services = walker
    patient_id = await enroll_patient(services)
    clinician_id = await add_clinician(services, name="Dr Linked", phone="+12025550140")
    await sign_in(client, await add_staff(services, role="admin", clinician_id=clinician_id))
    posts = [p for m, p in {*ROLES, *PUBLIC} if m == "POST"]
    for path in posts:
        for data in ({}, {"csrf_token": "forged"}):
            response = await client.post(concrete(path, patient_id), data={**data, "note": "x"})
            assert response.status_code == 403, path
            assert "This form has expired" in response.text
    async with services.sessions() as session:
        assert (await session.scalars(select(Patient.status))).all() == ["active"]


async def test_ids_that_do_not_exist_are_404_for_an_allowed_user(
    walker: tuple[FastAPI, httpx.AsyncClient, Services],
) -> None:
    _, client, services = walker
    clinician_id = await add_clinician(services, name="Dr Linked", phone="+12025550140")
    await sign_in(client, await add_staff(services, role="admin", clinician_id=clinician_id))
    token = await form_token(client)
    with_ids = [(m, p) for m, p in ROLES if "{" in p]
    # An unknown id, zero, and one past any database integer (once a driver crash, a 500).
    for ident in (424242, 0, 10**20):
        for method, path in with_ids:
            data = {"csrf_token": token, "note": "checked"}
            response = await client.request(method, concrete(path, ident), data=data)
            assert response.status_code == 404, (path, ident)


async def test_every_api_route_refuses_requests_without_the_token_even_from_a_signed_in_admin(
    walker: tuple[FastAPI, httpx.AsyncClient, Services],
) -> None:
    app, client, services = walker
    api_routes = routes(app, "/api")
    assert api_routes == API_ROUTES
    for method, path in api_routes:
        response = await client.request(method, concrete(path, 1), json={})
        assert response.status_code == 401, path
    await sign_in(client, await add_staff(services, role="admin"))
    for method, path in api_routes:
        response = await client.request(method, concrete(path, 1), json={})
        assert response.status_code == 401, path
        wrong = await client.request(
            method, concrete(path, 1), json={}, headers={"Authorization": "Bearer nope"}
        )
        assert wrong.status_code == 401, path
