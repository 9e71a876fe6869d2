"""A conversation's saved state: plain data the host keeps in a JSON column."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast, get_args

from flows.types import Status, Value

FORMAT = 1


class StateError(ValueError):
    """Saved state that this engine cannot read."""


@dataclass(frozen=True)
class SessionState:
    """Where a conversation is. Immutable: the engine returns a new one.

    `answers` maps step id -> value; None means the step was skipped, and a
    step that was never reached is absent. `step_id` is the question
    waiting for a reply (None once the flow has ended).
    """

    flow_id: str
    flow_version: int
    status: Status
    step_id: str | None
    started_at: datetime
    expires_at: datetime
    reminder_at: datetime | None
    reminded: bool = False
    reprompts: int = 0
    answers: Mapping[str, Value] = field(default_factory=dict)
    # Steps skipped because the re-prompts ran out (not by the patient's choice).
    unreadable: tuple[str, ...] = ()
    # A guessed answer waiting for the patient's YES: {"value": ..., "text": the reply}.
    confirming: Mapping[str, Any] | None = None

    @property
    def active(self) -> bool:
        return self.status == "active"

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-ready data; `from_dict` reads it back."""
        data = {
            "format": FORMAT,
            "flow_id": self.flow_id,
            "flow_version": self.flow_version,
            "status": self.status,
            "step_id": self.step_id,
            "started_at": self.started_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "reminder_at": self.reminder_at.isoformat() if self.reminder_at else None,
            "reminded": self.reminded,
            "reprompts": self.reprompts,
            "answers": {k: list(v) if isinstance(v, list) else v for k, v in self.answers.items()},
            "unreadable": list(self.unreadable),
        }
        if self.confirming is not None:  # only while a guessed answer awaits a YES
            data["confirming"] = dict(self.confirming)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionState:
        """Return the state saved by `to_dict`, or raise StateError."""
        if data.get("format") != FORMAT:
            raise StateError(f"unknown state format {data.get('format')!r}")
        try:
            status = data["status"]
            if status not in get_args(Status):
                raise StateError(f"unknown status {status!r}")
            reminder_at = data.get("reminder_at")
            return cls(
                flow_id=str(data["flow_id"]),
                flow_version=int(data["flow_version"]),
                status=cast(Status, status),
                step_id=data.get("step_id"),
                started_at=_aware(data["started_at"]),
                expires_at=_aware(data["expires_at"]),
                reminder_at=_aware(reminder_at) if reminder_at else None,
                reminded=bool(data.get("reminded", False)),
                reprompts=int(data.get("reprompts", 0)),
                answers=dict(data.get("answers", {})),
                unreadable=tuple(data.get("unreadable", ())),
                confirming=data.get("confirming"),
            )
        except (KeyError, TypeError, ValueError) as error:
            if isinstance(error, StateError):
                raise
            raise StateError(f"saved state is incomplete or malformed: {error}") from error


def _aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise StateError("saved times must carry a time zone")
    return moment
