"""The service as it runs: health, readiness, metrics, the woken outbox, and clean logs."""

from __future__ import annotations

import asyncio
import logging

import httpx
import structlog

from bot.app import create_app
from bot.bootstrap import build_services
from bot.config import Settings
from bot.logs import configure_logging
from bot.services import Services
from tests.builders import PATIENT_PHONE, PRIMARY_PHONE, clinic_with_rota
from tests.conftest import PUBLIC_BASE_URL, post_sms
from tests.fakes.twilio_api import FakeTwilio


async def test_health_and_readiness_answer_on_a_migrated_database(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


async def test_metrics_expose_the_outbox_backlog(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert "checkin_outbox_backlog" in response.text


async def test_the_page_leaves_at_once_without_waiting_for_a_scheduler_tick(
    settings: Settings, fake_twilio: FakeTwilio
) -> None:
    # A one-hour tick: only the wake-up after commit can send the page in time.
    slow = settings.model_copy(update={"outbox_tick_seconds": 3600.0})
    services = build_services(slow)
    await clinic_with_rota(services)
    app = create_app(services=services, background=True)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=PUBLIC_BASE_URL) as client,
    ):
        await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
        for _ in range(200):
            if fake_twilio.to(PRIMARY_PHONE):
                break
            await asyncio.sleep(0.025)
    assert len(fake_twilio.to(PRIMARY_PHONE)) == 1


async def test_logs_carry_neither_message_bodies_nor_full_phone_numbers(
    client: httpx.AsyncClient,
    services: Services,
    fake_twilio: FakeTwilio,
) -> None:
    configure_logging("json", logging.DEBUG)
    await clinic_with_rota(services)
    try:
        with structlog.testing.capture_logs() as captured:
            await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself tonight")
            await services.outbox.drain()
    finally:
        structlog.reset_defaults()
    rendered = repr(captured)
    assert captured, "expected log lines for an escalation"
    assert "kill myself" not in rendered
    assert PATIENT_PHONE not in rendered and PRIMARY_PHONE not in rendered
    assert "+1******0111" in rendered
