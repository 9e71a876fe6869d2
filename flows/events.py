"""What happened during a turn of a conversation, for the host to apply.

Every event is a frozen dataclass named in the past tense with a `kind` name
(snake_case) so the host can route it through one table of handlers and
store it as JSON with `to_dict()`. Texts are already rendered in the
patient's language; the host only sends them.

Which events carry text for the patient: `QuestionAsked.text`,
`MessageSaid.text`, `AnswerRejected.reprompt_text`, `ReminderDue.text`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from flows.types import Choice, EscalationKind, Value


@dataclass(frozen=True)
class Event:
    kind: ClassVar[str] = "event"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict with the event's `kind` first."""
        body = asdict(self)
        for key, value in body.items():
            if isinstance(value, tuple):
                body[key] = list(value)
        return {"kind": self.kind, **body}


@dataclass(frozen=True)
class FlowStarted(Event):
    kind: ClassVar[str] = "flow_started"
    flow_id: str
    flow_version: int


@dataclass(frozen=True)
class QuestionAsked(Event):
    """A question to send; `choices` lets a chat adapter show buttons.

    `repeat` is true when the question is shown again because the patient
    asked for help.
    """

    kind: ClassVar[str] = "question_asked"
    step_id: str
    text: str
    answer_type: str
    choices: tuple[Choice, ...] = ()
    repeat: bool = False


@dataclass(frozen=True)
class MessageSaid(Event):
    kind: ClassVar[str] = "message_said"
    step_id: str | None
    text: str


@dataclass(frozen=True)
class AnswerRecorded(Event):
    """A readable answer. `note` explains an interpretation (e.g. hedged yes)."""

    kind: ClassVar[str] = "answer_recorded"
    step_id: str
    value: Value
    raw_text: str
    note: str | None = None


@dataclass(frozen=True)
class AnswerRejected(Event):
    kind: ClassVar[str] = "answer_rejected"
    step_id: str
    raw_text: str
    reprompt_text: str
    attempt: int
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class StepSkipped(Event):
    """`reason` is "patient_skipped" or "unreadable" (re-prompt limit reached)."""

    kind: ClassVar[str] = "step_skipped"
    step_id: str
    reason: str
    raw_text: str | None = None


@dataclass(frozen=True)
class EscalationRequested(Event):
    """A clinician must look now; the host raises (or joins) an escalation.

    `risk` is "suicide_risk" or "medical" (named so because `kind` is the
    event's own name on every event).
    """

    kind: ClassVar[str] = "escalation_requested"
    step_id: str
    risk: EscalationKind
    reason: str
    value: Value


@dataclass(frozen=True)
class ScoreComputed(Event):
    """An instrument's total. `band` is None when items are `missing`."""

    kind: ClassVar[str] = "score_computed"
    name: str
    total: int | float
    band: str | None
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReminderDue(Event):
    kind: ClassVar[str] = "reminder_due"
    step_id: str
    text: str
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class FlowCompleted(Event):
    kind: ClassVar[str] = "flow_completed"
    flow_id: str
    flow_version: int


@dataclass(frozen=True)
class FlowExpired(Event):
    """The window closed; `step_id` is the unanswered question, if any."""

    kind: ClassVar[str] = "flow_expired"
    flow_id: str
    flow_version: int
    step_id: str | None


@dataclass(frozen=True)
class FlowAborted(Event):
    """A guardrail stopped the flow (e.g. too many steps for one input)."""

    kind: ClassVar[str] = "flow_aborted"
    flow_id: str
    flow_version: int
    reason: str


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        FlowStarted,
        QuestionAsked,
        MessageSaid,
        AnswerRecorded,
        AnswerRejected,
        StepSkipped,
        EscalationRequested,
        ScoreComputed,
        ReminderDue,
        FlowCompleted,
        FlowExpired,
        FlowAborted,
    )
}
