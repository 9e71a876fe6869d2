"""One safety tick moves every due escalation, however many batches that takes."""

from __future__ import annotations

import httpx
import pytest

from bot import scheduler
from bot.clock import ManualClock
from bot.services import Services
from tests.builders import BACKUP_PHONE, add_clinician, enroll_patient, put_on_call
from tests.conftest import post_sms
from tests.fakes.twilio_api import FakeTwilio


async def test_a_tick_pages_the_next_rung_for_more_escalations_than_one_batch_holds(
    client: httpx.AsyncClient,
    services: Services,
    fake_twilio: FakeTwilio,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(scheduler, "SWEEP_BATCH", 2)
    primary = await add_clinician(services, name="Dr Primary", phone="+12025550121")
    backup = await add_clinician(services, name="Dr Backup", phone=BACKUP_PHONE)
    await put_on_call(services, primary=primary, backup=backup)
    for i in range(5):
        phone = f"+1202555014{i}"
        await enroll_patient(services, name=f"Patient {i}", phone=phone)
        await post_sms(client, sender=phone, body="I want to kill myself")
    await services.outbox.drain()

    clock.advance(minutes=5, seconds=1)
    moved = await scheduler.tick_safety(services)
    await services.outbox.drain()

    assert moved == 5
    assert len(fake_twilio.to(BACKUP_PHONE)) == 5
