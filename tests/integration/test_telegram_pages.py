"""Telegram end to end: risk from a Telegram patient reaches a human; a tap acknowledges."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.scheduler import tick_safety
from bot.services import Services
from storage.models import (
    DeliveryAttempt,
    Escalation,
    EscalationPage,
    OutboxItem,
    Patient,
    PatientStatus,
)
from tests.builders import BACKUP_PHONE, PATIENT_PHONE, PRIMARY_PHONE, clinic_with_rota
from tests.conftest import post_sms, post_update, with_telegram
from tests.fakes.telegram_api import FakeTelegram, Fault
from tests.fakes.twilio_api import FakeTwilio
from tests.fakes.twilio_api import Fault as TwilioFault
from tests.integration.telegram_helpers import (
    PATIENT_CHAT,
    PRIMARY_CHAT,
    audit_actions,
    link_clinician,
    link_patient,
    patient_row,
)
from tests.integration.test_risky_sms_pages_on_call import code_in


@pytest.fixture
def settings(settings: Settings, fake_telegram_server: tuple[FakeTelegram, str]) -> Settings:
    return with_telegram(settings, fake_telegram_server)


async def paged_on_telegram(client: httpx.AsyncClient, services: Services) -> dict[str, int]:
    """A clinic whose primary has linked Telegram, paged there for a patient's risky SMS."""
    ids = await clinic_with_rota(services)
    await link_clinician(services, ids["primary"])
    await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
    await services.outbox.drain()
    return ids


async def only_escalation(services: Services) -> Escalation:
    async with services.sessions() as session:
        [row] = (await session.scalars(select(Escalation))).all()
    return row


async def test_a_suicidal_telegram_message_sends_crisis_resources_to_the_chat_and_pages_on_call(
    client: httpx.AsyncClient,
    services: Services,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
) -> None:
    ids = await clinic_with_rota(services)
    await link_patient(services, ids["patient"])

    response = await post_update(client, fake_telegram.text_update(PATIENT_CHAT, "i want to die"))
    await services.outbox.drain()

    assert response.status_code == 200
    [crisis] = fake_telegram.to(PATIENT_CHAT)
    assert "988" in crisis and "911" in crisis
    [page] = fake_twilio.to(PRIMARY_PHONE)
    assert "Alex Rivera" in page and "i want to die" in page
    assert fake_twilio.to(PATIENT_PHONE) == []


async def test_a_telegram_clinician_is_paged_in_their_chat_and_one_tap_acknowledges(
    client: httpx.AsyncClient,
    services: Services,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
) -> None:
    await paged_on_telegram(client, services)
    page = fake_telegram.last_to(PRIMARY_CHAT)
    code = code_in(page.text)
    assert page.buttons == [("Acknowledge", f"ACK {code}")]
    assert fake_twilio.to(PRIMARY_PHONE) == []

    tap = fake_telegram.button_tap(PRIMARY_CHAT, f"ACK {code}")
    response = await post_update(client, tap)
    await services.outbox.drain()

    assert response.status_code == 200
    assert (await only_escalation(services)).state == "acknowledged"
    assert fake_telegram.answered == [tap["callback_query"]["id"]]
    tapped = tap["callback_query"]["message"]["message_id"]
    assert fake_telegram.cleared == [(str(PRIMARY_CHAT), tapped)]  # no second tap possible
    assert fake_telegram.to(PRIMARY_CHAT)[-1].startswith(f"Acknowledged {code}")
    assert "has seen your message" in fake_twilio.to(PATIENT_PHONE)[-1]


async def test_a_page_the_clinicians_telegram_refuses_goes_out_by_sms_at_once(
    client: httpx.AsyncClient,
    services: Services,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
) -> None:
    ids = await clinic_with_rota(services)
    await link_clinician(services, ids["primary"])
    fake_telegram.block(PRIMARY_CHAT)

    await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
    await services.outbox.drain()

    [page] = fake_twilio.to(PRIMARY_PHONE)
    assert "Alex Rivera" in page and "ACK" in page
    async with services.sessions() as session:
        channels = (await session.scalars(select(EscalationPage.channel))).all()
    assert list(channels) == ["telegram", "sms"]
    actions = await audit_actions(services)
    assert "page_fallback" in actions and "clinician_unreachable" in actions


async def test_when_sms_refuses_everything_the_crisis_message_takes_telegram_and_the_ladder_moves_on(
    client: httpx.AsyncClient,
    services: Services,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
) -> None:
    ids = await clinic_with_rota(services)
    async with services.sessions() as session, session.begin():
        patient = await session.get(Patient, ids["patient"])
        assert patient is not None
        patient.telegram_chat_id = str(PATIENT_CHAT)  # linked, but still checks in by SMS
    # The crisis SMS and the primary's page both fail for good (21610: unsubscribed).
    fake_twilio.fail_next(TwilioFault(400, code=21610), TwilioFault(400, code=21610))

    await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
    await services.outbox.drain()
    await tick_safety(services)  # no waiting out the primary's five minutes
    await services.outbox.drain()

    [crisis] = fake_telegram.to(PATIENT_CHAT)
    assert "988" in crisis
    assert fake_twilio.to(PRIMARY_PHONE) == []
    [page] = fake_twilio.to(BACKUP_PHONE)
    assert "Alex Rivera" in page
    assert "page_undeliverable" in await audit_actions(services)


