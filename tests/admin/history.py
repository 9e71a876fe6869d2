"""A patient with a few weeks of history: moods, scores, infusions, check-ins, messages."""

from __future__ import annotations

from datetime import timedelta

from bot.scheduling.infusions import record_infusion
from bot.scheduling.plan import QuietHours
from bot.services import Services
from storage.models import Answer, FlowSession, Message, Patient, ScheduledCheckin, Score
from tests.builders import enroll_patient

MOODS = [3, 4, 4, 6, 7, 5, 8]


async def patient_with_history(services: Services) -> int:
    now = services.clock()
    patient_id = await enroll_patient(services)
    async with services.sessions() as session, session.begin():
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        for days_ago in (12, 5):
            await record_infusion(
                session, patient, at=now - timedelta(days=days_ago), quiet=QuietHours(), now=now
            )
        flow = FlowSession(
            patient_id=patient_id,
            flow_id="daily-checkin",
            flow_version=1,
            state={},
            status="completed",
        )
        session.add(flow)
        await session.flush()
        for day, mood in enumerate(MOODS):
            at = now - timedelta(days=14 - 2 * day)
            session.add(
                Answer(
                    patient_id=patient_id,
                    session_id=flow.id,
                    flow_id="daily-checkin",
                    flow_version=1,
                    step_id="mood",
                    value=mood,
                    raw_text=f"{mood}/10",
                    recorded_at=at,
                )
            )
        session.add(
            Score(patient_id=patient_id, session_id=flow.id, name="phq9", total=14, band="moderate")
        )
        session.add(
            ScheduledCheckin(
                patient_id=patient_id,
                kind="daily",
                flow_id="daily-checkin",
                slot="daily:missed",
                due_at=now - timedelta(days=1),
                status="missed",
            )
        )
        session.add(
            Message(
                direction="in",
                channel="sms",
                address=patient.phone,
                patient_id=patient_id,
                body="slept well after the infusion",
            )
        )
    return patient_id
