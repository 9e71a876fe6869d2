"""`check`-level messages: the bot asks directly; yes, unclear or silence escalates."""

from __future__ import annotations

import httpx
import pytest

from bot.clock import ManualClock
from bot.safety.safety_check import SAFETY_QUESTION
from bot.safety.screening import screen
from bot.scheduler import tick_safety
from bot.services import Services
from tests.builders import PATIENT_PHONE, PRIMARY_PHONE, clinic_with_rota
from tests.conftest import post_sms
from tests.fakes.twilio_api import FakeTwilio

POSSIBLE_RISK = "I can't do this anymore"


def test_the_possible_risk_message_used_here_screens_as_check() -> None:
    assert screen(POSSIBLE_RISK).level == "check"


async def ask(client: httpx.AsyncClient, services: Services, fake: FakeTwilio) -> None:
    await clinic_with_rota(services)
    await post_sms(client, sender=PATIENT_PHONE, body=POSSIBLE_RISK)
    await services.outbox.drain()
    assert fake.to(PATIENT_PHONE) == [SAFETY_QUESTION]
    assert fake.to(PRIMARY_PHONE) == []


@pytest.mark.parametrize("answer", ["yes", "Yeah kind of", "idk", "sometimes", "🤷"])
async def test_yes_or_unclear_to_the_safety_question_pages_on_call(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, answer: str
) -> None:
    await ask(client, services, fake_twilio)

    await post_sms(client, sender=PATIENT_PHONE, body=answer)
    await services.outbox.drain()

    [page] = fake_twilio.to(PRIMARY_PHONE)
    assert POSSIBLE_RISK in page and answer in page
    assert "988" in fake_twilio.to(PATIENT_PHONE)[-1]


@pytest.mark.parametrize("answer", ["no", "No.", "nope", "no i'm not", "No, I'm safe"])
async def test_a_clear_no_is_recorded_and_pages_nobody(
    client: httpx.AsyncClient,
    services: Services,
    fake_twilio: FakeTwilio,
    clock: ManualClock,
    answer: str,
) -> None:
    await ask(client, services, fake_twilio)

    await post_sms(client, sender=PATIENT_PHONE, body=answer)
    await services.outbox.drain()
    clock.advance(minutes=20)
    await tick_safety(services)
    await services.outbox.drain()

    assert fake_twilio.to(PRIMARY_PHONE) == []
    assert "Your care team will read your message" in fake_twilio.to(PATIENT_PHONE)[-1]


async def test_no_answer_within_fifteen_minutes_pages_on_call(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await ask(client, services, fake_twilio)

    clock.advance(minutes=14)
    await tick_safety(services)
    await services.outbox.drain()
    assert fake_twilio.to(PRIMARY_PHONE) == []

    clock.advance(minutes=1, seconds=1)
    await tick_safety(services)
    await services.outbox.drain()
    [page] = fake_twilio.to(PRIMARY_PHONE)
    assert "did not answer the safety question" in page