async def test_a_patient_who_blocked_the_bot_is_marked_unreachable_until_they_write_again(
    client: httpx.AsyncClient, services: Services, fake_telegram: FakeTelegram
) -> None:
    ids = await clinic_with_rota(services)
    await link_patient(services, ids["patient"])
    fake_telegram.block(PATIENT_CHAT)

    await post_update(client, fake_telegram.text_update(PATIENT_CHAT, "feeling ok today"))
    await services.outbox.drain()

    assert (await patient_row(services, ids["patient"])).status == PatientStatus.UNREACHABLE
    assert "patient_unreachable" in await audit_actions(services)
    async with services.sessions() as session:
        item = await session.scalar(select(OutboxItem))
    assert item is not None and item.status == "failed" and item.attempts == 1

    fake_telegram.blocked.clear()
    await post_update(
        client, fake_telegram.text_update(PATIENT_CHAT, "I'm back online, sorry about that")
    )
    await services.outbox.drain()

    assert (await patient_row(services, ids["patient"])).status == PatientStatus.ACTIVE
    assert fake_telegram.to(PATIENT_CHAT) == [
        "Thank you, Alex. Your care team will see your message."
    ]


@pytest.mark.parametrize(
    "fault",
    [Fault(500), Fault(502), Fault(429, retry_after=3), Fault(500, delay=2.5)],
    ids=["500", "502", "429", "timeout"],
)
async def test_a_failing_bot_api_is_retried_and_the_message_arrives_once(
    client: httpx.AsyncClient,
    services: Services,
    fake_telegram: FakeTelegram,
    clock: ManualClock,
    fault: Fault,
) -> None:
    ids = await clinic_with_rota(services)
    await link_patient(services, ids["patient"])
    fake_telegram.fail_next(fault, fault)

    await post_update(client, fake_telegram.text_update(PATIENT_CHAT, "I want to kill myself"))
    for _ in range(30):
        await services.outbox.drain()
        clock.advance(seconds=2)

    [crisis] = fake_telegram.to(PATIENT_CHAT)
    assert "988" in crisis
    async with services.sessions() as session:
        outcomes = (
            await session.scalars(
                select(DeliveryAttempt.outcome)
                .join(OutboxItem, OutboxItem.id == DeliveryAttempt.outbox_item_id)
                .where(OutboxItem.purpose == "crisis")
                .order_by(DeliveryAttempt.id)
            )
        ).all()
    assert list(outcomes) == ["retry", "retry", "sent"]


async def test_retry_after_from_telegram_is_respected(
    client: httpx.AsyncClient,
    services: Services,
    fake_telegram: FakeTelegram,
    clock: ManualClock,
) -> None:
    ids = await clinic_with_rota(services)
    await link_patient(services, ids["patient"])
    fake_telegram.fail_next(Fault(429, retry_after=30))

    await post_update(client, fake_telegram.text_update(PATIENT_CHAT, "hello"))
    await services.outbox.drain()
    clock.advance(seconds=25)
    await services.outbox.drain()
    assert fake_telegram.to(PATIENT_CHAT) == []

    clock.advance(seconds=10)
    await services.outbox.drain()
    assert len(fake_telegram.to(PATIENT_CHAT)) == 1


async def test_a_patients_next_message_reaches_the_paged_clinician_on_their_telegram_chat(
    client: httpx.AsyncClient,
    services: Services,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
) -> None:
    await paged_on_telegram(client, services)
    paged = len(fake_telegram.to(PRIMARY_CHAT))

    await post_sms(client, sender=PATIENT_PHONE, body="i have the pills in front of me")
    await services.outbox.drain()

    relays = fake_telegram.to(PRIMARY_CHAT)[paged:]
    assert len(relays) == 1 and "i have the pills in front of me" in relays[0]
    assert not any("pills in front of me" in t for t in fake_twilio.to(PRIMARY_PHONE))


async def test_a_relay_that_telegram_refuses_for_good_goes_by_sms(
    client: httpx.AsyncClient,
    services: Services,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
) -> None:
    await paged_on_telegram(client, services)
    fake_telegram.faults.append(Fault(status=403, description="Forbidden: bot was blocked"))

    await post_sms(client, sender=PATIENT_PHONE, body="nobody is answering me")
    await services.outbox.drain()

    assert any("nobody is answering me" in t for t in fake_twilio.to(PRIMARY_PHONE))
