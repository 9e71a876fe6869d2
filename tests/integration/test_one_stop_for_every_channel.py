"""STOP, START and HELP are one thing on SMS and Telegram: the same opt-out, the same
ended conversations, the same note to the care team, the confirmation in the patient's
language and in their channel's words."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from bot.checkins.runner import start_flow
from bot.clock import ManualClock
from bot.config import Settings
from bot.scheduler import tick_checkins
from bot.services import Services
from storage.models import FlowSession, FlowSessionStatus, Message, Patient, PatientStatus
from tests.builders import PATIENT_PHONE, PRIMARY_PHONE, clinic_with_rota
from tests.conftest import post_sms, post_update, with_telegram
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.telegram_helpers import PATIENT_CHAT, link_patient


@pytest.fixture
def settings(settings: Settings, fake_telegram_server: tuple[FakeTelegram, str]) -> Settings:
    return with_telegram(settings, fake_telegram_server)


class Patient_:
    """Writes as the patient on one channel and reads what reached them there."""

    def __init__(
        self,
        channel: str,
        client: httpx.AsyncClient,
        services: Services,
        twilio: FakeTwilio,
        telegram: FakeTelegram,
    ) -> None:
        self.channel, self.client, self.services = channel, client, services
        self.twilio, self.telegram = twilio, telegram

    async def says(self, text: str) -> None:
        if self.channel == "sms":
            await post_sms(self.client, sender=PATIENT_PHONE, body=text)
        else:
            await post_update(self.client, self.telegram.text_update(PATIENT_CHAT, text))
        await self.services.outbox.drain()

    def received(self) -> list[str]:
        if self.channel == "sms":
            return self.twilio.to(PATIENT_PHONE)
        return self.telegram.to(PATIENT_CHAT)


async def enrolled(services: Services, channel: str, *, language: str = "en") -> int:
    ids = await clinic_with_rota(services)
    if channel == "telegram":
        await link_patient(services, ids["patient"])
    async with services.sessions() as session, session.begin():
        patient = await session.get(Patient, ids["patient"])
        assert patient is not None
        patient.language = language
        await start_flow(session, services, patient, "daily-checkin", now=services.clock())
    await services.outbox.drain()
    return ids["patient"]


@pytest.mark.parametrize(
    ("channel", "text", "start_word"),
    [
        ("sms", "STOP", "Reply START"),
        ("sms", "please stop messaging me", "Reply START"),
        ("telegram", "/stop", "Send /start"),
        ("telegram", "stop", "Send /start"),
        ("telegram", "unsubscribe me", "Send /start"),
    ],
)
async def test_stop_on_either_channel_opts_out_ends_the_conversation_and_tells_the_team(
    client: httpx.AsyncClient,
    services: Services,
    fake_twilio: FakeTwilio,
    fake_telegram: FakeTelegram,
    clock: ManualClock,
    channel: str,
    text: str,
    start_word: str,
) -> None:
    patient_id = await enrolled(services, channel)
    patient = Patient_(channel, client, services, fake_twilio, fake_telegram)
    asked = len(patient.received())  # the check-in's first question

    await patient.says(text)

    confirmation = patient.received()[-1]
    assert "no more check-ins" in confirmation and start_word in confirmation
    assert "988" in confirmation
    async with services.sessions() as session:
        row = await session.get(Patient, patient_id)
        flows = (await session.scalars(select(FlowSession.status))).all()
        inbox = (
            await session.scalars(select(Message.body).where(Message.for_staff.is_(True)))
        ).all()
    assert row is not None and row.status == PatientStatus.OPTED_OUT
    assert flows == [FlowSessionStatus.ABANDONED]
    assert inbox == [text]

    clock.advance(hours=24)
    await tick_checkins(services)
    await services.outbox.drain()
    assert len(patient.received()) == asked + 1  # no check-in after the confirmation

    await patient.says("i want to die")
    assert fake_twilio.to(PRIMARY_PHONE), "a risky message after STOP still pages"


@pytest.mark.parametrize(("channel", "stop"), [("sms", "STOP"), ("telegram", "/stop")])
async def test_a_spanish_speaking_patient_is_answered_in_spanish(
    client: httpx.AsyncClient,
    services: Services,
    fake_twilio: FakeTwilio,
    fake_telegram: FakeTelegram,
    channel: str,
    stop: str,
) -> None:
    await enrolled(services, channel, language="es")
    patient = Patient_(channel, client, services, fake_twilio, fake_telegram)

    await patient.says("ya no me manden mensajes")
    stopped = patient.received()[-1]
    await patient.says("START")
    started = patient.received()[-1]
    await patient.says("ayuda")
    helped = patient.received()[-1]

    assert stopped.startswith("Ya no recibirá mensajes") and "988" in stopped
    assert "check-ins" not in stopped
    assert started.startswith("Volverá a recibir") and stop in started
    assert "En una emergencia, llame al 911" in helped and "988" in helped


@pytest.mark.parametrize("channel", ["sms", "telegram"])
async def test_help_from_a_patient_answers_and_reaches_the_care_teams_inbox(
    client: httpx.AsyncClient,
    services: Services,
    fake_twilio: FakeTwilio,
    fake_telegram: FakeTelegram,
    channel: str,
) -> None:
    await enrolled(services, channel)
    patient = Patient_(channel, client, services, fake_twilio, fake_telegram)

    await patient.says("help")

    reply = patient.received()[-1]
    assert "In an emergency call 911" in reply and "988" in reply
    async with services.sessions() as session:
        inbox = (
            await session.scalars(select(Message.body).where(Message.for_staff.is_(True)))
        ).all()
    assert inbox == ["help"]
