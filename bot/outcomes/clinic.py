"""The clinic's response and remission rates, beside the published figures.

Pure, like the definitions it applies. Two looks, one row per episode:

- **at 6 weeks**: each episode that began at least six weeks ago, judged as it stood six
  weeks after its first infusion (its outcome with ``now`` set to that day);
- **after maintenance**: each episode that has had a booster, judged as it stands now.

An episode without a baseline or without a score since its first infusion is counted
apart, as not evaluable: a rate is over the evaluable ones only, and says how many.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.outcomes.definitions import Outcome, episodes, outcome
from bot.outcomes.store import Inputs

SIX_WEEKS = timedelta(weeks=6)
# Ketamine for treatment-resistant depression in clinical samples (docs/outcomes.md).
PUBLISHED = {"6 weeks": (0.50, 0.20), "after maintenance": (0.72, 0.38)}
RESPONDED = ("response", "remission")
NOT_EVALUABLE = ("no_baseline", "no_followup")


@dataclass
class Look:
    """One look at the clinic: the episodes judged, and what each came to."""

    name: str
    outcomes: list[tuple[int, Outcome]] = field(default_factory=list)  # (patient, outcome)

    @property
    def evaluable(self) -> list[Outcome]:
        return [o for _, o in self.outcomes if o.status not in NOT_EVALUABLE]

    @property
    def responders(self) -> int:
        return sum(o.status in RESPONDED for o in self.evaluable)

    @property
    def remitters(self) -> int:
        return sum(o.status == "remission" for o in self.evaluable)

    def rate(self, count: int) -> float | None:
        return count / len(self.evaluable) if self.evaluable else None

    @property
    def published(self) -> tuple[float, float]:
        return PUBLISHED[self.name]


def clinic_looks(patients: Iterable[tuple[int, Inputs]], *, now: datetime) -> list[Look]:
    six, maintenance = Look("6 weeks"), Look("after maintenance")
    for patient_id, inputs in patients:
        for episode in episodes(inputs.infusions, now=now, starts=inputs.episode_starts):
            judged_at = episode.start + SIX_WEEKS
            if judged_at <= now:
                six.outcomes.append((patient_id, _as_of(inputs, judged_at)))
        latest = inputs.outcome("phq9", now)
        if latest.episode is not None and latest.episode.boosters:
            maintenance.outcomes.append((patient_id, latest))
    return [six, maintenance]


def _as_of(inputs: Inputs, when: datetime) -> Outcome:
    return outcome(
        "phq9",
        inputs.scores,
        inputs.infusions,
        inputs.moods,
        now=when,
        starts=inputs.episode_starts,
    )
