"""The ladder: primary, then backup, then director, repeating until a human acknowledges."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from bot.clock import ManualClock
from bot.scheduler import tick_safety
from bot.services import Services
from storage.models import Escalation
from tests.builders import (
    BACKUP_PHONE,
    DIRECTOR_PHONE,
    PATIENT_PHONE,
    PRIMARY_PHONE,
    add_clinician,
    clinic_with_rota,
    enroll_patient,
)
from tests.conftest import post_sms
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.test_risky_sms_pages_on_call import code_in


async def tick(services: Services) -> None:
    await tick_safety(services)
    await services.outbox.drain()


def pages(fake: FakeTwilio) -> list[str]:
    """Who received a page, in order."""
    return [m.to for m in fake.sent if "URGENT" in m.body or "Still unresolved" in m.body]


async def test_an_unacknowledged_page_climbs_the_ladder_and_repeats(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await clinic_with_rota(services, director=True)
    await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
    await services.outbox.drain()

    for _ in range(4):
        clock.advance(minutes=4, seconds=59)
        await tick(services)
        clock.advance(seconds=2)
        await tick(services)

    assert pages(fake_twilio) == [
        PRIMARY_PHONE,  # at 0
        BACKUP_PHONE,  # at +5 min
        DIRECTOR_PHONE,  # at +10 min
        PRIMARY_PHONE,  # at +15 min: the ladder repeats
        BACKUP_PHONE,  # at +20 min
    ]


async def test_an_acknowledgement_stops_the_ladder(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await clinic_with_rota(services)
    await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
    await services.outbox.drain()
    await post_sms(
        client, sender=PRIMARY_PHONE, body=f"ACK {code_in(fake_twilio.to(PRIMARY_PHONE)[0])}"
    )
    await services.outbox.drain()

    clock.advance(minutes=29)
    await tick(services)

    assert pages(fake_twilio) == [PRIMARY_PHONE]


async def test_acknowledged_but_unresolved_repages_the_holder_after_the_timeout(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await clinic_with_rota(services)
    await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
    await services.outbox.drain()
    await post_sms(
        client, sender=PRIMARY_PHONE, body=f"ACK {code_in(fake_twilio.to(PRIMARY_PHONE)[0])}"
    )
    await services.outbox.drain()

    clock.advance(minutes=30, seconds=1)
    await tick(services)
    clock.advance(minutes=30, seconds=1)
    await tick(services)

    assert pages(fake_twilio) == [PRIMARY_PHONE, PRIMARY_PHONE, PRIMARY_PHONE]
    assert "Still unresolved" in fake_twilio.to(PRIMARY_PHONE)[-1]


async def test_an_escalation_never_closes_by_itself(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await clinic_with_rota(services)
    await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
    await services.outbox.drain()

    for _ in range(12):  # two days of hourly ticks
        clock.advance(hours=4)
        await tick(services)

    async with services.sessions() as session:
        esc = await session.scalar(select(Escalation))
    assert esc is not None and esc.state == "open"
    assert len(pages(fake_twilio)) == 13


async def test_with_nobody_on_call_every_active_clinician_is_paged(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await enroll_patient(services)
    await add_clinician(services, name="Dr One", phone=PRIMARY_PHONE)
    await add_clinician(services, name="Dr Two", phone=BACKUP_PHONE)

    await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
    await services.outbox.drain()

    assert sorted(pages(fake_twilio)) == sorted([PRIMARY_PHONE, BACKUP_PHONE])


async def test_a_missing_backup_is_skipped_rather_than_waited_for(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    ids = await clinic_with_rota(services)
    async with services.sessions() as session, session.begin():
        from storage.models import Clinician

        backup = await session.get(Clinician, ids["backup"])
        assert backup is not None
        backup.active = False
    await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
    await services.outbox.drain()

    clock.advance(minutes=5, seconds=1)
    await tick(services)

    assert pages(fake_twilio) == [PRIMARY_PHONE, PRIMARY_PHONE]
