"""Synthetic patients with six weeks of history, so a newcomer sees what staff see.

``checkin demo seed`` adds five patients, named for what their history shows: a
responder, a remitter, an early non-responder, a relapse before a booster, and one with an
open escalation (opened through the real inbound path: the sandbox's on-call clinician is
paged). Each has an intake PHQ-9, six induction infusions, a daily mood answer most days
and a weekly PHQ-9 answered through the bot's own questionnaire flow.

It runs only with no real channel configured (nothing can leave the machine), and refuses
a database that holds patients it did not make unless told ``force``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import InboundMessage
from bot.conversation import handle_inbound
from bot.outcomes.signals import raise_signals
from bot.outcomes.store import band_of
from bot.scheduling.infusions import record_infusion
from bot.scheduling.plan import QuietHours
from bot.services import Services
from bot.web.sandbox import PHONES as SANDBOX_PHONES
from bot.web.sandbox import seed_demo
from storage.models import Answer, FlowSession, Patient, Score

DAYS = 42
INDUCTION = (0, 3, 7, 10, 14, 17)  # days after the first infusion


@dataclass(frozen=True)
class DemoPatient:
    name: str
    phone: str
    phq9: tuple[int, ...]  # intake, then weekly (weeks 1..6)
    moods: tuple[int, ...]  # one per week, repeated over the week's days
    booster_in_days: int | None = None  # an upcoming booster, days from now


DEMO = (
    # 555-0150..0154: numbers reserved for fiction.
    DemoPatient("Demo: responder", "+12025550150", (21, 17, 13, 10, 9, 8, 9), (3, 4, 5, 6, 6, 7)),
    DemoPatient("Demo: remitter", "+12025550151", (18, 12, 8, 5, 4, 3, 2), (3, 5, 6, 7, 8, 8)),
    DemoPatient(
        "Demo: early non-responder",
        "+12025550152",
        (20, 20, 19, 19, 18, 19, 18),
        (3, 3, 3, 4, 3, 3),
    ),
    DemoPatient(
        "Demo: relapse before a booster",
        "+12025550153",
        (22, 15, 9, 6, 5, 9, 13),
        (3, 5, 7, 8, 8, 5),
        booster_in_days=2,
    ),
    DemoPatient(
        "Demo: open escalation", "+12025550154", (19, 16, 14, 13, 13, 12, 12), (4, 4, 5, 5, 4, 3)
    ),
)
RISKY = "the thoughts are back and i have been counting my pills again"


class DemoRefused(RuntimeError):
    """The database or the settings are not ones to put demo data in."""


async def seed_history(services: Services, *, force: bool = False) -> list[int]:
    """Add the demo patients and their history; return their ids (raises ``DemoRefused``)."""
    if services.settings.twilio_enabled or services.settings.telegram_enabled:
        raise DemoRefused("A real channel is configured: demo data is for the sandbox only.")
    await seed_demo(services)  # the sandbox's patient and on-call clinician
    now = services.clock()
    start = now - timedelta(days=DAYS + 1)  # so the 6th weekly PHQ-9 is in the past
    quiet = QuietHours(*services.settings.quiet_hours)
    ids = []
    async with services.sessions() as session, session.begin():
        existing = set((await session.scalars(select(Patient.phone))).all())
        real = len(existing - {p.phone for p in DEMO} - set(SANDBOX_PHONES))
        if real and not force:
            raise DemoRefused(
                f"This database holds {real} patients that are not demo ones: "
                "use --force to add demo patients beside them."
            )
        for demo in DEMO:
            if demo.phone in existing:
                continue
            patient = Patient(
                name=demo.name,
                phone=demo.phone,
                channel="sms",
                timezone=services.settings.clinic_timezone,
                created_at=start - timedelta(days=2),
            )
            session.add(patient)
            await session.flush()
            ids.append(patient.id)
            for day in INDUCTION:
                await record_infusion(
                    session, patient, at=start + timedelta(days=day, hours=10), quiet=quiet, now=now
                )
            if demo.booster_in_days is not None:
                booster = now + timedelta(days=demo.booster_in_days)
                await record_infusion(session, patient, at=booster, quiet=quiet, now=now)
            await _history(session, services, patient, demo, start)
        await raise_signals(session, now=now)
    for demo in DEMO:
        if demo.name.endswith("open escalation") and demo.phone not in existing:
            await handle_inbound(
                services,
                InboundMessage(
                    channel="sms",
                    provider_id=f"DEMO{uuid.uuid4().hex}",
                    address=demo.phone,
                    text=RISKY,
                    received_at=now,
                ),
            )
    return ids


async def _history(
    session: AsyncSession, services: Services, patient: Patient, demo: DemoPatient, start: datetime
) -> None:
    """The intake PHQ-9, a weekly PHQ-9 session, daily moods (six days a week)."""
    intake = start - timedelta(days=1)
    weekly = [
        (start + timedelta(weeks=week, hours=9, minutes=30), total)
        for week, total in enumerate(demo.phq9[1:], start=1)
    ]
    daily = [
        (start + timedelta(days=day, hours=9, minutes=5), demo.moods[min(day // 7, 5)])
        for day in range(1, DAYS)
        if day % 7 != 6  # a day a week unanswered, as real patients do
    ]
    versions = {f: services.flows.get(f).version for f in ("phq9", "daily-checkin")}
    sessions = {
        (flow_id, at): FlowSession(
            patient_id=patient.id, flow_id=flow_id, flow_version=versions[flow_id], state={},
            status="completed", started_at=at, updated_at=at, created_at=at,
        )
        for flow_id, times in (("phq9", weekly), ("daily-checkin", daily))
        for at, _ in times
    }  # fmt: skip
    session.add_all(sessions.values())
    await session.flush()
    session.add(
        Score(patient_id=patient.id, session_id=None, source="intake", name="phq9",
              total=demo.phq9[0], band=band_of(services.flows, "phq9", demo.phq9[0]),
              missing=[], recorded_at=intake, created_at=intake)
    )  # fmt: skip
    for at, total in weekly:
        session.add(
            Score(patient_id=patient.id, session_id=sessions[("phq9", at)].id, name="phq9",
                  total=total, band=band_of(services.flows, "phq9", total), missing=[],
                  recorded_at=at, created_at=at)
        )  # fmt: skip
    for at, mood in daily:
        session.add(
            Answer(patient_id=patient.id, session_id=sessions[("daily-checkin", at)].id,
                   flow_id="daily-checkin", flow_version=versions["daily-checkin"], step_id="mood", value=mood,
                   raw_text=str(mood), recorded_at=at, created_at=at)
        )  # fmt: skip
