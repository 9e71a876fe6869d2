"""Which check-in starts first, and when a newly enrolled patient's first one is planned.

Every row carries its precedence from its kind (post-infusion, then daily, then
questionnaires), whichever path inserted it; the claim reads rows in that order.
The sweep that plans a newly enrolled patient's first check-in reads every
patient; with PLANNING_SWEEP_SECONDS set it runs at most that often, not every tick.
DISPATCH_BATCH_SIZE sets how many due check-ins one transaction starts; a tick
starts every due one, batch after batch.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.bootstrap import build_services
from bot.clock import ManualClock
from bot.config import Settings
from bot.scheduler import tick_checkins
from bot.services import Services
from storage.models import ScheduledCheckin
from tests.builders import add_infusion, enroll_patient
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.patient_days import NY


async def _planned(services: Services) -> list[tuple[str, str, int]]:
    async with services.sessions() as session:
        rows = await session.execute(
            select(ScheduledCheckin.kind, ScheduledCheckin.slot, ScheduledCheckin.precedence)
            .where(ScheduledCheckin.status == "due")
            .order_by(ScheduledCheckin.id)
        )
        return [(kind, slot.split(":")[0], precedence) for kind, slot, precedence in rows]


async def test_each_planned_check_in_carries_the_precedence_of_its_kind(
    services: Services, clock: ManualClock
) -> None:
    patient = await enroll_patient(services)
    await tick_checkins(services)  # the daily and the questionnaires on their cadence
    await add_infusion(services, patient, clock() + timedelta(hours=2))

    planned = await _planned(services)
    precedence = {(kind, flow): n for kind, flow, n in planned}
    assert precedence[("daily", "daily")] == 1
    assert precedence[("cadence", "phq9")] == 2
    assert precedence[("cadence", "gad7")] == 2
    assert {n for kind, _, n in planned if kind == "post_infusion"} == {0}


async def test_a_patient_enrolled_between_sweeps_is_planned_within_a_minute(
    settings: Settings, clock: ManualClock
) -> None:
    services = build_services(
        settings.model_copy(update={"planning_sweep_seconds": 60}), clock=clock
    )
    try:
        await _first_plan_waits_for_the_next_sweep(services, clock)
    finally:
        await services.close()


async def _first_plan_waits_for_the_next_sweep(services: Services, clock: ManualClock) -> None:
    clock.now = datetime(2026, 11, 27, 10, 0, tzinfo=NY)
    await tick_checkins(services)  # the first tick sweeps: nobody enrolled yet
    await enroll_patient(services)

    clock.advance(seconds=30)
    await tick_checkins(services)
    assert await _planned(services) == []  # the sweep ran 30 s ago

    clock.advance(seconds=31)
    await tick_checkins(services)
    assert sorted((kind, flow) for kind, flow, _ in await _planned(services)) == [
        ("cadence", "gad7"),
        ("cadence", "phq9"),
        ("daily", "daily"),
    ]


async def test_one_tick_starts_every_due_check_in_whatever_the_batch_size(
    settings: Settings, clock: ManualClock, fake_twilio: FakeTwilio
) -> None:
    services = build_services(settings.model_copy(update={"dispatch_batch_size": 2}), clock=clock)
    try:
        clock.now = datetime(2026, 11, 27, 10, 0, tzinfo=NY)
        phones = [f"+1415555{n:04d}" for n in range(5)]
        for n, phone in enumerate(phones):
            await enroll_patient(services, name=f"Patient {n}", phone=phone)
        await tick_checkins(services)  # plans tomorrow's 09:00 for all five

        clock.now = datetime(2026, 11, 28, 9, 0, tzinfo=NY)
        handled = await tick_checkins(services)  # three batches: 2, 2 and 1
        await services.outbox.drain()
    finally:
        await services.close()

    assert handled == 5
    for phone in phones:
        assert len(fake_twilio.to(phone)) == 1, phone
