"""Provider faults on the safety path: a patient texts risk while the connection to Twilio
breaks, or Twilio refuses for minutes. Every crisis text and page arrives exactly once.

A TCP proxy (``tests/fakes/fault_proxy.py``) stands between the real twilio client and the
fake Twilio API, so the client meets real broken sockets. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from bot.app import create_app
from bot.bootstrap import build_services
from bot.clock import ManualClock
from bot.config import Settings
from bot.services import Services
from tests.builders import PATIENT_PHONE, PRIMARY_PHONE, clinic_with_rota
from tests.conftest import PUBLIC_BASE_URL, post_sms
from tests.fakes.fault_proxy import FaultProxy
from tests.fakes.twilio_api import FakeTwilio, Fault

CRISIS_LINE = "988"


@pytest.fixture
def proxy(fake_twilio_server: tuple[FakeTwilio, str]) -> Iterator[FaultProxy]:
    _, url = fake_twilio_server
    running = FaultProxy(int(url.rsplit(":", 1)[1])).start()
    yield running
    running.stop()


@pytest.fixture
async def proxied(
    settings: Settings, clock: ManualClock, proxy: FaultProxy
) -> AsyncIterator[Services]:
    built = build_services(
        settings.model_copy(update={"twilio_api_base_url": proxy.url}), clock=clock
    )
    yield built
    await built.close()


@pytest.fixture
async def proxied_client(proxied: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(services=proxied, background=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=PUBLIC_BASE_URL
    ) as http:
        yield http


async def settle(services: Services, clock: ManualClock, *, rounds: int, step: float) -> None:
    """Let the outbox retry: drain, move the clock past the backoff, again."""
    for _ in range(rounds):
        await services.outbox.drain()
        clock.advance(seconds=step)
    await services.outbox.drain()


def crisis_texts(fake: FakeTwilio) -> list[str]:
    return [body for body in fake.to(PATIENT_PHONE) if CRISIS_LINE in body]


@pytest.mark.parametrize(
    ("mode", "may_have_sent"),
    [
        ("close_after_accept", True),
        ("reset_after_accept", True),
        ("hang", True),
        ("close_before_accept", False),
    ],
)
async def test_a_broken_connection_to_twilio_sends_each_crisis_text_and_page_once(
    mode: str,
    may_have_sent: bool,
    proxied: Services,
    proxied_client: httpx.AsyncClient,
    proxy: FaultProxy,
    fake_twilio: FakeTwilio,
    clock: ManualClock,
) -> None:
    await clinic_with_rota(proxied)
    proxy.mode, proxy.faults_left = mode, 2  # the crisis text's and the page's connections

    await post_sms(proxied_client, sender=PATIENT_PHONE, body="I want to kill myself")
    await settle(proxied, clock, rounds=4, step=31)

    assert proxy.broken == 2
    assert len(crisis_texts(fake_twilio)) == 1
    assert len([b for b in fake_twilio.to(PRIMARY_PHONE) if "URGENT" in b]) == 1
    if may_have_sent:  # Twilio took it: each lost send was looked up before any resend
        assert fake_twilio.lookups >= 2


async def test_two_minutes_of_429s_never_abandon_the_crisis_text_or_the_page(
    services: Services, client: httpx.AsyncClient, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await clinic_with_rota(services)
    # Far more refusals than any attempt limit: Retry-After 1 s, for two minutes of sends.
    fake_twilio.fail_next(*[Fault(429, retry_after=1) for _ in range(40)])

    await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
    await settle(services, clock, rounds=45, step=3)

    assert fake_twilio.faults == []  # every refusal was met by a retry
    assert len(crisis_texts(fake_twilio)) == 1
    assert len([b for b in fake_twilio.to(PRIMARY_PHONE) if "URGENT" in b]) == 1
