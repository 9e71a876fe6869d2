"""Whether the treatment is working: the outcome definitions, on stored scores alone.

Pure: scores, infusions and daily moods in, an ``Outcome`` out; no database and no clock
read (``now`` is passed in). The definitions, with their sources, are in docs/outcomes.md:

- **episode**: an induction series of infusions, then boosters. A new episode starts at
  the first infusion, at any infusion more than ``EPISODE_GAP`` after the one before, and
  at any infusion staff marked as starting a new episode (``starts``).
- **baseline**: the last complete score before the episode's first infusion.
- **change_percent**: latest against baseline, negative when better (20 to 7 is -65.0).
- **status**: ``remission`` (latest < 5), ``response`` (a drop of at least 50%),
  ``partial_response`` (25-49%), ``non_response``; ``no_baseline`` without a baseline and
  ``no_followup`` with a baseline but no score since the first infusion.
- **early_non_response**: by the 4th infusion (up to ``EARLY_WINDOW`` after it), no score
  has improved on the baseline by at least 20%.
- **relapse**: after a response, the latest score is back above half the baseline or at
  least 5 points above the lowest score before it, or the daily mood has fallen for
  ``MOOD_RUN`` days in a row, the last of them within ``MOOD_RECENT``.

Only complete scores count: a total with unanswered items is not a score.
Comparisons are made in integers, so a drop of exactly 50% is a response.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median

REMISSION_BELOW = {"phq9": 5, "gad7": 5}
MAX_TOTAL = {"phq9": 27, "gad7": 21}
NAMES = {"phq9": "PHQ-9", "gad7": "GAD-7"}  # a score's name, as clinicians write it
EPISODE_GAP = timedelta(days=90)  # longer without an infusion: the next one starts anew
INDUCTION_LENGTH = timedelta(days=42)  # infusions within six weeks of the first: induction
EARLY_BY_INFUSION = 4
EARLY_WINDOW = timedelta(days=7)  # scores this long after the 4th infusion still count
NADIR_RISE = 5  # points above the lowest score since baseline
MOOD_RUN = 3  # daily moods in a row, on different days...
MOOD_DROP = 2.0  # ...each at least this far below...
MOOD_REFERENCE = timedelta(days=14)  # ...the median of the moods this long before them
MOOD_REFERENCE_MIN = 3  # (a median of fewer moods is no reference)
MOOD_RECENT = timedelta(days=7)  # the run must reach this close to now: a fall is current
MOOD_LOOKBACK = timedelta(days=45)  # more than the rule can read: older moods need no loading


@dataclass(frozen=True, slots=True)
class Point:
    total: int
    at: datetime


@dataclass(frozen=True, slots=True)
class Episode:
    number: int  # 1 for the patient's first
    infusions: tuple[datetime, ...]  # those that happened, in order

    @property
    def start(self) -> datetime:
        return self.infusions[0]

    @property
    def induction(self) -> tuple[datetime, ...]:
        return tuple(at for at in self.infusions if at - self.start <= INDUCTION_LENGTH)

    @property
    def boosters(self) -> tuple[datetime, ...]:
        return self.infusions[len(self.induction) :]

    @property
    def phase(self) -> str:
        return "maintenance" if self.boosters else "induction"


@dataclass(frozen=True, slots=True)
class Relapse:
    flag: bool = False
    since: datetime | None = None
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    instrument: str
    status: str
    episode: Episode | None = None
    baseline: Point | None = None
    latest: Point | None = None
    nadir: Point | None = None
    change_percent: float | None = None
    early_non_response: bool = False
    early_evidence: str | None = None
    relapse: Relapse = field(default_factory=Relapse)


def episodes(
    infusions: Iterable[datetime], *, now: datetime, starts: Iterable[datetime] = ()
) -> list[Episode]:
    """The patient's episodes, from the infusions that have happened (not cancelled);
    ``starts`` are infusions staff marked as beginning a new episode."""
    marked = set(starts)
    groups: list[list[datetime]] = []
    for at in sorted(a for a in infusions if a <= now):
        if not groups or at - groups[-1][-1] > EPISODE_GAP or at in marked:
            groups.append([])
        groups[-1].append(at)
    return [Episode(n, tuple(g)) for n, g in enumerate(groups, start=1)]


def status_of(instrument: str, baseline: int, latest: int) -> str:
    if latest < REMISSION_BELOW[instrument]:
        return "remission"
    drop = baseline - latest
    if baseline > 0 and 2 * drop >= baseline:
        return "response"
    if baseline > 0 and 4 * drop >= baseline:
        return "partial_response"
    return "non_response"


def change_percent(baseline: int, latest: int) -> float | None:
    """Latest against baseline in percent, negative when better; None from a zero baseline."""
    if baseline == 0:
        return None
    return round((latest - baseline) * 100 / baseline, 1)


def outcome(
    instrument: str,
    scores: Iterable[Point],
    infusions: Iterable[datetime],
    moods: Sequence[tuple[datetime, float]] = (),
    *,
    now: datetime,
    starts: Iterable[datetime] = (),
) -> Outcome:
    """The outcome of the patient's latest episode on one instrument (complete scores only)."""
    history = sorted((p for p in scores if p.at <= now), key=lambda p: p.at)
    found = episodes(infusions, now=now, starts=starts)
    if not found:
        return Outcome(instrument, "no_baseline")
    episode = found[-1]
    before = [p for p in history if p.at < episode.start]
    if not before:
        return Outcome(instrument, "no_baseline", episode)
    baseline = before[-1]
    since = [p for p in history if p.at >= episode.start]
    if not since:
        return Outcome(instrument, "no_followup", episode, baseline, nadir=baseline)
    latest = since[-1]
    nadir = min([baseline, *since], key=lambda p: (p.total, p.at))
    early, early_evidence = _early_non_response(instrument, episode, baseline, since)
    return Outcome(
        instrument,
        status_of(instrument, baseline.total, latest.total),
        episode,
        baseline,
        latest,
        nadir,
        change_percent(baseline.total, latest.total),
        early,
        early_evidence,
        _relapse(instrument, baseline, since, moods, now=now),
    )


