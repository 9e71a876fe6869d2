"""The escalation ladder: who is paged, in what order, how long each has to acknowledge.

Example (`ESCALATION_LADDER=ladder.yaml`):

    levels:
      - {target: primary, wait_minutes: 5}
      - {target: backup, wait_minutes: 5}
      - {target: director, wait_minutes: 5}
      - {target: "clinician:7", wait_minutes: 5}   # a named clinician by id
    ack_timeout_minutes: 30   # acknowledged but unresolved: page the holder again
    voice_after_rounds: 1     # optional: from round 2 on, each page also rings (Twilio call)

With `voice_after_rounds: N`, once N whole rounds of text pages (SMS/Telegram) went
unacknowledged, every further page also places a phone call to the same clinician: the
call reads a short alert and "press 1 to acknowledge". Unset (the default): no calls.

The ladder repeats from the top until someone acknowledges. An escalation keeps
a copy of the policy it opened under, so an edit never changes a live one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

TARGET = re.compile(r"^(primary|backup|director|clinician:\d+)$")


class LadderLevel(BaseModel):
    target: str
    wait_minutes: float = Field(gt=0, le=120)

    @field_validator("target")
    @classmethod
    def _known_target(cls, value: str) -> str:
        if not TARGET.match(value):
            raise ValueError("must be primary, backup, director or clinician:<id>")
        return value


class LadderPolicy(BaseModel):
    levels: list[LadderLevel] = Field(min_length=1)
    ack_timeout_minutes: float = Field(default=30, gt=0)
    voice_after_rounds: int | None = Field(default=None, ge=0)

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
