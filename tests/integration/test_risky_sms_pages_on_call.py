"""End to end: a signed SMS about suicide reaches a human, through the real twilio client."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import func, select

from bot.services import Services
from storage.models import AuditEvent, Escalation, Message
from tests.builders import (
    BACKUP_PHONE,
    PATIENT_PHONE,
    PRIMARY_PHONE,
    STRANGER_PHONE,
    clinic_with_rota,
)
from tests.conftest import post_sms
from tests.fakes.twilio_api import FakeTwilio


def code_in(page: str) -> str:
    match = re.search(r"ACK (\d{6})", page)
    assert match, page
    return match.group(1)


async def escalation(services: Services) -> Escalation:
    async with services.sessions() as session:
        rows = (await session.scalars(select(Escalation))).all()
    assert len(rows) == 1
    return rows[0]


async def test_a_suicidal_sms_sends_crisis_resources_and_pages_the_primary(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await clinic_with_rota(services)

    response = await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
    await services.outbox.drain()

    assert response.status_code == 200
    assert "<Response" in response.text
    crisis = fake_twilio.to(PATIENT_PHONE)
    assert len(crisis) == 1
    assert "988" in crisis[0] and "741741" in crisis[0] and "911" in crisis[0]
    pages = fake_twilio.to(PRIMARY_PHONE)
    assert len(pages) == 1
    assert "Alex Rivera" in pages[0]
    assert PATIENT_PHONE in pages[0]
    assert "I want to kill myself" in pages[0]
    assert fake_twilio.to(BACKUP_PHONE) == []


async def test_ack_from_the_paged_clinician_acknowledges_and_tells_the_patient(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await clinic_with_rota(services)
    await post_sms(client, sender=PATIENT_PHONE, body="i want to die tonight")
    await services.outbox.drain()
    code = code_in(fake_twilio.to(PRIMARY_PHONE)[0])

    await post_sms(client, sender=PRIMARY_PHONE, body=f"ack {code}")
    await services.outbox.drain()

    esc = await escalation(services)
    assert esc.state == "acknowledged"
    assert "Acknowledged" in fake_twilio.to(PRIMARY_PHONE)[-1]
    assert "has seen your message" in fake_twilio.to(PATIENT_PHONE)[-1]


async def test_a_wrong_code_or_a_strangers_ack_acknowledges_nothing(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await clinic_with_rota(services)
    await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
    await services.outbox.drain()
    code = code_in(fake_twilio.to(PRIMARY_PHONE)[0])
    wrong = "999999" if code != "999999" else "888888"

    await post_sms(client, sender=PRIMARY_PHONE, body=f"ACK {wrong}")
    await post_sms(client, sender=STRANGER_PHONE, body=f"ACK {code}")
    await services.outbox.drain()

    assert (await escalation(services)).state == "open"
    assert f"No open escalation has code {wrong}" in fake_twilio.to(PRIMARY_PHONE)[-1]
    assert "could not match your number" in fake_twilio.to(STRANGER_PHONE)[-1]
    async with services.sessions() as session:
        rejected = (
            await session.scalars(
                select(AuditEvent.action).where(AuditEvent.action == "ack_rejected")
            )
        ).all()
    assert len(rejected) == 2


async def test_resolve_needs_a_note_and_then_closes_the_escalation(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await clinic_with_rota(services)
    await post_sms(client, sender=PATIENT_PHONE, body="kms")
    await services.outbox.drain()
    code = code_in(fake_twilio.to(PRIMARY_PHONE)[0])

    await post_sms(client, sender=PRIMARY_PHONE, body=f"RESOLVE {code}")
    await services.outbox.drain()
    assert (await escalation(services)).state == "open"
    assert "Add a note" in fake_twilio.to(PRIMARY_PHONE)[-1]

    await post_sms(client, sender=PRIMARY_PHONE, body=f"RESOLVE {code} spoke by phone, safe")
    await services.outbox.drain()
    esc = await escalation(services)
    assert esc.state == "resolved"
    assert esc.note == "spoke by phone, safe"


async def test_a_suicidal_sms_from_an_unknown_number_still_pages_on_call(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await clinic_with_rota(services)

    await post_sms(client, sender=STRANGER_PHONE, body="I'm going to end my life")
    await services.outbox.drain()

    assert "988" in fake_twilio.to(STRANGER_PHONE)[0]
    page = fake_twilio.to(PRIMARY_PHONE)[0]
    assert f"unknown number {STRANGER_PHONE}" in page


async def test_a_benign_sms_from_an_unknown_number_gets_the_clinic_phone_and_no_patient_data(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await clinic_with_rota(services)

    await post_sms(client, sender=STRANGER_PHONE, body="hi is this the clinic?")
    await services.outbox.drain()

    [reply] = fake_twilio.to(STRANGER_PHONE)
    assert "+12025550198" in reply
    assert "Alex" not in reply
    assert fake_twilio.to(PRIMARY_PHONE) == []


async def test_a_benign_sms_from_a_patient_gets_an_acknowledgement_and_pages_nobody(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await clinic_with_rota(services)

    await post_sms(client, sender=PATIENT_PHONE, body="feeling a bit better today, 6/10")
    await services.outbox.drain()

    assert fake_twilio.to(PATIENT_PHONE) == [
        "Thank you, Alex. Your care team will see your message."
    ]
    assert fake_twilio.to(PRIMARY_PHONE) == []


async def test_the_same_message_sid_twice_makes_one_message_one_escalation_one_page(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await clinic_with_rota(services)

    first = await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself", sid="SM1")
    again = await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself", sid="SM1")
    await services.outbox.drain()

    assert first.status_code == again.status_code == 200
    async with services.sessions() as session:
        inbound = await session.scalar(
            select(func.count()).select_from(Message).where(Message.direction == "in")
        )
        escalations = await session.scalar(select(func.count()).select_from(Escalation))
    assert (inbound, escalations) == (1, 1)
    assert len(fake_twilio.to(PRIMARY_PHONE)) == 1
    assert len(fake_twilio.to(PATIENT_PHONE)) == 1


async def test_a_second_risky_message_joins_the_open_escalation_and_is_relayed(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await clinic_with_rota(services)
    await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
    await services.outbox.drain()

    await post_sms(client, sender=PATIENT_PHONE, body="I have the pills counted out")
    await services.outbox.drain()

    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Escalation)) == 1
    assert "I have the pills counted out" in fake_twilio.to(PRIMARY_PHONE)[-1]