def _early_non_response(
    instrument: str, episode: Episode, baseline: Point, since: Sequence[Point]
) -> tuple[bool, str | None]:
    """No 20% improvement on any score up to a week after the 4th infusion."""
    if len(episode.infusions) < EARLY_BY_INFUSION:
        return False, None
    if baseline.total < REMISSION_BELOW[instrument]:
        return False, None  # nothing to improve on: a baseline already in remission range
    fourth = episode.infusions[EARLY_BY_INFUSION - 1]
    window = [p for p in since if p.at <= fourth + EARLY_WINDOW]
    if not window:
        return False, None  # no evidence either way
    best = min(window, key=lambda p: p.total)
    if 5 * (baseline.total - best.total) >= baseline.total:
        return False, None
    return True, (
        f"best score by the {EARLY_BY_INFUSION}th infusion was {best.total} on "
        f"{best.at:%Y-%m-%d}, against a baseline of {baseline.total}: less than 20% better"
    )


def _relapse(
    instrument: str,
    baseline: Point,
    since: Sequence[Point],
    moods: Sequence[tuple[datetime, float]],
    *,
    now: datetime,
) -> Relapse:
    if baseline.total < REMISSION_BELOW[instrument]:
        return Relapse()  # a baseline in remission range has no response to lose
    responded = next((p for p in since if _responded(instrument, baseline.total, p.total)), None)
    if responded is None:
        return Relapse()
    after = [p for p in since if p.at >= responded.at]
    evidence: list[str] = []
    start: datetime | None = None
    # The current run of scores that each show a loss of response, newest backwards.
    for i in range(len(after) - 1, 0, -1):
        reasons = _lost(baseline.total, after[i], after[:i])
        if not reasons:
            break
        start = after[i].at
        if not evidence:
            evidence = reasons
    mood = _mood_fall(moods, after_=responded.at, now=now)
    if mood is not None:
        evidence.append(mood[1])
        start = mood[0] if start is None else min(start, mood[0])
    if start is None:
        return Relapse()
    return Relapse(True, start, tuple(evidence))


def _responded(instrument: str, baseline: int, total: int) -> bool:
    """A response or a remission: what a relapse is a loss of."""
    return status_of(instrument, baseline, total) in ("response", "remission")


def _lost(baseline: int, point: Point, earlier: Sequence[Point]) -> list[str]:
    reasons = []
    if 2 * point.total > baseline:
        reasons.append(
            f"score {point.total} on {point.at:%Y-%m-%d} is above half the baseline ({baseline})"
        )
    low = min(earlier, key=lambda p: (p.total, p.at))
    if point.total - low.total >= NADIR_RISE:
        reasons.append(
            f"score {point.total} on {point.at:%Y-%m-%d} is {point.total - low.total} points "
            f"above the lowest, {low.total} on {low.at:%Y-%m-%d}"
        )
    return reasons


def _mood_fall(
    moods: Sequence[tuple[datetime, float]], *, after_: datetime, now: datetime
) -> tuple[datetime, str] | None:
    """The last ``MOOD_RUN`` daily moods, each well below the median of the two weeks before."""
    by_day: dict[date, tuple[datetime, float]] = {}
    for at, value in sorted(m for m in moods if after_ <= m[0] <= now):
        by_day[at.date()] = (at, value)  # a day's last answer stands for the day
    days = list(by_day.values())
    if len(days) < MOOD_RUN + MOOD_REFERENCE_MIN:
        return None
    run = days[-MOOD_RUN:]
    if now - run[-1][0] > MOOD_RECENT:
        return None  # the patient has not answered lately: no evidence of a fall now
    first = run[0][0]
    reference = [v for at, v in days[:-MOOD_RUN] if first - at <= MOOD_REFERENCE]
    if len(reference) < MOOD_REFERENCE_MIN:
        return None
    usual = median(reference)
    if all(v <= usual - MOOD_DROP for _, v in run):
        shown = ", ".join(f"{v:g}" for _, v in run)
        return first, (
            f"daily mood {shown} on the last {MOOD_RUN} days answered, from "
            f"{first:%Y-%m-%d}, against a usual {usual:g} in the two weeks before"
        )
    return None


def episode_outcomes(
    instrument: str,
    scores: Sequence[Point],
    infusions: Iterable[datetime],
    moods: Sequence[tuple[datetime, float]] = (),
    *,
    now: datetime,
    starts: Iterable[datetime] = (),
) -> list[Outcome]:
    """Each episode's outcome as it stood at its end (the day before the next began), or
    now for the current one: the per-episode summary."""
    every, marked = list(infusions), list(starts)
    found = episodes(every, now=now, starts=marked)
    if not found:
        return []
    ends = [e.start - timedelta(seconds=1) for e in found[1:]] + [now]
    return [outcome(instrument, scores, every, moods, now=end, starts=marked) for end in ends]
