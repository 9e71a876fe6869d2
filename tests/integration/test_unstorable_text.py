"""Text no database column can hold (NUL, half an emoji) still reaches a human: the message
is stored with U+FFFD in their place and the raw text's digest, screened, and paged.

Before the channel edge cleaned it, NUL gave a 500 on PostgreSQL and a lone surrogate on
both databases: the transaction rolled back and the page was lost. Runs on both.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid

import httpx
import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.services import Services
from storage.models import Escalation, Message
from tests.builders import PATIENT_PHONE, PRIMARY_PHONE, clinic_with_rota
from tests.conftest import TELEGRAM_SECRET as SECRET
from tests.conftest import post_sms, with_telegram
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.telegram_helpers import PATIENT_CHAT, link_patient

RISK = "I want to kill myself"


@pytest.fixture
def settings(settings: Settings, fake_telegram_server: tuple[FakeTelegram, str]) -> Settings:
    return with_telegram(settings, fake_telegram_server)


async def stored(services: Services, provider_id: str) -> Message:
    async with services.sessions() as session:
        row = await session.scalar(select(Message).where(Message.provider_id == provider_id))
    assert row is not None
    return row


async def test_an_sms_with_nul_in_it_is_stored_screened_and_paged(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await clinic_with_rota(services)
    body = f"{RISK}\x00 tonight"

    response = await post_sms(client, sender=PATIENT_PHONE, body=body, sid="SMnul")
    await services.outbox.drain()

    assert response.status_code == 200
    message = await stored(services, "SMnul")
    assert message.body == f"{RISK}\ufffd tonight"
    assert message.raw_sha256 == hashlib.sha256(body.encode()).hexdigest()
    assert "URGENT" in fake_twilio.to(PRIMARY_PHONE)[0]


async def test_a_telegram_message_with_half_an_emoji_is_stored_screened_and_paged(
    client: httpx.AsyncClient,
    services: Services,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
) -> None:
    ids = await clinic_with_rota(services)
    await link_patient(services, ids["patient"])
    update = fake_telegram.text_update(PATIENT_CHAT, f"{RISK} \ud83d")

    # As Telegram sends it: JSON with the escape "\ud83d" for the half emoji.
    response = await client.post(
        "/webhooks/telegram",
        content=json.dumps(update),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    await services.outbox.drain()

    assert response.status_code == 200
    message = await stored(services, str(update["update_id"]))
    assert message.body == f"{RISK} \ufffd"
    assert "988" in fake_telegram.to(PATIENT_CHAT)[0]
    assert "URGENT" in fake_twilio.to(PRIMARY_PHONE)[0]


NASTY = [
    "\x00",
    "\x00" * 50,
    "\u202e\u200b\ufeff",
    "\U0001f52b\U0001f48a" * 20,
    "donâ€™t",
    "\r\r\n\t\x0b\x0c",
    "x" * 5000,
    "\u0000\u0001\u001f\u007f\u0085",
    "'; DROP TABLE messages; --",
    "%00%ff\\u0000",
]


def random_text(rng: random.Random) -> str:
    pieces = []
    for _ in range(rng.randint(0, 6)):
        pick = rng.random()
        if pick < 0.4:
            pieces.append(rng.choice(NASTY))
        else:
            # Any code point but a surrogate (a form cannot carry one; the Telegram test does).
            pieces.append(
                "".join(
                    chr(rng.choice([rng.randint(0, 0xD7FF), rng.randint(0xE000, 0x10FFFF)]))
                    for _ in range(rng.randint(1, 40))
                )
            )
    return "".join(pieces)


async def test_two_hundred_signed_random_posts_give_no_server_error_and_every_risky_one_pages(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await clinic_with_rota(services)
    rng = random.Random(20261202)
    risky = 0
    for n in range(200):
        body = random_text(rng)
        if n % 4 == 0:
            body, risky = f"{body} {RISK} {random_text(rng)}", risky + 1
        response = await post_sms(
            client, sender=PATIENT_PHONE, body=body, sid="SM" + uuid.uuid4().hex
        )
        assert response.status_code == 200, (n, ascii(body[:80]))
    await services.outbox.drain()

    async with services.sessions() as session:
        stored_count = await session.scalar(
            select(func.count()).select_from(Message).where(Message.direction == "in")
        )
        escalations = (await session.scalars(select(Escalation))).all()
    assert stored_count == 200
    # One patient: the first risky text opens the escalation, later ones join it.
    assert len(escalations) == 1 and risky == 50
    # The page reached the clinician (relays of later texts may be sent in the same drain).
    assert any(text.startswith("URGENT") for text in fake_twilio.to(PRIMARY_PHONE))
