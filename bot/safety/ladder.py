"""The escalation ladder: who is paged, in what order, how long each has to acknowledge.

Example (`ESCALATION_LADDER=ladder.yaml`):

    levels:
      - {target: primary, wait_minutes: 5}
      - {target: backup, wait_minutes: 5}
      - {target: director, wait_minutes: 5}
      - {target: "clinician:7", wait_minutes: 5}   # a named clinician by id
    ack_timeout_minutes: 30   # acknowledged but unresolved: page the holder again
    voice_after_rounds: 1     # optional: from round 2 on, each page also rings (Twilio call)

Business-hours routing: a level may carry `when: business_hours` or `when: after_hours`
and is skipped at other times (as a rung with nobody on call is), by the clinic's
clock (CLINIC_TIMEZONE):

    business_hours: {days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}
    levels:
      - {target: desk, wait_minutes: 5, when: business_hours}   # the clinic desk by day
      - {target: primary, wait_minutes: 5}                      # on call, day and night
      - {target: backup, wait_minutes: 5}

With `voice_after_rounds: N`, once N whole rounds of text pages (SMS/Telegram) went
unacknowledged, every further page also places a phone call to the same clinician: the
call reads a short alert and "press 1 to acknowledge". Unset (the default): no calls.

The ladder repeats from the top until someone acknowledges. An escalation keeps
a copy of the policy it opened under, so an edit never changes a live one.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from bot.wallclock import hhmm

TARGET = re.compile(r"^(primary|backup|director|desk|clinician:\d+)$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class BusinessHours(BaseModel):
    days: list[str] = Field(default_factory=lambda: list(WEEKDAYS[:5]), min_length=1)
    start: str = "09:00"
    end: str = "17:00"

    @field_validator("days")
    @classmethod
    def _weekdays(cls, value: list[str]) -> list[str]:
        days = [day.strip().lower()[:3] for day in value]
        unknown = [day for day in days if day not in WEEKDAYS]
        if unknown:
            raise ValueError(f"unknown weekday {unknown[0]!r} (use mon, tue, ... sun)")
        return days

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        return hhmm(value)

    @model_validator(mode="after")
    def _start_before_end(self) -> BusinessHours:
        if self.start >= self.end:
            raise ValueError("start must be before end (business hours within one day)")
        return self

    def contains(self, local: datetime) -> bool:
        """Whether a local wall-clock time falls in business hours."""
        return (
            WEEKDAYS[local.weekday()] in self.days
            and self.start <= local.strftime("%H:%M") < self.end
        )


class LadderLevel(BaseModel):
    target: str
    wait_minutes: float = Field(gt=0, le=120)
    when: Literal["always", "business_hours", "after_hours"] = "always"

    @field_validator("target")
    @classmethod
    def _known_target(cls, value: str) -> str:
        if not TARGET.match(value):
            raise ValueError("must be primary, backup, director, desk or clinician:<id>")
        return value


class LadderPolicy(BaseModel):
    levels: list[LadderLevel] = Field(min_length=1)
    ack_timeout_minutes: float = Field(default=30, gt=0)
    voice_after_rounds: int | None = Field(default=None, ge=0)

    business_hours: BusinessHours | None = None

    @model_validator(mode="after")
    def _hours_when_needed(self) -> LadderPolicy:
        if self.business_hours is None and any(lv.when != "always" for lv in self.levels):
            raise ValueError("a level with `when:` needs `business_hours:` in the ladder")
        return self

    def applies(self, level: LadderLevel, local: datetime) -> bool:
        """Whether `level` is paged at this clinic-local time (`when:` routing)."""
        if level.when == "always" or self.business_hours is None:
            return True
        return self.business_hours.contains(local) == (level.when == "business_hours")

    def rings_in(self, round_: int) -> bool:
        """Whether pages in ladder round `round_` (1-based) also place a call."""
        return self.voice_after_rounds is not None and round_ > self.voice_after_rounds

    def snapshot(self) -> dict[str, Any]:
        return self.model_dump()

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> LadderPolicy:
        return cls.model_validate(data)


DEFAULT_LADDER = LadderPolicy(
    levels=[
        LadderLevel(target="primary", wait_minutes=5),
        LadderLevel(target="backup", wait_minutes=5),
        LadderLevel(target="director", wait_minutes=5),
    ],
    ack_timeout_minutes=30,
)


class LadderError(ValueError):
    pass


def load_ladder(path: Path | None) -> LadderPolicy:
    if path is None:
        return DEFAULT_LADDER
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return LadderPolicy.model_validate(data)
    except OSError as exc:
        raise LadderError(f"ESCALATION_LADDER: cannot read {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise LadderError(f"ESCALATION_LADDER: {path} is not valid YAML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise LadderError(f"ESCALATION_LADDER: {path}: {problems}") from exc
