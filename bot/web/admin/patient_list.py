"""What the patients list shows: status, channel, last answered check-in, latest mood and its trend."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outcomes.store import MOOD_STEPS
from storage.models import Answer, Patient

TREND_DAYS = 30


def mood_of(value: object) -> float | None:
    """A mood answer as a number, or None for a skipped or non-numeric answer."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@dataclass
class PatientRow:
    patient: Patient
    last_checkin: datetime | None = None
    moods: list[tuple[datetime, float]] = field(default_factory=list)

    @property
    def latest_mood(self) -> float | None:
        return self.moods[-1][1] if self.moods else None


async def patient_rows(
    session: AsyncSession, *, now: datetime, search: str = ""
) -> list[PatientRow]:
    query = select(Patient).order_by(Patient.name, Patient.id)
    if search.strip():
        query = query.where(Patient.name.ilike(f"%{search.strip()}%"))
    rows = {p.id: PatientRow(p) for p in (await session.scalars(query.limit(500))).all()}
    if not rows:
        return []
    # When the patient last answered a check-in question, whatever started it (the
    # schedule, staff, the sandbox): a check-in sent and never answered is not one.
    last = await session.execute(
        select(Answer.patient_id, func.max(Answer.recorded_at))
        .where(Answer.patient_id.in_(rows))
        .group_by(Answer.patient_id)
    )
    for patient_id, answered_at in last.all():
        rows[patient_id].last_checkin = answered_at
    moods: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    answers = await session.execute(
        select(Answer.patient_id, Answer.recorded_at, Answer.value)
        .where(
            Answer.patient_id.in_(rows),
            Answer.step_id.in_(MOOD_STEPS),
            Answer.recorded_at >= now - timedelta(days=TREND_DAYS),
        )
        .order_by(Answer.recorded_at)
    )
    for patient_id, at, value in answers.all():
        mood = mood_of(value)
        if mood is not None:
            moods[patient_id].append((at, mood))
    for patient_id, points in moods.items():
        rows[patient_id].moods = points
    return list(rows.values())
