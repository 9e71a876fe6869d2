"""The risk model screens in a worker thread: the event loop keeps serving meanwhile."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.app import create_app
from bot.safety.screener import Screener
from bot.safety.screening import NOTHING, Level, Screening, model_layer
from bot.services import Services
from tests.builders import PATIENT_PHONE, PRIMARY_PHONE, clinic_with_rota
from tests.conftest import PUBLIC_BASE_URL, post_sms
from tests.fakes.twilio_api import FakeTwilio

WAIT = 5.0  # seconds a blocked layer waits before giving up (only when the test fails)
MODEL_CHECK = Screening(Level.CHECK, ("model_possible_risk",))


class BlockingLayer:
    """A slow layer that cannot finish until the event loop runs something else."""

    def __init__(self, result: Screening = MODEL_CHECK) -> None:
        self.released = threading.Event()
        self.calls: list[bool] = []  # per call: was it released by the loop in time?
        self.result = result

    def __call__(self, text: str) -> Screening:
        self.calls.append(self.released.wait(WAIT))
        return self.result


@pytest.fixture
async def blocked(services: Services) -> AsyncIterator[tuple[BlockingLayer, httpx.AsyncClient]]:
    layer = BlockingLayer()
    slowed = dataclasses.replace(services, screener=Screener(slow=(layer,), warmers=()))
    app = create_app(services=slowed, background=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=PUBLIC_BASE_URL
    ) as client:
        yield layer, client


async def test_the_loop_keeps_running_while_the_slow_layer_screens_a_message(
    blocked: tuple[BlockingLayer, httpx.AsyncClient], services: Services, fake_twilio: FakeTwilio
) -> None:
    layer, client = blocked
    await clinic_with_rota(services)

    async def loop_work() -> None:
        await asyncio.sleep(0.05)
        layer.released.set()  # runs only if the loop is not stuck inside the layer

    response, _ = await asyncio.gather(
        post_sms(client, sender=PATIENT_PHONE, body="everything feels pointless lately"),
        loop_work(),
    )
    await services.outbox.drain()

    assert response.status_code == 200
    assert layer.calls == [True]
    # The slow layer's `check` still counts: the patient is asked the safety question.
    assert "thoughts of killing yourself" in fake_twilio.to(PATIENT_PHONE)[-1]


async def test_an_urgent_rule_hit_pages_without_waiting_for_the_slow_layer(
    blocked: tuple[BlockingLayer, httpx.AsyncClient], services: Services, fake_twilio: FakeTwilio
) -> None:
    layer, client = blocked
    await clinic_with_rota(services)

    await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
    await services.outbox.drain()

    assert layer.calls == []
    assert "URGENT" in fake_twilio.to(PRIMARY_PHONE)[0]


async def test_the_slow_layer_can_raise_a_message_to_check_but_never_lower_the_rules() -> None:
    quiet = Screener(slow=(lambda text: NOTHING,), warmers=())
    risky = Screener(slow=(lambda text: MODEL_CHECK,), warmers=())
    broken = Screener(slow=(lambda text: 1 / 0,), warmers=())  # type: ignore[arg-type,misc]

    assert (await quiet("I can't do this anymore")).level == "check"
    assert (await risky("hello")).reasons == ("model_possible_risk",)
    assert (await broken("hello")).reasons == ("screening_error",)


async def test_the_app_loads_the_model_when_it_starts(services: Services) -> None:
    loaded: list[str] = []
    warming = dataclasses.replace(
        services,
        screener=Screener(warmers=(lambda: loaded.append(threading.current_thread().name),)),
    )
    app = create_app(services=warming, background=False)

    async with app.router.lifespan_context(app):
        assert len(loaded) == 1
    assert loaded[0] != threading.main_thread().name  # loaded off the event loop's thread


def test_by_default_messages_go_through_the_risk_model_in_every_install() -> None:
    assert Screener().slow == (model_layer,)
