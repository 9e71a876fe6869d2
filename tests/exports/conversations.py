"""Patients who answered real check-ins by SMS, through the service's own path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from bot.checkins.runner import start_flow
from bot.clock import ManualClock
from bot.services import Services
from storage.models import Patient
from tests.builders import PATIENT_PHONE, clinic_with_rota, enroll_patient
from tests.conftest import post_sms

OTHER_PHONE = "+12025550112"
# PHQ-9 items 1-9 then the difficulty question: total 10 (moderate), item 9 "Not at all".
PHQ9_REPLIES = ["1", "2", "0", "3", "1", "0", "2", "1", "0", "1"]
DAILY_REPLIES = ["7", "ok", "3", "nausea and headache", "nope"]


@dataclass(frozen=True)
class Clinic:
    patient: int
    other: int
    daily_started: datetime
    phq9_started: datetime
    gad7_started: datetime


async def converse(
    client: httpx.AsyncClient,
    services: Services,
    clock: ManualClock,
    *,
    patient_id: int,
    phone: str,
    flow_id: str,
    replies: list[str],
) -> datetime:
    """Start `flow_id` for the patient and send each reply a minute apart; return the start."""
    started = clock()
    async with services.sessions() as session, session.begin():
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        await start_flow(session, services, patient, flow_id, now=started)
    for text in replies:
        clock.now += timedelta(minutes=1)
        await post_sms(client, sender=phone, body=text)
    await services.outbox.drain()
    return started


async def clinic_with_answers(
    client: httpx.AsyncClient, services: Services, clock: ManualClock
) -> Clinic:
    """Alex: a daily check-in, a PHQ-9 a day later, a GAD-7 left half done; Sam: a daily."""
    ids = await clinic_with_rota(services)
    other = await enroll_patient(services, name="Sam Lee", phone=OTHER_PHONE)
    alex = ids["patient"]
    daily = await converse(
        client, services, clock, patient_id=alex, phone=PATIENT_PHONE,
        flow_id="daily-checkin", replies=DAILY_REPLIES,
    )  # fmt: skip
    await converse(
        client, services, clock, patient_id=other, phone=OTHER_PHONE,
        flow_id="daily-checkin", replies=["5", "1", "2", "5", "no"],
    )  # fmt: skip
    clock.now += timedelta(days=1)
    phq9 = await converse(
        client, services, clock, patient_id=alex, phone=PATIENT_PHONE,
        flow_id="phq9", replies=PHQ9_REPLIES,
    )  # fmt: skip
    clock.now += timedelta(days=1)
    gad7 = await converse(
        client, services, clock, patient_id=alex, phone=PATIENT_PHONE,
        flow_id="gad7", replies=["2", "1"],
    )  # fmt: skip
    return Clinic(alex, other, daily, phq9, gad7)
