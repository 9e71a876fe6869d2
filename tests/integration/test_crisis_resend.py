"""Crisis resources again for a patient still writing long into an open escalation."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.config import Settings
from bot.services import Services
from storage.models import AuditEvent
from tests.builders import PATIENT_PHONE, PRIMARY_PHONE, clinic_with_rota
from tests.conftest import post_sms, served
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.test_risky_sms_pages_on_call import code_in


def crisis_messages(fake: FakeTwilio) -> list[str]:
    return [body for body in fake.to(PATIENT_PHONE) if "988" in body and "741741" in body]


async def say(client: httpx.AsyncClient, services: Services, body: str) -> None:
    await post_sms(client, sender=PATIENT_PHONE, body=body)
    await services.outbox.drain()


async def test_writing_again_within_the_hour_brings_no_second_crisis_message(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await clinic_with_rota(services)
    await say(client, services, "I want to kill myself")

    clock.advance(minutes=59)
    await say(client, services, "is anyone there")
    await say(client, services, "I still want to die")

    assert len(crisis_messages(fake_twilio)) == 1
    assert "We have passed your message to the clinician." in fake_twilio.to(PATIENT_PHONE)
    assert "is anyone there" in fake_twilio.to(PRIMARY_PHONE)[-2]


async def test_after_the_interval_the_next_message_brings_the_resources_once_more(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await clinic_with_rota(services)
    await say(client, services, "I want to kill myself")

    clock.advance(minutes=61)
    await say(client, services, "is anyone there")
    clock.advance(minutes=5)
    await say(client, services, "hello?")
    clock.advance(minutes=60)
    await say(client, services, "I took the pills")  # urgent: joins the same escalation

    assert len(crisis_messages(fake_twilio)) == 3
    async with services.sessions() as session:
        resent = await session.scalar(
            select(func.count()).where(AuditEvent.action == "crisis_resent")
        )
    assert resent == 2


async def test_resending_goes_on_after_a_clinician_acknowledges_until_it_is_resolved(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await clinic_with_rota(services)
    await say(client, services, "I want to kill myself")
    code = code_in(fake_twilio.to(PRIMARY_PHONE)[0])
    await post_sms(client, sender=PRIMARY_PHONE, body=f"ACK {code}")
    await services.outbox.drain()

    clock.advance(minutes=90)
    await say(client, services, "still here")
    await post_sms(client, sender=PRIMARY_PHONE, body=f"RESOLVE {code} spoke, safe plan")
    await services.outbox.drain()
    clock.advance(minutes=90)
    await say(client, services, "thanks for calling")

    assert len(crisis_messages(fake_twilio)) == 2
    assert fake_twilio.to(PATIENT_PHONE)[-1] == (
        "Thank you, Alex. Your care team will see your message."
    )


async def test_crisis_resend_minutes_sets_the_interval(
    settings: Settings, clock: ManualClock, fake_twilio: FakeTwilio
) -> None:
    local = settings.model_copy(update={"crisis_resend_minutes": 10})
    async with served(local, clock) as (built, client):
        await clinic_with_rota(built)
        await say(client, built, "I want to kill myself")
        clock.advance(minutes=9)
        await say(client, built, "hello?")
        clock.advance(minutes=2)
        await say(client, built, "hello??")

    assert len(crisis_messages(fake_twilio)) == 2
