"""`checkin serve --polling`: updates fetched with getUpdates take the webhook's path."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.channels.telegram import TelegramSender
from bot.config import Settings
from bot.polling import poll_once
from bot.services import Services
from storage.models import Message
from tests.builders import PRIMARY_PHONE, clinic_with_rota
from tests.conftest import with_telegram
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.telegram_helpers import PATIENT_CHAT, link_patient


@pytest.fixture
def settings(settings: Settings, fake_telegram_server: tuple[FakeTelegram, str]) -> Settings:
    return with_telegram(settings, fake_telegram_server)


async def test_a_polled_risky_message_pages_on_call_and_is_confirmed_only_once_handled(
    services: Services, fake_telegram: FakeTelegram, fake_twilio: FakeTwilio
) -> None:
    ids = await clinic_with_rota(services)
    await link_patient(services, ids["patient"])
    sender = services.senders["telegram"]
    assert isinstance(sender, TelegramSender)
    risky = fake_telegram.text_update(PATIENT_CHAT, "I want to kill myself")
    tap = fake_telegram.button_tap(PATIENT_CHAT, "hello")
    fake_telegram.queue(risky)
    fake_telegram.queue(tap)

    offset = await poll_once(services, sender, None)
    await services.outbox.drain()
    again = await poll_once(services, sender, offset)

    assert offset == tap["update_id"] + 1 and again == offset
    assert fake_telegram.pending == []
    assert "988" in fake_telegram.to(PATIENT_CHAT)[0]
    assert "Alex Rivera" in fake_twilio.to(PRIMARY_PHONE)[0]
    assert fake_telegram.answered == [tap["callback_query"]["id"]]
    async with services.sessions() as session:
        stored = await session.scalar(
            select(func.count()).select_from(Message).where(Message.direction == "in")
        )
    assert stored == 2
