"""A daily check-in as the patient lives it: scheduled, asked, answered, escalated on a yes."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from bot.clock import ManualClock
from bot.scheduler import tick_checkins
from bot.services import Services
from storage.models import Answer, FlowSession, ScheduledCheckin
from tests.builders import PATIENT_PHONE, PRIMARY_PHONE, clinic_with_rota
from tests.conftest import post_sms
from tests.fakes.twilio_api import FakeTwilio


async def reply(client: httpx.AsyncClient, services: Services, text: str) -> None:
    await post_sms(client, sender=PATIENT_PHONE, body=text)
    await services.outbox.drain()


async def first_question(services: Services, clock: ManualClock) -> None:
    """Enroll at 10:00 New York; the first daily check-in goes out at 09:00 the next day."""
    await clinic_with_rota(services)
    await tick_checkins(services)
    async with services.sessions() as session:
        row = await session.scalar(select(ScheduledCheckin))
    assert row is not None
    assert row.due_at == datetime(2026, 11, 28, 14, 0, tzinfo=UTC)  # 09:00 EST
    clock.now = row.due_at
    await tick_checkins(services)
    await services.outbox.drain()


async def test_the_daily_check_in_arrives_at_the_patients_local_time(
    services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await clinic_with_rota(services)
    clock.now = datetime(2026, 11, 28, 13, 59, tzinfo=UTC)
    await tick_checkins(services)
    await services.outbox.drain()
    assert fake_twilio.to(PATIENT_PHONE) == []

    clock.now = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
    await tick_checkins(services)
    await services.outbox.drain()

    assert fake_twilio.to(PATIENT_PHONE) == [
        "Hi Alex, how is your mood today from 0 (worst) to 10 (best)?"
    ]


async def test_a_patient_answers_in_their_own_words_and_the_answers_are_stored(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await first_question(services, clock)

    for text in ["about a 7", "ok", "3", "nausea and headache", "nope"]:
        await reply(client, services, text)

    said = fake_twilio.to(PATIENT_PHONE)
    assert said[1].startswith("How did you sleep last night?")
    assert said[-1].startswith("Thank you, Alex. Your care team sees your answers.")
    async with services.sessions() as session:
        answers = {a.step_id: a.value for a in (await session.scalars(select(Answer))).all()}
        flow_session = await session.scalar(select(FlowSession))
    assert answers == {
        "mood": 7,
        "sleep": "ok",
        "anxiety": 3,
        "side_effects": ["nausea", "headache"],
        "safety": "no",
    }
    assert flow_session is not None and flow_session.status == "completed"
    assert fake_twilio.to(PRIMARY_PHONE) == []


async def test_an_unreadable_answer_gets_a_reprompt_that_shows_what_is_expected(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await first_question(services, clock)

    await reply(client, services, "purple")

    reprompt = fake_twilio.to(PATIENT_PHONE)[-1]
    assert "0" in reprompt and "10" in reprompt


async def test_sometimes_to_the_safety_question_pages_the_clinician_on_call(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await first_question(services, clock)

    for text in ["5", "2", "4", "5", "sometimes"]:
        await reply(client, services, text)

    [page] = fake_twilio.to(PRIMARY_PHONE)
    assert "Alex Rivera" in page and "sometimes" in page
    assert any("988" in m for m in fake_twilio.to(PATIENT_PHONE))


async def test_silence_gets_one_reminder_then_the_check_in_is_marked_missed(
    services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await first_question(services, clock)

    clock.advance(hours=2, seconds=1)
    await tick_checkins(services)
    await services.outbox.drain()
    clock.advance(hours=4)
    await tick_checkins(services)
    await services.outbox.drain()

    assert len(fake_twilio.to(PATIENT_PHONE)) == 2
    async with services.sessions() as session:
        first = await session.scalar(select(ScheduledCheckin).order_by(ScheduledCheckin.id))
    assert first is not None and first.status == "missed"
