"""The inbound SMS webhook: authenticity, and no input that makes it lose a message or 500."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import func, select

from bot.services import Services
from storage.models import Message
from tests.builders import PATIENT_PHONE, PRIMARY_PHONE, clinic_with_rota
from tests.conftest import PUBLIC_BASE_URL, post_sms, twilio_signature
from tests.fakes.twilio_api import FakeTwilio

URL = PUBLIC_BASE_URL + "/webhooks/twilio/sms"


async def count_messages(services: Services) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Message)) or 0)


async def inbound_bodies(services: Services) -> list[str]:
    async with services.sessions() as session:
        rows = await session.scalars(
            select(Message.body).where(Message.direction == "in").order_by(Message.id)
        )
        return list(rows.all())


@pytest.mark.parametrize("signature", [None, "", "bm90IGEgc2lnbmF0dXJl"])
async def test_a_bad_or_missing_signature_gets_403_and_writes_nothing(
    client: httpx.AsyncClient, services: Services, signature: str | None
) -> None:
    params = {"MessageSid": "SMbad", "From": PATIENT_PHONE, "Body": "I want to kill myself"}
    headers = {} if signature is None else {"X-Twilio-Signature": signature}

    response = await client.post("/webhooks/twilio/sms", data=params, headers=headers)

    assert response.status_code == 403
    assert await count_messages(services) == 0


async def test_a_signature_for_another_url_is_refused(
    client: httpx.AsyncClient, services: Services
) -> None:
    params = {"MessageSid": "SMx", "From": PATIENT_PHONE, "Body": "hello"}
    wrong = twilio_signature("http://127.0.0.1:8000/webhooks/twilio/sms", params)

    response = await client.post(
        "/webhooks/twilio/sms", data=params, headers={"X-Twilio-Signature": wrong}
    )

    assert response.status_code == 403
    assert await count_messages(services) == 0


@pytest.mark.parametrize(
    "body",
    ["", "x" * 5000, "I'm ok 😊👍 today 🌧️", "  \n\t ", "<Response>&amp;</Response>"],
    ids=["empty", "5000-chars", "emoji", "whitespace", "markup"],
)
async def test_odd_bodies_are_stored_and_answered_without_error(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, body: str
) -> None:
    await clinic_with_rota(services)

    response = await post_sms(client, sender=PATIENT_PHONE, body=body)
    await services.outbox.drain()

    assert response.status_code == 200
    assert await inbound_bodies(services) == [body]
    assert len(fake_twilio.to(PATIENT_PHONE)) == 1


async def test_invalid_utf8_percent_escapes_are_kept_and_still_screened(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await clinic_with_rota(services)
    raw = b"MessageSid=SMutf&From=%2B12025550111&Body=i+want+to+die+%FF%FE"
    decoded = {"MessageSid": "SMutf", "From": PATIENT_PHONE, "Body": "i want to die \ufffd\ufffd"}

    response = await client.post(
        "/webhooks/twilio/sms",
        content=raw,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": twilio_signature(URL, decoded),
        },
    )
    await services.outbox.drain()

    assert response.status_code == 200
    assert await inbound_bodies(services) == ["i want to die \ufffd\ufffd"]
    assert len(fake_twilio.to(PRIMARY_PHONE)) == 1


async def test_a_signed_request_without_from_is_a_clear_400(
    client: httpx.AsyncClient, services: Services
) -> None:
    params = {"MessageSid": "SMnofrom", "Body": "hello"}
    response = await client.post(
        "/webhooks/twilio/sms",
        data=params,
        headers={"X-Twilio-Signature": twilio_signature(URL, params)},
    )
    assert response.status_code == 400
    assert "From" in response.text


async def test_a_signed_message_without_a_sid_is_still_stored_and_screened(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await clinic_with_rota(services)
    params = {"From": PATIENT_PHONE, "Body": "I want to kill myself"}
    response = await client.post(
        "/webhooks/twilio/sms",
        data=params,
        headers={"X-Twilio-Signature": twilio_signature(URL, params)},
    )
    await services.outbox.drain()
    assert response.status_code == 200
    assert len(fake_twilio.to(PRIMARY_PHONE)) == 1


async def test_a_garbage_body_with_a_valid_signature_does_not_500(
    client: httpx.AsyncClient, services: Services
) -> None:
    raw = b"\x00\x01%%%&&&==="
    response = await client.post(
        "/webhooks/twilio/sms",
        content=raw,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": twilio_signature(URL, {}),
        },
    )
    assert response.status_code in (400, 403)


async def test_each_message_is_stored_with_its_screening_result(
    client: httpx.AsyncClient, services: Services
) -> None:
    await clinic_with_rota(services)
    sid = "SM" + uuid.uuid4().hex
    await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself", sid=sid)
    async with services.sessions() as session:
        message = await session.scalar(select(Message).where(Message.provider_id == sid))
    assert message is not None
    assert message.screening_level == "urgent"
    assert message.screening_reasons


async def test_a_picture_without_text_gets_a_friendly_prompt_to_reply_in_words(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await clinic_with_rota(services)

    await post_sms(client, sender=PATIENT_PHONE, body="", NumMedia="1", MediaUrl0="https://x/y.jpg")
    await services.outbox.drain()

    [reply] = fake_twilio.to(PATIENT_PHONE)
    assert "only read text" in reply
