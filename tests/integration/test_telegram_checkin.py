"""A daily check-in on Telegram: questions come with buttons, and a tap answers like typing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.scheduler import tick_checkins
from bot.services import Services
from storage.models import Answer
from tests.builders import PATIENT_PHONE, clinic_with_rota
from tests.conftest import post_update, with_telegram
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.telegram_helpers import PATIENT_CHAT, link_patient


@pytest.fixture
def settings(settings: Settings, fake_telegram_server: tuple[FakeTelegram, str]) -> Settings:
    return with_telegram(settings, fake_telegram_server)


async def tap(
    client: httpx.AsyncClient, services: Services, fake: FakeTelegram, data: str
) -> dict[str, Any]:
    """Tap the button that sends `data`; return the callback query."""
    update = fake.button_tap(PATIENT_CHAT, data)
    await post_update(client, update)
    await services.outbox.drain()
    return dict(update["callback_query"])


async def test_a_check_in_answered_by_buttons_is_stored_as_if_typed(
    client: httpx.AsyncClient,
    services: Services,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
    clock: ManualClock,
) -> None:
    ids = await clinic_with_rota(services)
    await link_patient(services, ids["patient"])
    await tick_checkins(services)  # plans tomorrow's check-in
    clock.now = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)  # 09:00 in New York
    await tick_checkins(services)
    await services.outbox.drain()

    question = fake_telegram.last_to(PATIENT_CHAT)
    assert question.text.startswith("Hi Alex, how is your mood today")
    assert [reply for _, reply in question.buttons] == [str(n) for n in range(11)]

    callback = await tap(client, services, fake_telegram, "7")

    assert fake_telegram.answered == [callback["id"]]
    assert fake_telegram.cleared == [(str(PATIENT_CHAT), callback["message"]["message_id"])]
    assert fake_telegram.last_to(PATIENT_CHAT).text.startswith("How did you sleep last night?")
    async with services.sessions() as session:
        answer = await session.scalar(select(Answer))
    assert answer is not None and (answer.step_id, answer.value) == ("mood", 7)
    assert fake_twilio.to(PATIENT_PHONE) == []
