"""Twenty risky texts at once from one sender open one escalation: one crisis text, one
page. On PostgreSQL each message has its own connection, and an unknown number has no row
to lock; before the per-sender lock, 20 texts opened up to 9 escalations. Runs on both."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import select

from bot.services import Services
from storage.models import Escalation
from tests.builders import PATIENT_PHONE, PRIMARY_PHONE, clinic_with_rota
from tests.conftest import post_sms
from tests.fakes.twilio_api import FakeTwilio

UNKNOWN = "+12025550111"


@pytest.mark.parametrize("sender", [UNKNOWN, PATIENT_PHONE], ids=["unknown number", "patient"])
async def test_twenty_risky_texts_at_once_open_one_escalation(
    sender: str, client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await clinic_with_rota(services)

    responses = await asyncio.gather(
        *(post_sms(client, sender=sender, body=f"I want to kill myself {n}") for n in range(20))
    )
    await services.outbox.drain()

    assert [r.status_code for r in responses] == [200] * 20
    async with services.sessions() as session:
        escalations = (await session.scalars(select(Escalation))).all()
    assert len(escalations) == 1
    assert len([b for b in fake_twilio.to(sender) if "988" in b]) == 1
    assert len([b for b in fake_twilio.to(PRIMARY_PHONE) if "URGENT" in b]) == 1
