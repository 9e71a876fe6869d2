"""The admin API against its own OpenAPI document: the document is valid OpenAPI, and
schemathesis' generated requests (valid and invalid, with the token) get no 5xx and
responses that match the document."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.generation.hypothesis.builder import (
    HypothesisTestConfig,
    HypothesisTestMode,
    create_test,
)
from schemathesis.specs.openapi.checks import response_schema_conformance

from bot.app import create_app
from bot.bootstrap import build_services
from bot.clock import ManualClock
from bot.config import Settings
from tests.admin.api_client import AUTH, TOKEN
from tests.conftest import PUBLIC_BASE_URL

# Enough to find the classic 500s (huge ids, NUL bytes, odd unicode, wrong types) while the
# whole run stays within about a minute per database on a shared two-core machine.
EXAMPLES = 25
FUZZ = hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same requests on every run: CI is reproducible
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)


@pytest.fixture
def api_app(settings: Settings, clock: ManualClock) -> Iterator[tuple[FastAPI, TestClient]]:
    services = build_services(settings.model_copy(update={"admin_token": TOKEN}), clock=clock)
    app = create_app(services=services, background=False)
    with TestClient(app, base_url=PUBLIC_BASE_URL) as client:
        try:
            yield app, client
        finally:
            # The engine's connections belong to the client's event loop: close them there.
            client.portal.call(services.close)  # type: ignore[union-attr]


def send(client: TestClient, case: schemathesis.Case) -> Any:
    kwargs = case.as_transport_kwargs(base_url=PUBLIC_BASE_URL, headers=AUTH)
    if not kwargs.get("cookies"):
        kwargs.pop("cookies", None)
    if isinstance(kwargs.get("data"), str | bytes):  # raw body: httpx calls that `content`
        kwargs["content"] = kwargs.pop("data")
    return client.request(**kwargs)


def test_the_openapi_document_is_valid_openapi(api_app: tuple[FastAPI, TestClient]) -> None:
    app, client = api_app
    document = client.get("/openapi.json").json()
    validate(document)
    assert document == app.openapi()
    assert any(p.startswith("/api/") for p in document["paths"])


def test_generated_requests_get_no_server_error_from_any_api_route(
    api_app: tuple[FastAPI, TestClient],
) -> None:
    app, client = api_app
    # Something for the generated ids to find: a patient with an infusion.
    patient = client.post(
        "/api/patients", headers=AUTH, json={"name": "Kim Park", "phone": "+12025550160"}
    ).json()
    client.post(
        f"/api/patients/{patient['id']}/infusions",
        headers=AUTH,
        json={"at": "2026-11-30T10:00:00-05:00"},
    )
    schema = schemathesis.openapi.from_dict(app.openapi())
    schema.config.generation.update(modes=list(schemathesis.GenerationMode))
    # Schemathesis' own test builder (what its pytest plugin runs): the schema's examples,
    # then boundary and type-confusion cases (coverage), then random fuzzing.
    config = HypothesisTestConfig(
        project=schema.config, modes=list(HypothesisTestMode), settings=FUZZ
    )
    operations = [r.ok() for r in schema.get_all_operations()]
    api = [op for op in operations if op.path.startswith("/api/")]
    assert len(api) == 20
    sent: list[int] = []

    def check(case: schemathesis.Case) -> None:
        response = send(client, case)
        sent.append(response.status_code)
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

    for operation in api:
        create_test(operation=operation, test_func=check, config=config)()
    # The run reached the routes' logic, not only the request checks.
    assert {200, 201, 404, 422} <= set(sent)
