"""Weekly PHQ-9 and fortnightly GAD-7 on their own cadence, after the daily check-in."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from sqlalchemy import select, update

from bot.clock import ManualClock
from bot.services import Services
from storage.models import Answer, FlowSession, Patient, PatientStatus, Score
from tests.builders import add_infusion, enroll_patient
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.patient_days import NY, Phone

# enroll_patient enrolls on the clock's start: Friday 2026-11-27, 10:00 in New York.
# PHQ-9 is weekly from then (Fridays); GAD-7 every other week from ten days on (Mondays).


async def test_an_answering_patient_gets_each_questionnaire_right_after_the_daily_check_in(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await enroll_patient(services)
    phone = Phone(services, clock, fake_twilio, client)

    await phone.live_until(datetime(2026, 12, 19, 12, 0, tzinfo=NY))

    days = [datetime(2026, 11, 28, tzinfo=NY) + timedelta(days=n) for n in range(22)]
    dailies = [f"{day:%a %m-%d} 09:00 daily" for day in days]
    questionnaires = [
        "Fri 12-04 09:30 phq9",
        "Mon 12-07 09:30 gad7",
        "Fri 12-11 09:30 phq9",
        "Fri 12-18 09:30 phq9",
    ]
    assert phone.openers() == sorted(dailies + questionnaires, key=_when)
    async with services.sessions() as session:
        statuses = (await session.scalars(select(FlowSession.status))).all()
        scores = (await session.scalars(select(Score.name).order_by(Score.id))).all()
        answers = (await session.scalars(select(Answer.step_id))).all()
    assert set(statuses) == {"completed"}  # none abandoned, none left open
    assert scores == ["phq9", "gad7", "phq9", "phq9"]
    assert answers.count("mood") == 22 and answers.count("phq9_9") == 3


def _when(line: str) -> tuple[str, str]:
    return line[4:9], line[10:15]


async def test_a_silent_patient_gets_the_questionnaire_when_the_daily_window_closes(
    services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await enroll_patient(services)
    phone = Phone(services, clock, fake_twilio)
    clock.now = datetime(2026, 12, 4, 8, 0, tzinfo=NY)

    await phone.live_until(datetime(2026, 12, 5, 8, 0, tzinfo=NY))

    # Never two conversations at once: the PHQ-9 waits out the daily's 6-hour window.
    assert phone.openers() == ["Fri 12-04 09:00 daily", "Fri 12-04 15:00 phq9"]
    assert [f"{at:%H:%M}" for at, _ in phone.log] == ["09:00", "11:00", "15:00", "15:00", "19:00"]


async def test_a_paused_patient_gets_no_questionnaire_and_resuming_sends_no_backlog(
    services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    patient_id = await enroll_patient(services)
    phone = Phone(services, clock, fake_twilio)
    clock.now = datetime(2026, 12, 3, 8, 0, tzinfo=NY)
    await phone.live_until(datetime(2026, 12, 3, 12, 0, tzinfo=NY))
    await _set_status(services, patient_id, PatientStatus.PAUSED)
    await phone.live_until(datetime(2026, 12, 8, 12, 0, tzinfo=NY))  # over PHQ-9 and GAD-7 days
    await _set_status(services, patient_id, PatientStatus.ACTIVE)

    await phone.live_until(datetime(2026, 12, 12, 8, 0, tzinfo=NY))

    assert phone.openers() == [
        "Thu 12-03 09:00 daily",
        "Wed 12-09 09:00 daily",
        "Thu 12-10 09:00 daily",
        "Fri 12-11 09:00 daily",
        "Fri 12-11 15:00 phq9",
    ]


async def test_a_questionnaire_due_with_a_post_infusion_check_in_follows_it(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    patient_id = await enroll_patient(services)
    phone = Phone(services, clock, fake_twilio, client)
    clock.now = datetime(2026, 12, 4, 7, 0, tzinfo=NY)
    # Thursday 08:00: its next-morning check-in is Friday 09:00, the PHQ-9's time.
    await add_infusion(services, patient_id, datetime(2026, 12, 3, 8, 0, tzinfo=NY))

    await phone.live_until(datetime(2026, 12, 4, 20, 0, tzinfo=NY))

    # The daily check-in folds into the post-infusion one; the PHQ-9 waits for it to end.
    assert phone.openers() == ["Fri 12-04 09:00 post-infusion-morning", "Fri 12-04 09:30 phq9"]


async def _set_status(services: Services, patient_id: int, status: str) -> None:
    async with services.sessions() as session, session.begin():
        await session.execute(update(Patient).where(Patient.id == patient_id).values(status=status))
