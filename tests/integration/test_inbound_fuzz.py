"""Hypothesis fuzzes the inbound webhooks with signed random bodies on both databases: any
Unicode (NUL included; lone surrogates in Telegram's JSON), huge fields, extra fields. No
answer is a server error, and a message with risk in it always opens an escalation."""

from __future__ import annotations

import json
from collections.abc import Iterator

import hypothesis
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.app import create_app
from bot.bootstrap import build_services
from bot.clock import ManualClock
from bot.config import Settings
from bot.services import Services
from storage.models import Escalation
from tests.builders import PATIENT_PHONE
from tests.conftest import (
    CLINIC_NUMBER,
    PUBLIC_BASE_URL,
    TELEGRAM_SECRET,
    twilio_signature,
    with_telegram,
)
from tests.fakes.telegram_api import FakeTelegram

FUZZ = hypothesis.settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same inputs on every run
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
RISK = "I want to kill myself"
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=300)  # no surrogates: forms are UTF-8
WITH_SURROGATES = st.text(st.characters(), max_size=300)


@pytest.fixture
def running(
    settings: Settings, clock: ManualClock, fake_telegram_server: tuple[FakeTelegram, str]
) -> Iterator[tuple[TestClient, Services]]:
    services = build_services(with_telegram(settings, fake_telegram_server), clock=clock)
    app = create_app(services=services, background=False)
    with TestClient(app, base_url=PUBLIC_BASE_URL) as client:
        try:
            yield client, services
        finally:
            client.portal.call(services.close)  # type: ignore[union-attr]


def escalations(client: TestClient, services: Services) -> int:
    async def count() -> int:
        async with services.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(Escalation)) or 0)

    return int(client.portal.call(count))  # type: ignore[union-attr]


def test_signed_random_sms_bodies_never_get_a_server_error(
    running: tuple[TestClient, Services],
) -> None:
    client, services = running
    seen = {"n": 0}

    @FUZZ
    @given(
        body=ANY_TEXT,
        sender=st.sampled_from([PATIENT_PHONE, "+12025550111", "not a number", "\x00+1"]),
        extra=st.dictionaries(
            st.text(st.characters(codec="utf-8"), max_size=20), ANY_TEXT, max_size=3
        ),
        risky=st.booleans(),
    )
    def post(body: str, sender: str, extra: dict[str, str], risky: bool) -> None:
        seen["n"] += 1
        params = {**extra, "MessageSid": f"SMfuzz{seen['n']}", "From": sender, "To": CLINIC_NUMBER}
        params["Body"] = f"{body} {RISK}" if risky else body
        url = PUBLIC_BASE_URL + "/webhooks/twilio/sms"
        before = escalations(client, services)
        response = client.post(
            "/webhooks/twilio/sms",
            data=params,
            headers={"X-Twilio-Signature": twilio_signature(url, params)},
        )
        assert response.status_code < 500
        if risky and response.status_code == 200 and sender != "not a number":
            assert escalations(client, services) >= max(before, 1)

    post()


def test_random_telegram_updates_with_broken_unicode_never_get_a_server_error(
    running: tuple[TestClient, Services],
) -> None:
    client, services = running
    seen = {"n": 0}

    @FUZZ
    @given(text=WITH_SURROGATES, risky=st.booleans())
    def post(text: str, risky: bool) -> None:
        seen["n"] += 1
        update = {
            "update_id": 5000 + seen["n"],
            "message": {
                "message_id": seen["n"],
                "date": 1796000000,
                "chat": {"id": 700999, "type": "private"},
                "text": f"{text} {RISK}" if risky else text,
            },
        }
        response = client.post(
            "/webhooks/telegram",
            content=json.dumps(update),  # escapes a lone surrogate as \\udXXX, as Telegram does
            headers={
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
            },
        )
        assert response.status_code < 500
        if risky:
            assert escalations(client, services) >= 1

    post()
