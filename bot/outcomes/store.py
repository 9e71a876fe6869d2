"""Scores in and outcomes out, through the database (the session is the caller's).

``record_score`` keeps a score taken outside the bot; ``patient_outcome`` reads what the
definitions need (complete scores, infusions, daily moods) and applies them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import flows
from bot.outcomes.definitions import MAX_TOTAL, Outcome, Point, outcome
from storage.models import Answer, Infusion, Score

INSTRUMENTS = tuple(MAX_TOTAL)
SOURCES = ("intake", "visit", "phone", "other")
MOOD_STEPS = ("mood",)  # the 0-10 mood question in the daily and post-infusion flows
# A score may be recorded a little ahead of the server's clock (a clinic in another zone
# typing "now"), never days ahead.
FUTURE_SLACK = timedelta(minutes=10)


class ScoreProblem(ValueError):
    """A score that cannot be true; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_score(instrument: str, total: int, at: datetime, *, now: datetime) -> None:
    if instrument not in MAX_TOTAL:
        raise ScoreProblem("instrument", f"Unknown instrument; use one of {', '.join(MAX_TOTAL)}.")
    top = MAX_TOTAL[instrument]
    if not 0 <= total <= top:
        name = {"phq9": "PHQ-9", "gad7": "GAD-7"}[instrument]
        raise ScoreProblem("total", f"A {name} total is from 0 to {top}; {total} is not possible.")
    if at > now + FUTURE_SLACK:
        raise ScoreProblem("at", "This time is in the future.")


def band_of(library: flows.FlowLibrary, instrument: str, total: int) -> str | None:
    """The severity band the library's questionnaire gives this total, if it has one."""
    for flow in library:
        for score in flow.scores:
            if score.name == instrument:
                return next((b.label for b in score.bands if b.min <= total <= b.max), None)
    return None


async def record_score(
    session: AsyncSession,
    library: flows.FlowLibrary,
    *,
    patient_id: int,
    instrument: str,
    total: int,
    at: datetime,
    source: str,
    now: datetime,
) -> Score:
    """Store a complete score taken outside the bot (raises ``ScoreProblem``)."""
    check_score(instrument, total, at, now=now)
    score = Score(
        patient_id=patient_id,
        session_id=None,
        source=source,
        name=instrument,
        total=total,
        band=band_of(library, instrument, total),
        missing=[],
        recorded_at=at,
        created_at=now,
    )
    session.add(score)
    await session.flush()
    return score


async def patient_outcome(
    session: AsyncSession, *, patient_id: int, instrument: str, now: datetime
) -> Outcome:
    scores = (
        await session.scalars(
            select(Score)
            .where(Score.patient_id == patient_id, Score.name == instrument)
            .order_by(Score.recorded_at, Score.id)
        )
    ).all()
    infusions = await session.scalars(
        select(Infusion.at).where(Infusion.patient_id == patient_id, Infusion.status != "cancelled")
    )
    moods = await session.execute(
        select(Answer.recorded_at, Answer.value).where(
            Answer.patient_id == patient_id, Answer.step_id.in_(MOOD_STEPS)
        )
    )
    return outcome(
        instrument,
        [Point(s.total, s.recorded_at) for s in scores if s.complete],
        infusions.all(),
        [(at, float(v)) for at, v in moods.all() if _is_number(v)],
        now=now,
    )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
