"""Scores in and outcomes out, through the database (the session is the caller's).

``record_score`` keeps a score taken outside the bot; ``patient_outcome`` reads what the
definitions need (complete scores, infusions, daily moods) and applies them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

import flows
from bot import audit
from bot.outcomes.definitions import MAX_TOTAL, MOOD_LOOKBACK, NAMES, Outcome, Point, outcome
from storage.models import Answer, Infusion, Score

INSTRUMENTS = tuple(MAX_TOTAL)
SOURCES = ("intake", "visit", "phone", "other")
MOOD_STEPS = ("mood",)  # the 0-10 mood question in the daily and post-infusion flows
# A score may be recorded a little ahead of the server's clock (a clinic in another zone
# typing "now"), never days ahead.
FUTURE_SLACK = timedelta(minutes=10)


def mood_of(value: object) -> float | None:
    """A mood answer as a number, or None for a skipped or non-numeric answer."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


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
        raise ScoreProblem(
            "total", f"A {NAMES[instrument]} total is from 0 to {top}; {total} is not possible."
        )
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
    actor: str,
) -> Score:
    """Store a complete score taken outside the bot, audited as ``actor`` (raises
    ``ScoreProblem``)."""
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
    audit.record(
        session,
        at=now,
        actor=actor,
        action="score_recorded",
        subject=f"score:{score.id}",
        patient=patient_id,
    )
    return score


@dataclass
class Inputs:
    """What the definitions read for one patient."""

    scores: list[Point] = field(default_factory=list)  # complete ones, oldest first
    infusions: list[datetime] = field(default_factory=list)
    moods: list[tuple[datetime, float]] = field(default_factory=list)
    episode_starts: list[datetime] = field(default_factory=list)  # marked by staff

    def outcome(self, instrument: str, now: datetime) -> Outcome:
        return outcome(
            instrument,
            self.scores,
            self.infusions,
            self.moods,
            now=now,
            starts=self.episode_starts,
        )


async def load_inputs(
    session: AsyncSession,
    patients: Select[int] | list[int],
    *,
    instrument: str,
    now: datetime,
    moods: dict[int, list[tuple[datetime, float]]] | None = None,
) -> dict[int, Inputs]:
    """Each patient's inputs (only patients with a complete score), in three queries; two
    when the caller has read the recent moods already (``load_moods``)."""
    found: dict[int, Inputs] = defaultdict(Inputs)
    rows = await session.execute(
        select(Score.patient_id, Score.total, Score.recorded_at, Score.missing)
        .where(Score.name == instrument, Score.patient_id.in_(patients))
        .order_by(Score.recorded_at, Score.id)
    )
    for patient_id, total, at, missing in rows:
        if not missing:  # an incomplete total is not a score
            found[patient_id].scores.append(Point(total, at))
    if not found:
        return {}
    ids = list(found)
    for patient_id, at, new_episode in await session.execute(
        select(Infusion.patient_id, Infusion.at, Infusion.new_episode).where(
            Infusion.patient_id.in_(ids), Infusion.status != "cancelled"
        )
    ):
        found[patient_id].infusions.append(at)
        if new_episode:
            found[patient_id].episode_starts.append(at)
    if moods is None:
        moods = await load_moods(session, ids, now=now)
    for patient_id in ids:
        found[patient_id].moods = moods.get(patient_id, [])
    return dict(found)


async def load_moods(
    session: AsyncSession, patients: list[int], *, now: datetime
) -> dict[int, list[tuple[datetime, float]]]:
    """The daily moods the relapse rule can read (``MOOD_LOOKBACK``), by patient."""
    found: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    for patient_id, at, value in await session.execute(
        select(Answer.patient_id, Answer.recorded_at, Answer.value).where(
            Answer.patient_id.in_(patients),
            Answer.step_id.in_(MOOD_STEPS),
            Answer.recorded_at >= now - MOOD_LOOKBACK,
        )
    ):
        if (mood := mood_of(value)) is not None:
            found[patient_id].append((at, mood))
    return dict(found)


async def patient_outcome(
    session: AsyncSession, *, patient_id: int, instrument: str, now: datetime
) -> Outcome:
    loaded = await load_inputs(session, [patient_id], instrument=instrument, now=now)
    return loaded.get(patient_id, Inputs()).outcome(instrument, now)
