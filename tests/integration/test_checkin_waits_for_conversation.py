"""A check-in due while the patient is in a conversation waits for it to end."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from sqlalchemy import select

from bot.clock import ManualClock
from bot.services import Services
from storage.models import FlowSession, Score
from tests.builders import PATIENT_PHONE, add_infusion, enroll_patient
from tests.conftest import post_sms
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.patient_days import NY, Phone


async def test_a_check_in_due_while_the_patient_answers_starts_when_they_finish(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    patient_id = await enroll_patient(services)  # Friday 11-27: PHQ-9 on Fridays
    phone = Phone(services, clock, fake_twilio)
    clock.now = datetime(2026, 12, 4, 8, 0, tzinfo=NY)
    await add_infusion(
        services, patient_id, datetime(2026, 12, 4, 10, 0, tzinfo=NY)
    )  # its evening check-in: 19:00
    await phone.live_until(datetime(2026, 12, 4, 18, 30, tzinfo=NY))
    assert phone.openers()[-1] == "Fri 12-04 15:00 phq9"
    clock.now = datetime(2026, 12, 4, 18, 40, tzinfo=NY)

    # From 18:40 the patient answers the PHQ-9, one item every ten minutes, past 19:00
    # (item 9 at 0, or it would page the clinician), then how difficult it has been.
    for reply in ["1"] * 8 + ["0", "1"]:
        await post_sms(client, sender=PATIENT_PHONE, body=reply)
        await phone.tick()
        clock.now += timedelta(minutes=10)
    await phone.live_until(datetime(2026, 12, 4, 21, 0, tzinfo=NY), step=timedelta(minutes=10))

    assert phone.openers()[-2:] == ["Fri 12-04 15:00 phq9", "Fri 12-04 20:10 post-infusion-evening"]
    async with services.sessions() as session:
        phq9 = await session.scalar(select(FlowSession).where(FlowSession.flow_id == "phq9"))
        score = await session.scalar(select(Score))
    assert phq9 is not None and phq9.status == "completed"  # not abandoned at 19:00
    assert score is not None and (score.name, score.total) == ("phq9", 8)


async def test_a_conversation_the_patient_left_idle_gives_way_to_a_check_in_that_matters_more(
    services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    patient_id = await enroll_patient(services)
    phone = Phone(services, clock, fake_twilio)
    clock.now = datetime(2026, 12, 4, 8, 0, tzinfo=NY)
    await add_infusion(services, patient_id, datetime(2026, 12, 4, 10, 0, tzinfo=NY))

    await phone.live_until(datetime(2026, 12, 4, 20, 0, tzinfo=NY))

    # The PHQ-9 sent at 15:00 was never answered: the post-infusion check-in is on time.
    assert phone.openers()[-2:] == ["Fri 12-04 15:00 phq9", "Fri 12-04 19:00 post-infusion-evening"]
    async with services.sessions() as session:
        phq9 = await session.scalar(select(FlowSession).where(FlowSession.flow_id == "phq9"))
    assert phq9 is not None and phq9.status == "abandoned"
