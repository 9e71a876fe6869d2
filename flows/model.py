"""A compiled flow: what the engine runs, built from a checked `FlowSpec`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any

from flows.answers import AnswerType
from flows.conditions import Condition
from flows.schema import Band, FlowSpec
from flows.texts import LocalText
from flows.types import EscalationKind

END = "end"


@dataclass(frozen=True)
class NextRoute:
    condition: Condition | None
    goto: str


@dataclass(frozen=True)
class Escalation:
    condition: Condition | None
    source: str | None
    risk: EscalationKind
    reason: str | None


@dataclass(frozen=True)
class Step:
    id: str
    kind: str
    text: LocalText
    answer: AnswerType | None
    routes: tuple[NextRoute, ...]
    escalations: tuple[Escalation, ...]
    max_reprompts: int | None
    # The step below this one in the file: where `next` falls through to.
    following: str


@dataclass(frozen=True)
class Score:
    name: str
    items: tuple[str, ...]
    bands: tuple[Band, ...]


@dataclass(frozen=True)
class Cadence:
    """How often a flow is sent on its own schedule, in whole days."""

    every: timedelta
    first_after: timedelta


@dataclass(frozen=True, eq=False)
class Flow:
    """A flow ready to run. Hosts keep it by (id, version), or as a snapshot."""

    spec: FlowSpec
    source: str
    steps: Mapping[str, Step]
    first_step: str
    expires_after: timedelta
    reminder_after: timedelta | None
    scores: tuple[Score, ...] = field(default=())
    cadence: Cadence | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def version(self) -> int:
        return self.spec.version

    @property
    def title(self) -> str:
        return self.spec.title

    def snapshot(self) -> dict[str, Any]:
        """Return the definition as JSON-ready data; `flows.from_snapshot` reads it back.

        A host that stores this beside a session can finish the session on
        exactly this definition even after the file has changed or gone.
        """
        return self.spec.model_dump(mode="json", by_alias=True, exclude_none=True)

    @cached_property
    def fingerprint(self) -> str:
        """Return a hash of the definition: same id and version, other text = an edit."""
        canonical = json.dumps(self.snapshot(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]
