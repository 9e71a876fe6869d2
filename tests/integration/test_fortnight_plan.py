"""Time travel through an induction fortnight: what the patient is sent, and when."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.clock import ManualClock
from bot.scheduler import tick_checkins
from bot.scheduling.infusions import record_infusion
from bot.scheduling.plan import QuietHours
from bot.services import Services
from storage.models import FlowSession, Patient
from tests.builders import enroll_patient

NY = ZoneInfo("America/New_York")


async def run_fortnight(
    services: Services, clock: ManualClock, infusions: list[datetime]
) -> list[str]:
    patient_id = await enroll_patient(services)
    clock.now = datetime(2026, 11, 29, 12, 0, tzinfo=NY)  # Sunday noon
    async with services.sessions() as session, session.begin():
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        for at in infusions:
            await record_infusion(session, patient, at=at, quiet=QuietHours(), now=clock.now)
    end = clock.now + timedelta(days=14)
    while clock.now < end:
        await tick_checkins(services)
        clock.advance(minutes=15)
    async with services.sessions() as session:
        started = (
            await session.scalars(select(FlowSession).order_by(FlowSession.started_at))
        ).all()
    return [f"{s.started_at.astimezone(NY):%a %m-%d %H:%M} {s.flow_id}" for s in started]


async def test_an_induction_fortnight_sends_each_check_in_once_at_its_local_time(
    services: Services, clock: ManualClock
) -> None:
    # Mon/Wed/Fri at 10:00 for two weeks, the usual induction of six infusions.
    days = [(11, 30), (12, 2), (12, 4), (12, 7), (12, 9), (12, 11)]
    infusions = [datetime(2026, m, d, 10, 0, tzinfo=NY) for m, d in days]

    sent = await run_fortnight(services, clock, infusions)

    # One message each morning (the daily check-in folds into a post-infusion one
    # near it), one each infusion evening; a newer infusion supersedes the older
    # one's 72-hour and 7-day check-ins. The patient enrolled on Friday 11-27: the
    # weekly PHQ-9 comes on Fridays and the fortnightly GAD-7 ten days after
    # enrolment, each after that day's daily check-in ends (here: unanswered, at 15:00).
    assert sent == [
        "Mon 11-30 09:00 daily-checkin",
        "Mon 11-30 19:00 post-infusion-evening",
        "Tue 12-01 09:00 post-infusion-morning",
        "Wed 12-02 09:00 daily-checkin",
        "Wed 12-02 19:00 post-infusion-evening",
        "Thu 12-03 09:00 post-infusion-morning",
        "Fri 12-04 09:00 daily-checkin",
        "Fri 12-04 15:00 phq9",
        "Fri 12-04 19:00 post-infusion-evening",
        "Sat 12-05 09:00 post-infusion-morning",
        "Sun 12-06 09:00 daily-checkin",
        "Mon 12-07 09:00 daily-checkin",
        "Mon 12-07 15:00 gad7",
        "Mon 12-07 19:00 post-infusion-evening",
        "Tue 12-08 09:00 post-infusion-morning",
        "Wed 12-09 09:00 daily-checkin",
        "Wed 12-09 19:00 post-infusion-evening",
        "Thu 12-10 09:00 post-infusion-morning",
        "Fri 12-11 09:00 daily-checkin",
        "Fri 12-11 15:00 phq9",
        "Fri 12-11 19:00 post-infusion-evening",
        "Sat 12-12 09:00 post-infusion-morning",
        "Sun 12-13 09:00 daily-checkin",
    ]


async def test_a_single_infusion_gets_evening_next_morning_72h_and_7_day_check_ins(
    services: Services, clock: ManualClock
) -> None:
    sent = await run_fortnight(services, clock, [datetime(2026, 11, 30, 10, 0, tzinfo=NY)])

    post = [line for line in sent if "post-infusion" in line or line.startswith("Mon 12-07")]
    assert post == [
        "Mon 11-30 19:00 post-infusion-evening",
        "Tue 12-01 09:00 post-infusion-morning",
        "Thu 12-03 10:00 post-infusion-72h",
        "Mon 12-07 10:00 daily-checkin",
        # The fortnightly GAD-7 due at 09:00 follows the 7-day check-in, never before it.
        "Mon 12-07 16:00 gad7",
    ]
    # The daily check-ins on those mornings were folded into them.
    assert "Tue 12-01 09:00 daily-checkin" not in sent
    assert "Thu 12-03 09:00 daily-checkin" not in sent
    assert "Wed 12-02 09:00 daily-checkin" in sent
