"""Voice pages: after whole rounds of unanswered texts the ladder rings the clinician."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import httpx
import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.bootstrap import build_services
from bot.clock import ManualClock
from bot.config import Settings, SettingsError
from bot.scheduler import tick_safety
from bot.services import Services
from storage.models import AuditEvent, Escalation
from tests.builders import BACKUP_PHONE, PATIENT_PHONE, PRIMARY_PHONE, clinic_with_rota
from tests.conftest import PUBLIC_BASE_URL, post_sms, twilio_signature
from tests.fakes.twilio_api import FakeTwilio, Fault, PlacedCall
from tests.integration.test_risky_sms_pages_on_call import code_in

LADDER = """
levels:
  - {target: primary, wait_minutes: 5}
  - {target: backup, wait_minutes: 5}
ack_timeout_minutes: 30
voice_after_rounds: 1
"""


@pytest.fixture
def voice_settings(settings: Settings, tmp_path: Path) -> Settings:
    path = tmp_path / "ladder.yaml"
    path.write_text(LADDER, encoding="utf-8")
    return settings.model_copy(update={"escalation_ladder": path})


@pytest.fixture
async def voice_services(voice_settings: Settings, clock: ManualClock) -> AsyncIterator[Services]:
    built = build_services(voice_settings, clock=clock)
    yield built
    await built.close()


@pytest.fixture
async def voice_client(voice_services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(services=voice_services, background=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_BASE_URL) as http:
        yield http


async def tick(services: Services) -> None:
    await tick_safety(services)
    await services.outbox.drain()


async def ring_primary(
    client: httpx.AsyncClient, services: Services, fake: FakeTwilio, clock: ManualClock
) -> PlacedCall:
    """A risky SMS, then the ladder's first round (texts only) runs out: primary is called."""
    await clinic_with_rota(services)
    await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself tonight")
    await services.outbox.drain()
    clock.advance(minutes=5, seconds=1)
    await tick(services)  # backup, by text
    assert fake.calls == []
    clock.advance(minutes=5, seconds=1)
    await tick(services)  # round 2: primary again, by text and by phone
    [call] = fake.calls
    return call


def gather_action(call: PlacedCall) -> str:
    gather = ElementTree.fromstring(call.twiml).find("Gather")
    assert gather is not None, call.twiml
    return gather.attrib["action"]


async def press(
    client: httpx.AsyncClient, action: str, digits: str, *, signed: bool = True
) -> httpx.Response:
    """Post a keypress to the Gather action exactly as Twilio would, signed."""
    params = {"CallSid": "CA" + "1" * 32, "Digits": digits, "To": PRIMARY_PHONE}
    parts = urlsplit(action)
    headers = {"X-Twilio-Signature": twilio_signature(action, params)} if signed else {}
    return await client.post(f"{parts.path}?{parts.query}", data=params, headers=headers)


async def the_escalation(services: Services) -> Escalation:
    async with services.sessions() as session:
        esc = await session.scalar(select(Escalation))
    assert esc is not None
    return esc


async def test_the_ladder_rings_the_clinician_only_after_a_whole_round_of_unanswered_texts(
    voice_client: httpx.AsyncClient,
    voice_services: Services,
    fake_twilio: FakeTwilio,
    clock: ManualClock,
) -> None:
    call = await ring_primary(voice_client, voice_services, fake_twilio, clock)

    assert call.to == PRIMARY_PHONE
    assert call.from_ == "+12025550199"
    assert len(fake_twilio.to(PRIMARY_PHONE)) == 2  # the call comes with a text page
    clock.advance(minutes=5, seconds=1)
    await tick(voice_services)
    assert [c.to for c in fake_twilio.calls] == [PRIMARY_PHONE, BACKUP_PHONE]


async def test_the_call_reads_the_alert_and_asks_for_one_key_without_patient_details(
    voice_client: httpx.AsyncClient,
    voice_services: Services,
    fake_twilio: FakeTwilio,
    clock: ManualClock,
) -> None:
    call = await ring_primary(voice_client, voice_services, fake_twilio, clock)
    code = code_in(fake_twilio.to(PRIMARY_PHONE)[0])

    root = ElementTree.fromstring(call.twiml)
    gather = root.find("Gather")
    assert root.tag == "Response" and gather is not None
    assert gather.attrib["numDigits"] == "1"
    action = urlsplit(gather.attrib["action"])
    assert f"{action.scheme}://{action.netloc}{action.path}" == (
        PUBLIC_BASE_URL + "/webhooks/twilio/voice/ack"
    )
    assert parse_qs(action.query)["code"] == [code]
    said = " ".join(s.text or "" for s in root.iter("Say"))
    assert "Riverside Ketamine Clinic" in said and "suicide risk" in said
    assert ", ".join(code) in said and "Press 1" in said
    for detail in ("Alex", "Rivera", PATIENT_PHONE, "kill myself"):
        assert detail not in call.twiml


