"""Carrier keywords: STOP, START, HELP; and a risky message after STOP still pages."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.scheduler import tick_checkins, tick_safety
from bot.services import Services
from storage.models import AuditEvent, Message, Patient
from tests.builders import (
    BACKUP_PHONE,
    PATIENT_PHONE,
    PRIMARY_PHONE,
    STRANGER_PHONE,
    clinic_with_rota,
)
from tests.conftest import PUBLIC_BASE_URL, post_sms, twilio_signature
from tests.fakes.twilio_api import FakeTwilio


async def status_of(services: Services) -> str:
    async with services.sessions() as session:
        patient = await session.scalar(select(Patient).where(Patient.phone == PATIENT_PHONE))
    assert patient is not None
    return patient.status


@pytest.mark.parametrize(
    "text",
    [
        "stop",
        " Stop ",
        "STOP.",
        "StopAll",
        "unsubscribe",
        "CANCEL",
        "end",
        "quit",
        "revoke",
        "optout",
        "stop!",
        # Revoking consent by any reasonable means (the FCC's 2025 rule).
        "please stop texting me",
        "Opt out",
        "unsubscribe me",
        "remove me from this list",
        "no more texts please",
        "don’t text me anymore",
        "I want to opt out",
        "ya no me manden mensajes",
        "No me envíen más mensajes por favor",
        "quiero darme de baja",
    ],
)
async def test_every_stop_keyword_opts_the_patient_out_with_one_confirmation(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, text: str
) -> None:
    await clinic_with_rota(services)

    await post_sms(client, sender=PATIENT_PHONE, body=text)
    await services.outbox.drain()

    assert await status_of(services) == "opted_out"
    [confirmation] = fake_twilio.to(PATIENT_PHONE)
    assert "no more check-ins" in confirmation and "START" in confirmation


async def test_stop_inside_a_sentence_is_not_a_keyword(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await clinic_with_rota(services)
    await post_sms(client, sender=PATIENT_PHONE, body="please don't stop checking on me")
    assert await status_of(services) == "active"


async def test_an_opted_out_patient_gets_no_check_ins_until_start(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await clinic_with_rota(services)
    await post_sms(client, sender=PATIENT_PHONE, body="STOP")
    await services.outbox.drain()

    for _ in range(3):  # three days of ticks
        clock.advance(hours=24)
        await tick_checkins(services)
        await services.outbox.drain()
    await post_sms(client, sender=PATIENT_PHONE, body="just saying hi")
    await services.outbox.drain()
    assert len(fake_twilio.to(PATIENT_PHONE)) == 1  # only the STOP confirmation

    await post_sms(client, sender=PATIENT_PHONE, body="START")
    await services.outbox.drain()
    assert await status_of(services) == "active"
    assert "again" in fake_twilio.to(PATIENT_PHONE)[-1]
    await tick_checkins(services)  # plans the next daily check-in: no backlog is sent
    clock.advance(hours=24)
    await tick_checkins(services)
    await services.outbox.drain()
    assert len(fake_twilio.to(PATIENT_PHONE)) == 3
    assert "how is your mood" in fake_twilio.to(PATIENT_PHONE)[-1]


async def test_a_suicidal_message_after_stop_still_pages_on_call(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await clinic_with_rota(services)
    await post_sms(client, sender=PATIENT_PHONE, body="STOP")
    await post_sms(client, sender=PATIENT_PHONE, body="i want to kill myself")
    await services.outbox.drain()

    assert len(fake_twilio.to(PRIMARY_PHONE)) == 1
    assert "988" in fake_twilio.to(PATIENT_PHONE)[-1]


@pytest.mark.parametrize("sender", [PATIENT_PHONE, STRANGER_PHONE])
async def test_help_returns_the_clinic_phone_and_crisis_lines(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, sender: str
) -> None:
    await clinic_with_rota(services)
    await post_sms(client, sender=sender, body="HELP")
    await services.outbox.drain()
    [reply] = fake_twilio.to(sender)
    assert "+12025550198" in reply and "988" in reply and "741741" in reply


async def test_error_21610_on_delivery_marks_the_patient_opted_out(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await clinic_with_rota(services)
    await post_sms(client, sender=PATIENT_PHONE, body="hello")
    await services.outbox.drain()
    sid = fake_twilio.sent[-1].sid
    params = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "21610"}
    url = PUBLIC_BASE_URL + "/webhooks/twilio/status"

    response = await client.post(
        "/webhooks/twilio/status",
        data=params,
        headers={"X-Twilio-Signature": twilio_signature(url, params)},
    )

    assert response.status_code == 204
    assert await status_of(services) == "opted_out"


async def test_a_page_the_carrier_reports_undelivered_moves_on_to_the_next_clinician(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await clinic_with_rota(services)
    await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
    await services.outbox.drain()
    page_sid = next(m.sid for m in fake_twilio.sent if m.to == PRIMARY_PHONE)
    params = {"MessageSid": page_sid, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    url = PUBLIC_BASE_URL + "/webhooks/twilio/status"

    await client.post(
        "/webhooks/twilio/status",
        data=params,
        headers={"X-Twilio-Signature": twilio_signature(url, params)},
    )
    await tick_safety(services)  # well inside the primary's 5 minutes
    await services.outbox.drain()

    assert len(fake_twilio.to(BACKUP_PHONE)) == 1
    assert "URGENT" in fake_twilio.to(BACKUP_PHONE)[0]


async def test_a_crisis_text_the_carrier_reports_undelivered_is_told_to_the_paged_clinician(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await clinic_with_rota(services)
    await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
    await services.outbox.drain()
    crisis_sid = next(m.sid for m in fake_twilio.sent if m.to == PATIENT_PHONE)
    params = {"MessageSid": crisis_sid, "MessageStatus": "undelivered", "ErrorCode": "30005"}
    url = PUBLIC_BASE_URL + "/webhooks/twilio/status"

    await client.post(
        "/webhooks/twilio/status",
        data=params,
        headers={"X-Twilio-Signature": twilio_signature(url, params)},
    )
    await services.outbox.drain()

    told = fake_twilio.to(PRIMARY_PHONE)[-1]
    assert "could NOT be delivered" in told and "reach the patient another way" in told
    async with services.sessions() as session:
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert "crisis_undeliverable" in actions


async def test_the_care_team_sees_that_a_monitored_patient_opted_out(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await clinic_with_rota(services)

    await post_sms(client, sender=PATIENT_PHONE, body="please stop texting me")
    await post_sms(client, sender=PATIENT_PHONE, body="stop")  # once is enough for the team

    async with services.sessions() as session:
        inbox = (
            await session.scalars(select(Message.body).where(Message.for_staff.is_(True)))
        ).all()
    assert inbox == ["please stop texting me"]


@pytest.mark.parametrize(
    "text",
    [
        "stop texting me at 9, 10 is better",
        "cancel my friday appointment",
        "i want to end it",
        "no me manden mensajes a las 9, mejor a las 10",
    ],
)
async def test_a_longer_message_with_stop_words_is_read_not_taken_as_opt_out(
    client: httpx.AsyncClient, services: Services, text: str
) -> None:
    await clinic_with_rota(services)

    await post_sms(client, sender=PATIENT_PHONE, body=text)

    assert await status_of(services) == "active"
