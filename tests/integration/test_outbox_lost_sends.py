"""A send whose outcome was lost (the process died after Twilio accepted it, or Twilio's
answer timed out) is not texted twice: the next attempt asks Twilio before resending."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from bot.channels.base import OutboundMessage
from bot.clock import ManualClock
from bot.outbox import enqueue
from bot.services import Services
from storage.models import DeliveryAttempt, OutboxItem, Priority
from tests.builders import PATIENT_PHONE
from tests.fakes.twilio_api import FakeTwilio, Fault

BODY = "Hi Alex, how is your mood today from 0 (worst) to 10 (best)?"


async def a_send_that_died_mid_flight(services: Services, *, reached_twilio: bool) -> None:
    """Queue a message, lease it as a worker would, and (maybe) send it, then record nothing."""
    now = services.clock()
    async with services.sessions() as session, session.begin():
        await enqueue(
            session,
            key="lost-send",
            channel="sms",
            address=PATIENT_PHONE,
            body=BODY,
            now=now,
            purpose="checkin",
            priority=Priority.ROUTINE,
        )
        await session.execute(update(OutboxItem).values(claimed_until=now + timedelta(seconds=60)))
    if reached_twilio:
        await services.senders["sms"].send(OutboundMessage("sms", PATIENT_PHONE, BODY, "lost-send"))


async def queue_question(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        await enqueue(
            session, key="k", channel="sms", address=PATIENT_PHONE, body=BODY, now=services.clock()
        )


async def outcome(services: Services) -> tuple[str, str | None, list[str]]:
    async with services.sessions() as session:
        item = await session.scalar(select(OutboxItem))
        attempts = (await session.scalars(select(DeliveryAttempt.outcome))).all()
    assert item is not None
    return item.status, item.provider_id, list(attempts)


async def test_a_lost_send_that_reached_twilio_is_recorded_not_sent_again(
    services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await a_send_that_died_mid_flight(services, reached_twilio=True)
    [first] = fake_twilio.sent

    await services.outbox.drain()  # still leased to the dead worker: nothing happens
    assert (fake_twilio.lookups, len(fake_twilio.sent)) == (0, 1)
    clock.advance(seconds=61)
    await services.outbox.drain()

    assert fake_twilio.to(PATIENT_PHONE) == [BODY]
    assert fake_twilio.lookups == 1
    assert await outcome(services) == ("sent", first.sid, ["sent"])


async def test_a_lost_send_that_never_reached_twilio_is_sent_once(
    services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await a_send_that_died_mid_flight(services, reached_twilio=False)

    clock.advance(seconds=61)
    await services.outbox.drain()

    assert fake_twilio.to(PATIENT_PHONE) == [BODY]
    assert fake_twilio.lookups == 1
    status, provider_id, attempts = await outcome(services)
    assert (status, attempts) == ("sent", ["sent"])
    assert provider_id == fake_twilio.sent[0].sid


async def test_an_ordinary_send_does_not_ask_twilio_first(
    services: Services, fake_twilio: FakeTwilio
) -> None:
    await queue_question(services)
    await services.outbox.drain()
    assert (fake_twilio.to(PATIENT_PHONE), fake_twilio.lookups) == ([BODY], 0)


async def test_a_send_that_timed_out_after_twilio_took_it_is_not_sent_twice(
    services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    # Twilio takes the message but answers after the client's 2 s timeout.
    fake_twilio.fail_next(Fault(201, delay=2.5))
    await queue_question(services)
    await services.outbox.drain()
    await _settled()  # the fake finishes taking it after the client gave up
    [taken] = fake_twilio.sent

    clock.advance(seconds=10)  # past the retry's backoff
    await services.outbox.drain()

    assert fake_twilio.to(PATIENT_PHONE) == [BODY]  # one text, not two
    assert fake_twilio.lookups == 1
    assert await outcome(services) == ("sent", taken.sid, ["retry", "sent"])


async def test_a_send_that_timed_out_before_twilio_took_it_is_sent_on_retry(
    services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    fake_twilio.fail_next(Fault(500, delay=2.5))  # too slow, and refused after all
    await queue_question(services)
    await services.outbox.drain()
    await _settled()
    assert fake_twilio.sent == []

    clock.advance(seconds=10)
    await services.outbox.drain()

    assert fake_twilio.to(PATIENT_PHONE) == [BODY]
    assert fake_twilio.lookups == 1
    status, provider_id, attempts = await outcome(services)
    assert (status, attempts) == ("sent", ["retry", "sent"])
    assert provider_id == fake_twilio.sent[0].sid


async def _settled() -> None:
    """Wait out the fake's slow answer (2.5 s, begun before the client's 2 s timeout)."""
    await asyncio.sleep(0.7)
