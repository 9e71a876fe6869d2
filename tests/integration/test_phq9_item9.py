"""A PHQ-9 whose item 9 pages: the clinician is paged at once and the score is still kept.

Before this, the answer after item 9 went to the escalation ("We have passed your message
to the clinician") and the questionnaire never finished: the patients whose scores matter
most lost them.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select

from bot.checkins import runner
from bot.clock import ManualClock
from bot.scheduler import tick_checkins
from bot.services import Services
from storage.models import Escalation, FlowSession, Patient, Score
from tests.admin.staff import add_staff, sign_in
from tests.builders import PATIENT_PHONE, PRIMARY_PHONE, clinic_with_rota
from tests.conftest import post_sms
from tests.fakes.twilio_api import FakeTwilio


async def start_phq9(services: Services) -> dict[str, int]:
    ids = await clinic_with_rota(services)
    async with services.sessions() as session, session.begin():
        patient = await session.get(Patient, ids["patient"])
        assert patient is not None
        await runner.start_flow(session, services, patient, "phq9", now=services.clock())
    await services.outbox.drain()
    return ids


async def answer(client: httpx.AsyncClient, services: Services, *replies: str) -> None:
    for text in replies:
        await post_sms(client, sender=PATIENT_PHONE, body=text)
        await services.outbox.drain()


async def scores(services: Services) -> list[Score]:
    async with services.sessions() as session:
        return list((await session.scalars(select(Score))).all())


async def test_item_9_pages_at_once_and_the_questionnaire_still_ends_with_a_score(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await start_phq9(services)
    await answer(client, services, "2", "2", "1", "2", "1", "1", "1", "0")
    assert fake_twilio.to(PRIMARY_PHONE) == []

    await answer(client, services, "1")  # item 9: several days

    paged = fake_twilio.to(PRIMARY_PHONE)
    assert len(paged) == 1
    assert (
        'answered "1" (PHQ-9 item 9 above 0: thoughts of being better off dead or of self-harm)'
        in paged[0]
    )
    assert "phq9_9" not in paged[0]  # no step ids in what the clinician reads
    said = fake_twilio.to(PATIENT_PHONE)
    assert any("I've alerted your care team" in text for text in said)
    assert said[-1].startswith("If you checked off any problems, how difficult")

    await answer(client, services, "very difficult")

    said = fake_twilio.to(PATIENT_PHONE)
    assert said[-1] == "Thank you, Alex. Your care team will review your answers."
    assert not any("We have passed your message" in text for text in said)
    # The clinician paged sees the reply too, and is paged once, not again.
    to_clinician = fake_twilio.to(PRIMARY_PHONE)
    assert len(to_clinician) == 2 and to_clinician[1].endswith(": very difficult")
    [score] = await scores(services)
    assert (score.name, score.total, score.band, score.missing) == ("phq9", 11, "moderate", [])
    async with services.sessions() as session:
        escalation = await session.scalar(select(Escalation))
    assert escalation is not None and escalation.state == "open"
    # The escalations page gives the reason in words, not the step's code.
    await sign_in(client, await add_staff(services, role="clinician"))
    page = (await client.get("/admin/escalations")).text
    assert "why: an answer to PHQ-9 item 9; PHQ-9 item 9 above 0" in page
    assert "flow:phq9" not in page


async def test_a_patient_who_stops_after_item_9_keeps_a_complete_total(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await start_phq9(services)
    await answer(client, services, "3", "3", "3", "3", "2", "3", "2", "2", "2")

    clock.now += timedelta(hours=25)  # the questionnaire's window (24 h) has closed
    await tick_checkins(services)

    [score] = await scores(services)
    # Every scored item was answered: the total and band stand without the last question.
    assert (score.total, score.band, score.missing) == (23, "severe", [])


async def test_a_questionnaire_stopped_midway_keeps_its_answers_marked_incomplete(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    ids = await start_phq9(services)
    await answer(client, services, "2", "3", "1", "2", "2")

    clock.now += timedelta(hours=25)
    await tick_checkins(services)

    [score] = await scores(services)
    assert (score.total, score.band) == (10, None)
    assert score.missing == ["phq9_6", "phq9_7", "phq9_8", "phq9_9"]
    async with services.sessions() as session:
        flow_session = await session.scalar(select(FlowSession))
    assert flow_session is not None and flow_session.status == "expired"
    # Staff see the total as incomplete, not as a mild PHQ-9.
    await sign_in(client, await add_staff(services, role="staff"))
    page = (await client.get(f"/admin/patients/{ids['patient']}")).text
    assert "<strong>incomplete</strong>: 4 items unanswered, not banded" in page


async def test_a_risky_free_text_message_mid_check_in_still_goes_to_the_clinician(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    """Only the conversation's own answer lets it go on: a crisis text pauses the questions."""
    await start_phq9(services)
    await answer(client, services, "2", "i want to kill myself", "ok")

    said = fake_twilio.to(PATIENT_PHONE)
    assert said[-1] == "We have passed your message to the clinician."
    assert fake_twilio.to(PRIMARY_PHONE)[-1].endswith(": ok")
