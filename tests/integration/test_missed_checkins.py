"""Silence is a signal: missed check-ins alert the clinician on call when they matter."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from bot.clock import ManualClock
from bot.scheduler import tick_checkins
from bot.scheduling.infusions import record_infusion
from bot.scheduling.plan import QuietHours
from bot.services import Services
from storage.models import Patient
from tests.builders import PATIENT_PHONE, PRIMARY_PHONE, clinic_with_rota
from tests.conftest import post_sms
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.telegram_helpers import link_clinician

NY = ZoneInfo("America/New_York")


async def live_through(services: Services, clock: ManualClock, hours: int) -> None:
    end = clock.now + timedelta(hours=hours)
    while clock.now < end:
        await tick_checkins(services)
        await services.outbox.drain()
        clock.advance(minutes=30)


def alerts(fake: FakeTwilio) -> list[str]:
    return [body for body in fake.to(PRIMARY_PHONE) if body.startswith("Check-in alert")]


async def test_one_missed_daily_check_in_alerts_nobody(
    services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await clinic_with_rota(services)
    clock.now = datetime(2026, 11, 28, 8, 0, tzinfo=NY)
    await live_through(services, clock, hours=20)
    assert alerts(fake_twilio) == []


async def test_two_missed_daily_check_ins_in_a_row_alert_the_clinician_on_call(
    services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await clinic_with_rota(services)
    clock.now = datetime(2026, 11, 28, 8, 0, tzinfo=NY)
    await live_through(services, clock, hours=44)
    [alert] = alerts(fake_twilio)
    assert "Alex Rivera" in alert and "missed 2 check-ins in a row" in alert


async def test_a_missed_post_infusion_check_in_alerts_at_once(
    services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    ids = await clinic_with_rota(services)
    clock.now = datetime(2026, 11, 30, 9, 30, tzinfo=NY)
    async with services.sessions() as session, session.begin():
        patient = await session.get(Patient, ids["patient"])
        assert patient is not None
        await record_infusion(
            session,
            patient,
            at=datetime(2026, 11, 30, 10, 0, tzinfo=NY),
            quiet=QuietHours(),
            now=clock.now,
        )
    await live_through(services, clock, hours=14)  # until 23:30, past the evening window
    [alert] = alerts(fake_twilio)
    assert "missed a post-infusion check-in" in alert


async def test_silence_after_a_low_mood_answer_alerts_at_once(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await clinic_with_rota(services)
    clock.now = datetime(2026, 11, 28, 8, 0, tzinfo=NY)
    await live_through(services, clock, hours=2)  # the 09:00 check-in goes out
    for text in ["2", "everything", "3", "2", "5", "no"]:
        await post_sms(client, sender=PATIENT_PHONE, body=text)
    await services.outbox.drain()
    await live_through(services, clock, hours=30)  # the next day's check-in goes unanswered
    [alert] = alerts(fake_twilio)
    assert "after a low mood answer (2/10)" in alert


async def test_an_alert_for_a_clinician_with_a_chat_but_no_telegram_sender_still_arrives_by_sms(
    services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    ids = await clinic_with_rota(services)
    await link_clinician(services, ids["primary"])  # linked once; Telegram is off here
    clock.now = datetime(2026, 11, 28, 8, 0, tzinfo=NY)
    await live_through(services, clock, hours=44)
    [alert] = alerts(fake_twilio)
    assert "missed 2 check-ins in a row" in alert
