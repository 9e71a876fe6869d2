"""A relapse and an early non-response reach the review list with their evidence, page
nobody, come once, and marking them seen is audited."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from sqlalchemy import select

from bot.clock import ManualClock
from bot.scheduler import tick_outcomes
from bot.services import Services
from storage.models import AuditEvent, OutcomeSignal
from tests.admin.staff import add_staff, form_token, sign_in
from tests.builders import (
    PRIMARY_PHONE,
    clinic_with_rota,
    enroll_patient,
    infusions_on,
    visit_phq9s,
)
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.patient_days import NY

START = datetime(2026, 11, 27, 10, 0, tzinfo=NY)  # the clock's start


async def _scores(services: Services, patient_id: int, *points: tuple[int, int]) -> None:
    await visit_phq9s(services, patient_id, START, *points)


async def _infusions(services: Services, patient_id: int, *days: float) -> None:
    await infusions_on(services, patient_id, START, *days)


async def test_a_relapse_is_on_the_review_list_once_and_marking_it_seen_is_audited(
    client: httpx.AsyncClient, services: Services, clock: ManualClock, fake_twilio: FakeTwilio
) -> None:
    ids = await clinic_with_rota(services)
    patient_id = ids["patient"]
    await _infusions(services, patient_id, 1, 4, 8, 11, 15, 18)
    clock.now = START + timedelta(days=50)
    await _scores(services, patient_id, (0, 22), (20, 6), (40, 13), (49, 15))

    assert await tick_outcomes(services) == 1
    await services.outbox.drain()

    # A signal, never a page: the primary on call gets only the day's digest.
    [digest] = fake_twilio.to(PRIMARY_PHONE)
    assert "daily summary, not urgent" in digest and "Alex Rivera (relapse)" in digest
    await sign_in(client, await add_staff(services, role="clinician", clinician_id=ids["primary"]))
    page = (await client.get("/admin/review")).text
    assert '<span class="badge relapse">relapse</span>' in page
    assert "score 15 on 2027-01-15 is above half the baseline (22)" in page
    assert "Alex Rivera" in page

    async with services.sessions() as session:
        signal = await session.scalar(select(OutcomeSignal))
    assert signal is not None
    token = await form_token(client, "/admin/review")
    done = await client.post(f"/admin/review/signals/{signal.id}/seen", data={"csrf_token": token})
    assert done.status_code == 303
    await tick_outcomes(services)  # the same relapse: not raised again

    assert "No new signals." in (await client.get("/admin/review")).text
    async with services.sessions() as session:
        assert len((await session.scalars(select(OutcomeSignal))).all()) == 1
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert "outcome_signal_seen" in actions


async def test_no_improvement_by_the_fourth_infusion_is_an_early_non_response_signal(
    client: httpx.AsyncClient, services: Services, clock: ManualClock
) -> None:
    patient_id = await enroll_patient(services)
    await _infusions(services, patient_id, 1, 4, 8, 11)
    clock.now = START + timedelta(days=13)
    await _scores(services, patient_id, (0, 20), (12, 18))

    await tick_outcomes(services)

    await sign_in(client, await add_staff(services, role="staff"))
    page = (await client.get("/admin/review")).text
    assert '<span class="badge early_non_response">early non response</span>' in page
    assert "against a baseline of 20: less than 20% better" in page
    assert "Mark as seen" not in page  # staff may look; a clinician marks it
    patient_page = (await client.get(f"/admin/patients/{patient_id}")).text
    assert '<span class="badge early_non_response">early non-response</span>' in patient_page


async def test_a_responding_patient_raises_no_signal(
    services: Services, clock: ManualClock
) -> None:
    patient_id = await enroll_patient(services)
    await _infusions(services, patient_id, 1, 4, 8, 11)
    clock.now = START + timedelta(days=30)
    await _scores(services, patient_id, (0, 20), (12, 12), (28, 7))

    assert await tick_outcomes(services) == 0


async def test_the_primary_on_call_gets_one_digest_a_day_of_signals_not_yet_seen(
    services: Services, clock: ManualClock, fake_twilio: FakeTwilio
) -> None:
    ids = await clinic_with_rota(services)
    await _infusions(services, ids["patient"], 1, 4, 8, 11, 15, 18)
    clock.now = datetime(2027, 1, 16, 7, 0, tzinfo=NY)  # before the digest's 08:00
    await _scores(services, ids["patient"], (0, 22), (20, 6), (40, 13), (49, 15))

    await tick_outcomes(services)
    await services.outbox.drain()
    before_eight = list(fake_twilio.to(PRIMARY_PHONE))
    clock.now = datetime(2027, 1, 16, 8, 30, tzinfo=NY)
    await tick_outcomes(services)
    clock.now = datetime(2027, 1, 16, 9, 30, tzinfo=NY)
    await tick_outcomes(services)  # the same day: no second digest
    await services.outbox.drain()

    assert before_eight == []
    assert fake_twilio.to(PRIMARY_PHONE) == [
        "Riverside Ketamine Clinic daily summary, not urgent: 1 treatment signal to review: "
        "Alex Rivera (relapse). See To review in the dashboard."
    ]
    async with services.sessions() as session, session.begin():
        signal = await session.scalar(select(OutcomeSignal))
        assert signal is not None
        signal.seen_at = clock.now
    clock.now = datetime(2027, 1, 17, 8, 30, tzinfo=NY)
    await tick_outcomes(services)
    await services.outbox.drain()
    assert len(fake_twilio.to(PRIMARY_PHONE)) == 1  # nothing unseen: no digest