async def test_pressing_1_acknowledges_as_the_called_clinician_and_stops_the_ladder(
    voice_client: httpx.AsyncClient,
    voice_services: Services,
    fake_twilio: FakeTwilio,
    clock: ManualClock,
) -> None:
    call = await ring_primary(voice_client, voice_services, fake_twilio, clock)

    response = await press(voice_client, gather_action(call), "1")
    await voice_services.outbox.drain()

    assert response.status_code == 200
    assert "Acknowledged" in response.text and "<Hangup" in response.text
    esc = await the_escalation(voice_services)
    assert esc.state == "acknowledged"
    async with voice_services.sessions() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "escalation_acknowledged")
        )
    assert event is not None and event.actor == f"clinician:{esc.acked_by_id}"
    assert event.detail == {"via": "voice"}
    texted = fake_twilio.to(PRIMARY_PHONE)[-1]
    assert f"RESOLVE {esc.code}" in texted and PATIENT_PHONE in texted
    assert "has seen your message" in fake_twilio.to(PATIENT_PHONE)[-1]
    pages_before = len(fake_twilio.to(BACKUP_PHONE))
    clock.advance(minutes=20)
    await tick(voice_services)
    assert len(fake_twilio.to(BACKUP_PHONE)) == pages_before
    assert len(fake_twilio.calls) == 1


async def test_another_key_or_an_unsigned_or_altered_request_acknowledges_nothing(
    voice_client: httpx.AsyncClient,
    voice_services: Services,
    fake_twilio: FakeTwilio,
    clock: ManualClock,
) -> None:
    call = await ring_primary(voice_client, voice_services, fake_twilio, clock)
    action = gather_action(call)

    wrong_key = await press(voice_client, action, "2")
    unsigned = await press(voice_client, action, "1", signed=False)
    other_clinician = re.sub(r"clinician=\d+", "clinician=999", action)
    params = {"CallSid": "CA" + "1" * 32, "Digits": "1"}
    altered = await voice_client.post(
        other_clinician.removeprefix(PUBLIC_BASE_URL),
        data=params,
        headers={"X-Twilio-Signature": twilio_signature(action, params)},
    )

    assert wrong_key.status_code == 200
    assert "You pressed 2" in wrong_key.text and "<Gather" in wrong_key.text
    assert (unsigned.status_code, altered.status_code) == (403, 403)
    assert (await the_escalation(voice_services)).state == "open"


async def test_a_call_the_provider_refuses_moves_the_ladder_on_at_once(
    voice_client: httpx.AsyncClient,
    voice_services: Services,
    fake_twilio: FakeTwilio,
    clock: ManualClock,
) -> None:
    fake_twilio.fail_next_call(Fault(status=400, code=21215))
    await clinic_with_rota(voice_services)
    await post_sms(voice_client, sender=PATIENT_PHONE, body="I want to kill myself tonight")
    await voice_services.outbox.drain()
    for _ in range(2):
        clock.advance(minutes=5, seconds=1)
        await tick(voice_services)
    backup_texts = len(fake_twilio.to(BACKUP_PHONE))

    await tick(voice_services)  # no time passes: the refused call does not wait out 5 min

    assert fake_twilio.calls_to(PRIMARY_PHONE) == []
    assert len(fake_twilio.to(BACKUP_PHONE)) == backup_texts + 1
    assert [c.to for c in fake_twilio.calls] == [BACKUP_PHONE]
    async with voice_services.sessions() as session:
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert "page_undeliverable" in actions


async def test_a_call_nobody_answers_moves_the_ladder_on_at_once(
    voice_client: httpx.AsyncClient,
    voice_services: Services,
    fake_twilio: FakeTwilio,
    clock: ManualClock,
) -> None:
    call = await ring_primary(voice_client, voice_services, fake_twilio, clock)
    assert call.status_callback == PUBLIC_BASE_URL + "/webhooks/twilio/status"
    params = {"CallSid": call.sid, "CallStatus": "no-answer", "To": PRIMARY_PHONE}
    signature = twilio_signature(call.status_callback, params)

    response = await voice_client.post(
        "/webhooks/twilio/status", data=params, headers={"X-Twilio-Signature": signature}
    )
    await tick(voice_services)

    assert response.status_code == 204
    assert [c.to for c in fake_twilio.calls] == [PRIMARY_PHONE, BACKUP_PHONE]
    assert (await the_escalation(voice_services)).state == "open"


def test_a_ladder_that_rings_without_twilio_stops_start_up(
    voice_settings: Settings, clock: ManualClock
) -> None:
    no_twilio = voice_settings.model_copy(
        update={"twilio_account_sid": None, "twilio_auth_token": None}
    )
    with pytest.raises(SettingsError, match="voice_after_rounds"):
        build_services(no_twilio, clock=clock)
