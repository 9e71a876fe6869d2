"""Linking a Telegram chat with `/start <code>`: the right code links, nothing else does."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.routing.telegram_link import issue_code
from bot.services import Services
from storage.models import Message, PatientStatus
from tests.builders import PATIENT_PHONE, PRIMARY_PHONE, clinic_with_rota
from tests.conftest import post_sms, post_update, with_telegram
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.telegram_helpers import (
    PATIENT_CHAT,
    PRIMARY_CHAT,
    STRANGER_CHAT,
    audit_actions,
    link_patient,
    patient_row,
)


@pytest.fixture
def settings(settings: Settings, fake_telegram_server: tuple[FakeTelegram, str]) -> Settings:
    return with_telegram(settings, fake_telegram_server)


async def code_for(services: Services, *, ttl: timedelta | None = None, **person: int) -> str:
    async with services.sessions() as session, session.begin():
        extra = {"ttl": ttl} if ttl is not None else {}
        return await issue_code(session, now=services.clock(), **person, **extra)


async def send(
    client: httpx.AsyncClient, services: Services, fake: FakeTelegram, chat: int, text: str
) -> str:
    """Send `text` from `chat`; return the bot's last reply there."""
    await post_update(client, fake.text_update(chat, text))
    await services.outbox.drain()
    return fake.to(chat)[-1]


async def test_a_patient_who_taps_the_enrollment_link_is_connected_and_greeted_by_name(
    client: httpx.AsyncClient, services: Services, fake_telegram: FakeTelegram
) -> None:
    ids = await clinic_with_rota(services)
    code = await code_for(services, patient_id=ids["patient"])

    reply = await send(client, services, fake_telegram, PATIENT_CHAT, f"/start {code}")

    assert reply.startswith("Hi Alex, this chat is connected to Riverside Ketamine Clinic.")
    patient = await patient_row(services, ids["patient"])
    assert (patient.telegram_chat_id, patient.channel) == (str(PATIENT_CHAT), "telegram")
    assert "telegram_linked" in await audit_actions(services)
    later = await send(client, services, fake_telegram, PATIENT_CHAT, "feeling ok today")
    assert later == "Thank you, Alex. Your care team will see your message."


async def test_a_used_a_wrong_and_an_expired_code_link_nothing_and_get_the_same_reply(
    client: httpx.AsyncClient,
    services: Services,
    fake_telegram: FakeTelegram,
    clock: ManualClock,
) -> None:
    ids = await clinic_with_rota(services)
    used = await code_for(services, patient_id=ids["patient"])
    await send(client, services, fake_telegram, PATIENT_CHAT, f"/start {used}")
    expiring = await code_for(services, clinician_id=ids["primary"], ttl=timedelta(hours=1))
    clock.advance(hours=1, seconds=1)

    replies = [
        await send(client, services, fake_telegram, STRANGER_CHAT, f"/start {code}")
        for code in (used, "1234567890123456", expiring)
    ]

    assert replies[0] == replies[1] == replies[2]
    assert "not connected" in replies[0]
    assert "Alex" not in replies[0] and "Primary" not in replies[0]
    patient = await patient_row(services, ids["patient"])
    assert patient.telegram_chat_id == str(PATIENT_CHAT)
    assert (await audit_actions(services)).count("telegram_link_rejected") == 3


async def test_a_new_code_retires_the_one_issued_before_it(
    client: httpx.AsyncClient, services: Services, fake_telegram: FakeTelegram
) -> None:
    ids = await clinic_with_rota(services)
    old = await code_for(services, patient_id=ids["patient"])
    new = await code_for(services, patient_id=ids["patient"])

    assert "not connected" in await send(
        client, services, fake_telegram, PATIENT_CHAT, f"/start {old}"
    )
    assert "connected to" in await send(
        client, services, fake_telegram, PATIENT_CHAT, f"/start {new}"
    )


async def test_a_clinician_links_the_same_way_and_is_then_paged_in_telegram(
    client: httpx.AsyncClient,
    services: Services,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
) -> None:
    ids = await clinic_with_rota(services)
    code = await code_for(services, clinician_id=ids["primary"])

    reply = await send(client, services, fake_telegram, PRIMARY_CHAT, f"/start {code}")
    await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
    await services.outbox.drain()

    assert reply.startswith("Connected, Dr Primary.")
    page = fake_telegram.last_to(PRIMARY_CHAT)
    assert "Alex Rivera" in page.text and page.buttons[0][0] == "Acknowledge"
    assert fake_twilio.to(PRIMARY_PHONE) == []


async def test_a_chat_linked_to_one_person_is_not_moved_by_another_persons_code(
    client: httpx.AsyncClient, services: Services, fake_telegram: FakeTelegram
) -> None:
    ids = await clinic_with_rota(services)
    await link_patient(services, ids["patient"])
    code = await code_for(services, clinician_id=ids["primary"])

    refused = await send(client, services, fake_telegram, PATIENT_CHAT, f"/start {code}")
    accepted = await send(client, services, fake_telegram, PRIMARY_CHAT, f"/start {code}")

    assert "already connected" in refused
    assert accepted.startswith("Connected, Dr Primary.")


async def test_a_risky_message_after_start_is_screened_and_pages_on_call(
    client: httpx.AsyncClient,
    services: Services,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
) -> None:
    await clinic_with_rota(services)

    await post_update(client, fake_telegram.text_update(STRANGER_CHAT, "/start i want to die"))
    await services.outbox.drain()

    assert "988" in fake_telegram.to(STRANGER_CHAT)[0]
    [page] = fake_twilio.to(PRIMARY_PHONE)
    assert f"unknown number {STRANGER_CHAT}" in page


async def test_stop_pauses_check_ins_and_start_resumes_them_while_risk_still_pages(
    client: httpx.AsyncClient,
    services: Services,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
) -> None:
    ids = await clinic_with_rota(services)
    await link_patient(services, ids["patient"])

    stopped = await send(client, services, fake_telegram, PATIENT_CHAT, "/stop")
    status_after_stop = (await patient_row(services, ids["patient"])).status
    crisis = await send(client, services, fake_telegram, PATIENT_CHAT, "i want to die")
    resumed = await send(client, services, fake_telegram, PATIENT_CHAT, "/start")

    assert "no more check-ins" in stopped and status_after_stop == PatientStatus.OPTED_OUT
    assert "988" in crisis and "Alex Rivera" in fake_twilio.to(PRIMARY_PHONE)[0]
    assert resumed.startswith("Welcome back, Alex.")
    assert (await patient_row(services, ids["patient"])).status == PatientStatus.ACTIVE
    async with services.sessions() as session:
        inbox = (
            await session.scalars(select(Message.body).where(Message.for_staff.is_(True)))
        ).all()
    assert inbox == ["/stop"]  # the care team hears that a monitored patient opted out


async def test_help_tells_a_chat_how_to_answer_and_whom_to_call(
    client: httpx.AsyncClient, services: Services, fake_telegram: FakeTelegram
) -> None:
    reply = await send(client, services, fake_telegram, STRANGER_CHAT, "/help")

    assert "Riverside Ketamine Clinic" in reply and "+12025550198" in reply and "911" in reply
