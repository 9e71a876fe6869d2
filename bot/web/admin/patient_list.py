"""What the patients list shows, neediest first: open escalation, relapse, missed check-ins,
worsening scores; then status, last answered check-in, latest mood and its trend, the
PHQ-9 outcome and the next infusion."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outcomes.definitions import Outcome
from bot.outcomes.store import load_inputs, load_moods
from storage.models import (
    Answer,
    CheckinStatus,
    Escalation,
    EscalationState,
    Infusion,
    Patient,
    ScheduledCheckin,
)

TREND_DAYS = 30
MISSED_DAYS = 7  # missed check-ins this recent put a patient up the list
# Why a patient is high on the list, most urgent first: (rank, words on the badge, class).
NEEDS = {
    "escalation": (0, "open escalation", "open"),
    "relapse": (1, "relapse", "relapse"),
    "missed": (2, "missed check-ins", "paused"),
    "worsening": (3, "worsening", "non_response"),
}


@dataclass
class PatientRow:
    patient: Patient
    last_checkin: datetime | None = None
    moods: list[tuple[datetime, float]] = field(default_factory=list)
    escalated: bool = False
    missed: int = 0  # in the last MISSED_DAYS
    outcome: Outcome | None = None
    next_infusion: datetime | None = None

    @property
    def latest_mood(self) -> float | None:
        return self.moods[-1][1] if self.moods else None

    @property
    def needs(self) -> list[str]:
        """What puts the patient up the list, most urgent first (keys of ``NEEDS``)."""
        found = []
        if self.escalated:
            found.append("escalation")
        if self.outcome is not None and self.outcome.relapse.flag:
            found.append("relapse")
        if self.missed:
            found.append("missed")
        o = self.outcome
        if o is not None and (o.early_non_response or (o.change_percent or 0) > 0):
            found.append("worsening")
        return found

    @property
    def rank(self) -> int:
        return min((NEEDS[n][0] for n in self.needs), default=len(NEEDS))


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
    # One read of the recent moods serves the 30-day trend and the relapse rule.
    recent = await load_moods(session, list(rows), now=now)
    trend_from = now - timedelta(days=TREND_DAYS)
    for patient_id, points in recent.items():
        rows[patient_id].moods = sorted(p for p in points if p[0] >= trend_from)
    await _add_needs(session, rows, recent, now=now)
    return sorted(rows.values(), key=lambda r: (r.rank, r.patient.name, r.patient.id))


async def _add_needs(
    session: AsyncSession,
    rows: dict[int, PatientRow],
    moods: dict[int, list[tuple[datetime, float]]],
    *,
    now: datetime,
) -> None:
    escalated = await session.scalars(
        select(Escalation.patient_id).where(
            Escalation.patient_id.in_(rows), Escalation.state.in_(EscalationState.UNRESOLVED)
        )
    )
    for patient_id in escalated.all():
        if patient_id is not None:
            rows[patient_id].escalated = True
    missed = await session.execute(
        select(ScheduledCheckin.patient_id, func.count())
        .where(
            ScheduledCheckin.patient_id.in_(rows),
            ScheduledCheckin.status == CheckinStatus.MISSED,
            ScheduledCheckin.due_at >= now - timedelta(days=MISSED_DAYS),
        )
        .group_by(ScheduledCheckin.patient_id)
    )
    for patient_id, count in missed.all():
        rows[patient_id].missed = int(count)
    upcoming = await session.execute(
        select(Infusion.patient_id, func.min(Infusion.at))
        .where(Infusion.patient_id.in_(rows), Infusion.status != "cancelled", Infusion.at > now)
        .group_by(Infusion.patient_id)
    )
    for patient_id, at in upcoming.all():
        rows[patient_id].next_infusion = at
    inputs = await load_inputs(session, list(rows), instrument="phq9", now=now, moods=moods)
    for patient_id, found in inputs.items():
        rows[patient_id].outcome = found.outcome("phq9", now)
