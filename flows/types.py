"""The shared vocabulary of the flow engine: values, context, limits, choices."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal, TypeAlias

# An answer as stored in session state and in events. Lists are multi-choice
# selections; None marks a step that was skipped (absent means never reached).
Value: TypeAlias = int | float | str | list[str] | None

EscalationKind: TypeAlias = Literal["suicide_risk", "medical"]
Status: TypeAlias = Literal["active", "completed", "expired", "aborted"]

# English is the fallback for every text, so every flow must have it.
FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True)
class Context:
    """What the host knows about the patient, used to render texts.

    Every field except `language` is a variable flow authors may write as
    `{name}`. A missing value renders safely (see `flows.texts.render`).
    """

    language: str = FALLBACK_LANGUAGE
    first_name: str | None = None
    infusion_number: int | None = None
    clinic_phone: str | None = None
    clinic_name: str | None = None
    # The clinic's country's emergency number (CRISIS_RESOURCES): "911", "999", "000".
    emergency_number: str | None = None

    def variable(self, name: str) -> str | None:
        """Return the variable's text, or None when the host did not supply it."""
        value = getattr(self, name, None)
        return None if value is None else str(value)


# Derived from Context so a new variable only needs adding in one place.
KNOWN_VARIABLES: frozenset[str] = frozenset(f.name for f in fields(Context)) - {"language"}


@dataclass(frozen=True)
class Limits:
    """Guardrails for flows that staff write; the host may tighten them.

    - `max_reprompts` (default 2): unreadable replies re-prompted before the
      step is skipped and the skip noted (`StepSkipped`, reason
      `unreadable`). A flow or a step may set its own `max_reprompts`.
    - `max_steps_per_input` (default 100): steps entered for one reply; a
      flow that would go on without asking anything is stopped
      (`FlowAborted`). Loops made only of `say` steps are also refused at
      load.
    - `max_input_chars` (default 2000): a longer reply is cut before it is
      read, so a pasted essay cannot make reading slow; the whole text is
      still recorded.
    - `expires_after` (per flow): the conversation's window from its first
      message. A reply after it does not count as an answer; the
      conversation ends (`FlowExpired`).
    - `reminder_after` (per flow, optional): one reminder (`ReminderDue`, the
      waiting question again) after this long without a reply, once per
      conversation, and never after the window has closed.
    """

    max_reprompts: int = 2
    max_steps_per_input: int = 100
    max_input_chars: int = 2000


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Choice:
    """One button a chat adapter may render: `reply` is the text to send back."""

    value: str
    label: str
    reply: str

    def to_dict(self) -> dict[str, str]:
        return {"value": self.value, "label": self.label, "reply": self.reply}
