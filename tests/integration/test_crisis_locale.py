"""A clinic outside the US: every text a patient gets names its own country's numbers.

Each locale's clinic takes HELP, a photo with no words, a message that asks the safety
question and a clear no to it, a risky message (crisis resources), STOP, and a text from
an unknown number, on SMS and on Telegram, from an English- and a Spanish-speaking
patient. Every text that reached the fake provider is checked for the locale's numbers
and for no other country's."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from bot.checkins.runner import start_flow
from bot.clock import ManualClock
from bot.config import Settings
from bot.services import Services
from storage.models import Patient
from tests.builders import PATIENT_PHONE, STRANGER_PHONE, clinic_with_rota
from tests.conftest import post_sms, post_update, served, with_telegram
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.patient_days import answer_to
from tests.integration.telegram_helpers import PATIENT_CHAT, STRANGER_CHAT, link_patient
from tests.integration.test_safety_question import POSSIBLE_RISK

# What each locale's texts must name, and what no text of theirs may name.
NUMBERS = {
    "us": ({"988", "911"}, {"999", "116 123", "000", "13 11 14"}),
    "ca": ({"988", "911"}, {"999", "116 123", "741741", "13 11 14"}),
    "uk": ({"999", "116 123"}, {"988", "911", "741741", "13 11 14"}),
    "au": ({"000", "13 11 14"}, {"988", "911", "741741", "999", "116 123"}),
}


@pytest.fixture(params=sorted(NUMBERS))
async def clinic(
    request: pytest.FixtureRequest,
    settings: Settings,
    clock: ManualClock,
    fake_telegram_server: tuple[FakeTelegram, str],
) -> AsyncIterator[tuple[str, httpx.AsyncClient, Services]]:
    local = with_telegram(settings, fake_telegram_server).model_copy(
        update={"crisis_resources": request.param}
    )
    async with served(local, clock) as (services, http):
        await clinic_with_rota(services)
        yield request.param, http, services


def only_own_numbers(locale: str, texts: list[str]) -> list[str]:
    """The texts that name one of the locale's numbers; fails on any other country's."""
    own, foreign = NUMBERS[locale]
    for text in texts:
        assert not [n for n in foreign if n in text], (locale, text)
    return [t for t in texts if any(n in t for n in own)]


async def set_language(services: Services, language: str) -> int:
    async with services.sessions() as session, session.begin():
        patient = await session.scalar(select(Patient))
        assert patient is not None
        patient.language = language
        return patient.id


@pytest.mark.parametrize("language", ["en", "es"])
async def test_every_patient_facing_text_names_only_the_clinics_own_numbers(
    clinic: tuple[str, httpx.AsyncClient, Services], fake_twilio: FakeTwilio, language: str
) -> None:
    locale, client, services = clinic
    await set_language(services, language)
    await post_sms(client, sender=PATIENT_PHONE, body="HELP")
    await post_sms(client, sender=PATIENT_PHONE, body="", NumMedia="1", MediaUrl0="https://x/y.jpg")
    await post_sms(client, sender=PATIENT_PHONE, body=POSSIBLE_RISK)
    await post_sms(client, sender=PATIENT_PHONE, body="no")
    await post_sms(client, sender=STRANGER_PHONE, body="hello who is this")
    await post_sms(client, sender=PATIENT_PHONE, body="i am going to kill myself tonight")
    await post_sms(client, sender=PATIENT_PHONE, body="STOP")
    await services.outbox.drain()

    texts = fake_twilio.to(PATIENT_PHONE) + fake_twilio.to(STRANGER_PHONE)
    assert texts, "nothing reached the patient"
    # HELP, the photo reply, the answered-no reply, the unknown number, the crisis
    # resources and the STOP confirmation all name a crisis or emergency number.
    assert len(only_own_numbers(locale, texts)) >= 6, (locale, texts)


@pytest.mark.parametrize("language", ["en", "es"])
async def test_every_telegram_text_names_only_the_clinics_own_numbers(
    clinic: tuple[str, httpx.AsyncClient, Services], fake_telegram: FakeTelegram, language: str
) -> None:
    locale, client, services = clinic
    await link_patient(services, await set_language(services, language))
    await post_update(client, fake_telegram.sticker_update(PATIENT_CHAT))
    for chat, text in [
        (PATIENT_CHAT, "/help"),
        (PATIENT_CHAT, "/stop"),
        (STRANGER_CHAT, "/start"),
        (STRANGER_CHAT, "/stop"),
        (STRANGER_CHAT, "hello who is this"),
        (PATIENT_CHAT, "i am going to kill myself tonight"),
    ]:
        await post_update(client, fake_telegram.text_update(chat, text))
    await services.outbox.drain()

    texts = fake_telegram.to(PATIENT_CHAT) + fake_telegram.to(STRANGER_CHAT)
    # Every one of the seven replies names a crisis or emergency number.
    named = only_own_numbers(locale, texts)
    assert len(named) == 7, [t for t in texts if t not in named]


async def test_a_flow_names_the_clinics_emergency_number_when_the_patient_says_yes(
    clinic: tuple[str, httpx.AsyncClient, Services], fake_twilio: FakeTwilio
) -> None:
    locale, client, services = clinic
    async with services.sessions() as session, session.begin():
        patient = await session.scalar(select(Patient))
        assert patient is not None
        await start_flow(session, services, patient, "daily-checkin", now=services.clock())
    await services.outbox.drain()
    for _ in range(8):  # answer each question as it comes; yes to the safety question
        last = fake_twilio.to(PATIENT_PHONE)[-1]
        if "better off dead" in last:
            await post_sms(client, sender=PATIENT_PHONE, body="yes")
            await services.outbox.drain()
            break
        reply = answer_to(last)
        assert reply is not None, last
        await post_sms(client, sender=PATIENT_PHONE, body=reply)
        await services.outbox.drain()

    own, foreign = NUMBERS[locale]
    after_yes = fake_twilio.to(PATIENT_PHONE)[-1]
    assert "If you are in immediate danger, call" in after_yes
    assert any(n in after_yes for n in own) and not any(n in after_yes for n in foreign)
