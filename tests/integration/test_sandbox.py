"""The sandbox a newcomer sees after `make run`: walk a check-in and an escalation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.bootstrap import build_services
from bot.clock import ManualClock
from bot.config import Settings
from bot.services import Services
from bot.web.sandbox import DEMO_CLINICIAN_PHONE, DEMO_PATIENT_PHONE, seed_demo
from storage.models import Clinician, OnCallShift
from tests.builders import clinic_with_rota
from tests.conftest import PUBLIC_BASE_URL


@pytest.fixture
async def sandbox(
    settings: Settings, clock: ManualClock
) -> AsyncIterator[tuple[httpx.AsyncClient, Services]]:
    no_channel = {"sandbox": True, "twilio_account_sid": None, "twilio_auth_token": None}
    services = build_services(settings.model_copy(update=no_channel), clock=clock)
    await seed_demo(services)
    app = create_app(services=services, background=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=PUBLIC_BASE_URL
    ) as client:
        yield client, services
    await services.close()


async def thread(client: httpx.AsyncClient, phone: str) -> list[str]:
    response = await client.get("/sandbox/api/messages", params={"address": phone})
    assert response.status_code == 200
    return [m["body"] for m in response.json()]


async def test_send_check_in_now_starts_the_flow_on_the_demo_patients_phone(
    sandbox: tuple[httpx.AsyncClient, Services],
) -> None:
    client, services = sandbox

    assert (await client.post("/sandbox/api/checkin", json={})).status_code == 200
    await services.outbox.drain()
    await client.post("/sandbox/api/send", json={"address": DEMO_PATIENT_PHONE, "text": "8"})
    await services.outbox.drain()

    said = await thread(client, DEMO_PATIENT_PHONE)
    assert said[0].startswith("Hi Demo, how is your mood today")
    assert said[1] == "8"
    assert len(said) == 3


async def test_a_risky_sandbox_message_pages_the_demo_clinician_who_can_ack_there(
    sandbox: tuple[httpx.AsyncClient, Services],
) -> None:
    client, services = sandbox

    sent = await client.post(
        "/sandbox/api/send", json={"address": DEMO_PATIENT_PHONE, "text": "i want to die"}
    )
    await services.outbox.drain()
    [page] = await thread(client, DEMO_CLINICIAN_PHONE)
    code = page.split("Reply ACK ")[1].split()[0]
    await client.post(
        "/sandbox/api/send", json={"address": DEMO_CLINICIAN_PHONE, "text": f"ACK {code}"}
    )
    await services.outbox.drain()

    assert sent.json()["level"] == "urgent"
    assert (await thread(client, DEMO_CLINICIAN_PHONE))[-1].startswith(f"Acknowledged {code}")
    assert "has seen your message" in (await thread(client, DEMO_PATIENT_PHONE))[-1]


async def test_the_sandbox_refuses_phones_that_are_not_its_own(
    sandbox: tuple[httpx.AsyncClient, Services],
) -> None:
    client, _ = sandbox
    response = await client.post(
        "/sandbox/api/send", json={"address": "+12025550111", "text": "hi"}
    )
    assert response.status_code == 404
    assert (await client.post("/sandbox/api/checkin", json={"flow_id": "nope"})).status_code == 404


async def test_the_sandbox_never_puts_its_demo_clinician_on_a_real_clinics_rota(
    services: Services,
) -> None:
    await clinic_with_rota(services)  # a real clinic: clinicians and a rota

    await seed_demo(services)

    async with services.sessions() as session:
        shifts = (await session.scalars(select(OnCallShift))).all()
        demo = await session.scalar(
            select(Clinician).where(Clinician.phone == DEMO_CLINICIAN_PHONE)
        )
    assert demo is not None
    assert demo.id not in {shift.clinician_id for shift in shifts}
