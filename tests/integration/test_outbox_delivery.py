"""The outbox: a page the provider refuses is retried and delivered once, never dropped."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select

from bot.app import create_app
from bot.bootstrap import build_services
from bot.clock import ManualClock, system_clock
from bot.config import Settings
from bot.outbox import enqueue
from bot.outbox.worker import OutboxWorker
from bot.services import Services
from storage.models import DeliveryAttempt, OutboxItem, Priority
from tests.builders import PATIENT_PHONE, PRIMARY_PHONE, clinic_with_rota
from tests.conftest import PUBLIC_BASE_URL, post_sms, served
from tests.fakes.twilio_api import FakeTwilio, Fault


async def attempts_for(services: Services, address: str) -> list[str]:
    async with services.sessions() as session:
        rows = await session.scalars(
            select(DeliveryAttempt.outcome)
            .join(OutboxItem, OutboxItem.id == DeliveryAttempt.outbox_item_id)
            .where(OutboxItem.address == address)
            .order_by(DeliveryAttempt.id)
        )
        return list(rows.all())


async def drain_over(services: Services, clock: ManualClock, minutes: int) -> None:
    for _ in range(minutes * 6):
        await services.outbox.drain()
        clock.advance(seconds=10)


async def test_a_page_refused_twice_with_500_is_delivered_exactly_once(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await clinic_with_rota(services)
    # The first two sends (crisis message and page go together) fail; then both go through.
    fake_twilio.fail_next(Fault(500), Fault(500), Fault(503), Fault(503))

    await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
    await drain_over(services, clock, minutes=2)

    assert len(fake_twilio.to(PRIMARY_PHONE)) == 1
    assert len(fake_twilio.to(PATIENT_PHONE)) == 1
    assert await attempts_for(services, PRIMARY_PHONE) == ["retry", "retry", "sent"]


async def test_retry_after_from_a_429_is_respected(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await clinic_with_rota(services)
    fake_twilio.fail_next(Fault(429, retry_after=30), Fault(429, retry_after=30))

    await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
    await services.outbox.drain()
    clock.advance(seconds=20)
    await services.outbox.drain()
    assert fake_twilio.to(PRIMARY_PHONE) == []

    clock.advance(seconds=15)
    await services.outbox.drain()
    assert len(fake_twilio.to(PRIMARY_PHONE)) == 1


async def test_a_provider_timeout_is_retried(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await clinic_with_rota(services)
    # Slower than the 2 s client timeout; the fake still "accepts" after the delay,
    # which is the real-world duplicate risk, so only a 500 is returned here.
    fake_twilio.fail_next(Fault(500, delay=2.5))

    await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
    await drain_over(services, clock, minutes=1)

    assert len(fake_twilio.to(PRIMARY_PHONE)) == 1
    assert "retry" in await attempts_for(services, PRIMARY_PHONE) + await attempts_for(
        services, PATIENT_PHONE
    )


async def test_a_permanent_4xx_fails_at_once_and_records_why(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await clinic_with_rota(services)
    fake_twilio.fail_next(Fault(400, code=21211))

    await post_sms(client, sender=PATIENT_PHONE, body="hello there")
    await drain_over(services, clock, minutes=1)

    async with services.sessions() as session:
        item = await session.scalar(select(OutboxItem).where(OutboxItem.address == PATIENT_PHONE))
    assert item is not None
    assert item.status == "failed"
    assert item.last_error is not None and "21211" in item.last_error
    assert fake_twilio.to(PATIENT_PHONE) == []


async def test_pages_are_sent_before_routine_replies_queued_earlier(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await clinic_with_rota(services)
    for n in range(5):
        await post_sms(client, sender=PATIENT_PHONE, body=f"update {n}: mood 6")
    await post_sms(client, sender="+12025550112", body="I want to kill myself")

    await services.outbox.drain()

    first_recipients = [m.to for m in fake_twilio.sent[:2]]
    assert PRIMARY_PHONE in first_recipients


async def test_a_page_overtakes_rate_limited_routine_traffic(
    services: Services, fake_twilio: FakeTwilio
) -> None:
    ids = await clinic_with_rota(services)
    worker = OutboxWorker(
        sessions=services.sessions,
        senders=services.senders,
        clock=system_clock,
        worker_id="test",
        routine_rates={"sms": 20.0},
    )
    now = system_clock()
    async with services.sessions() as session, session.begin():
        for n in range(40):
            await enqueue(
                session,
                key=f"routine:{n}",
                channel="sms",
                address=f"+1202555{n:04d}",
                body=f"routine {n}",
                now=now,
                priority=Priority.ROUTINE,
            )
    runner = asyncio.create_task(worker.run_forever(idle_seconds=0.05))
    try:
        while not fake_twilio.sent:
            await asyncio.sleep(0.01)
        async with services.sessions() as session, session.begin():
            await enqueue(
                session,
                key="page:urgent",
                channel="sms",
                address=PRIMARY_PHONE,
                body="URGENT page",
                now=system_clock(),
                purpose="page",
                priority=Priority.PAGE,
                clinician_id=ids["primary"],
            )
        worker.wake()
        while len(fake_twilio.sent) < 41:
            await asyncio.sleep(0.01)
    finally:
        worker.stop()
        await runner
    order = [m.body for m in fake_twilio.sent]
    assert order.index("URGENT page") < 30  # routine traffic was still queued behind it


async def test_a_refused_connection_keeps_the_page_queued_until_the_provider_is_back(
    settings: Settings, clock: ManualClock, fake_twilio: FakeTwilio
) -> None:
    down = build_services(
        settings.model_copy(update={"twilio_api_base_url": "http://127.0.0.1:9"}), clock=clock
    )
    try:
        await clinic_with_rota(down)
        app = create_app(services=down, background=False)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=PUBLIC_BASE_URL
        ) as client:
            await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
        await down.outbox.drain()
        async with down.sessions() as session:
            page = await session.scalar(select(OutboxItem).where(OutboxItem.purpose == "page"))
        assert page is not None
        assert (page.status, page.attempts) == ("pending", 1)
        assert page.last_error is not None and "unreachable" in page.last_error
    finally:
        await down.close()

    back = build_services(settings, clock=clock)
    try:
        clock.advance(minutes=1)
        await back.outbox.drain()
    finally:
        await back.close()
    assert len(fake_twilio.to(PRIMARY_PHONE)) == 1


async def test_routine_texts_are_given_up_after_routine_max_attempts_while_pages_go_on(
    settings: Settings, clock: ManualClock, fake_twilio: FakeTwilio
) -> None:
    async with served(settings.model_copy(update={"routine_max_attempts": 2}), clock) as (
        services,
        client,
    ):
        await clinic_with_rota(services)
        fake_twilio.fail_next(Fault(500), Fault(500))
        await post_sms(client, sender=PATIENT_PHONE, body="mood is a 6 today")
        await drain_over(services, clock, minutes=2)
        fake_twilio.fail_next(*[Fault(500)] * 4)
        await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
        await drain_over(services, clock, minutes=3)

        attempts = await attempts_for(services, PATIENT_PHONE)
        # The reply to 'mood is a 6' failed twice and was given up (ROUTINE_MAX_ATTEMPTS=2).
        assert attempts[:2] == ["retry", "failed"]
        assert len(fake_twilio.to(PRIMARY_PHONE)) == 1  # the page kept trying and arrived
        assert "988" in fake_twilio.to(PATIENT_PHONE)[-1]
