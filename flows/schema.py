"""The YAML layout of a flow file, checked field by field with pydantic.

```yaml
id: daily-checkin            # unique across the library
version: 3                   # bump on every edit; running conversations keep theirs
title: Daily check-in
description: What it is for (optional, shown in docs/flows.md)
instrument: PHQ-9            # optional: name of a validated instrument
source: "Kroenke et al. 2001; public domain"   # optional: where wording comes from
expires_after: 6h            # the conversation's window, from the first message
reminder_after: 2h           # optional: one reminder after this long without a reply
max_reprompts: 2             # optional: unreadable replies before a step is skipped
steps: [...]                 # see "Steps"
scoring: [...]               # optional, see "Scoring"
cadence: {every: 1w}         # optional: sent on its own schedule, see "Cadence"
```

Problems across fields (duplicate step ids, a `goto` to no step, a bad
condition, an unknown variable, bands with gaps) are load errors too,
reported with their line like any other.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from flows.fields import LocalTextField, NameField


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Route(_Spec):
    """Where to go after a step: `next`.

    ```yaml
    next: thanks                 # always go to the step with id "thanks"
    next:                        # or: routes tried in order, first match wins
      - {if: "mood <= 3", goto: low_mood}
      - {if: "safety == yes", goto: end}   # "end" finishes the flow
      - {goto: sleep}            # a route without "if" always matches
    ```

    Without `next`, or when no route matches, the flow goes to the step
    below in the file; after the last step it finishes.
    """

    condition: str | None = Field(default=None, alias="if")
    goto: str


class EscalationRule(_Spec):
    """Ask for a clinician now: `escalate_if` on a question step.

    ```yaml
    escalate_if: "safety == yes"           # shorthand: kind suicide_risk
    escalate_if:
      if: "red_flags != none"
      kind: medical                         # suicide_risk (default) or medical
      reason: "Red-flag symptom after an infusion"   # shown to the clinician
    escalate_if:                            # a list: the first rule that holds fires
      - {if: "asq_5 == yes", reason: "ASQ acute positive"}
      - {if: "asq_5 == skipped", reason: "ASQ question 5 declined"}
    ```

    Checked right after the step is answered or skipped, so the clinician
    is paged even if the patient stops replying. At most one escalation per
    answer. For `yes_no` steps, hedged answers ("sometimes", "a little",
    "maybe", "kind of") are recorded as yes, so `== yes` catches them.
    The host sends crisis resources and pages the on-call clinician; the
    flow should still tell the patient what happens next (a `say` step).
    """

    condition: str | None = Field(default=None, alias="if")
    kind: Literal["suicide_risk", "medical"] = "suicide_risk"
    reason: str | None = None


def _as_routes(value: Any) -> Any:
    # `next: thanks` is shorthand for `next: [{goto: thanks}]`.
    return [{"goto": value}] if isinstance(value, str) else value


def _as_rules(value: Any) -> Any:
    # `escalate_if: "safety == yes"` is shorthand for one rule.
    if isinstance(value, str):
        return [{"if": value}]
    if isinstance(value, dict):
        return [value]
    return value


class CadenceSpec(_Spec):
    """Send a flow on its own schedule, beside the daily check-in: `cadence`.

    ```yaml
    cadence:
      every: 1w        # weekly; "2w" every other week (whole days only)
      first_after: 1w  # optional: the first one this long after enrolment (default: every)
    ```

    Due on the weekday the patient enrolled, at their daily check-in time
    in their own time zone, with quiet hours applied like any check-in.
    On a day it falls with the daily check-in, it follows it: it starts
    once the daily conversation ends (answered, or its window closed), so
    the patient never has two conversations open. Paused, opted-out and
    escalated patients get none, and resuming plans the next one, never
    the ones missed in between.
    """

    every: str
    first_after: str | None = None


class StepSpec(_Spec):
    id: NameField
    ask: LocalTextField | None = None
    say: LocalTextField | None = None
    # Checked against the answer type named in `type` by the compiler, so
    # each type's own fields and messages apply.
    answer: dict[str, Any] | None = None
    next: Annotated[list[Route] | None, BeforeValidator(_as_routes)] = None
    escalate_if: Annotated[list[EscalationRule] | None, BeforeValidator(_as_rules)] = None
    max_reprompts: int | None = Field(default=None, ge=0, le=10)


class Band(_Spec):
    min: float
    max: float
    label: str


class ScoreSpec(_Spec):
    name: NameField
    items: list[str]
    bands: list[Band] = []


class FlowSpec(_Spec):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
    version: int = Field(ge=1)
    title: str
    description: str | None = None
    instrument: str | None = None
    source: str | None = None
    expires_after: str
    reminder_after: str | None = None
    max_reprompts: int | None = Field(default=None, ge=0, le=10)
    steps: list[StepSpec] = Field(min_length=1)
    scoring: list[ScoreSpec] = []
    cadence: CadenceSpec | None = None
