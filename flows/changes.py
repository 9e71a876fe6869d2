"""What publishing a new version of a flow would change that must not change quietly.

Pure: two compiled flows in, problems out. The host adds what only it knows (which
conversations are waiting where) and decides who may override what.

- **errors**, never overridden: a safety escalation dropped; a validated instrument's
  wording, answers or scoring changed (PHQ-9 and GAD-7 are locked to the built-in text).
- **warnings**, which an administrator may override with a note: an escalation's condition
  changed; the scoring of a clinic flow changed, so its scores before and after no longer
  compare.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from flows.model import Flow

# Published instruments whose items are fixed word for word (the ASQ is asked aloud in its
# validation and its flow is the clinic's adaptation: its escalations are still checked).
LOCKED_INSTRUMENTS = ("PHQ-9", "GAD-7")


@dataclass(frozen=True, order=True)
class Problem:
    severity: Literal["error", "warning"]
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"severity": self.severity, "code": self.code, "message": self.message}


def _escalations(flow: Flow) -> dict[str, list[tuple[str, str | None]]]:
    """Step id -> its suicide-risk escalation rules, as (kind, condition)."""
    found: dict[str, list[tuple[str, str | None]]] = {}
    for step in flow.spec.steps:
        rules: list[tuple[str, str | None]] = [
            (r.kind, r.condition) for r in step.escalate_if or ()
        ]
        if rules:
            found[step.id] = rules
    return found


def _items(flow: Flow) -> list[tuple[str, Any, Any, Any]]:
    """What a respondent reads and can answer, step by step."""
    return [(step.id, _plain(step.ask), _plain(step.say), step.answer) for step in flow.spec.steps]


def _plain(value: object) -> object:
    if hasattr(value, "model_dump"):
        return value.model_dump()
    return value


def _scoring(flow: Flow) -> list[dict[str, Any]]:
    return [score.model_dump() for score in flow.spec.scoring]


def escalation_problems(old: Flow, new: Flow) -> list[Problem]:
    problems: list[Problem] = []
    before, after = _escalations(old), _escalations(new)
    for step_id, rules in before.items():
        kept = after.get(step_id, [])
        for kind, condition in rules:
            if (kind, condition) in kept:
                continue
            words = f'escalate_if "{condition}"' if condition else "its escalate_if"
            fewer = sum(k == kind for k, _ in kept) < sum(k == kind for k, _ in rules)
            if fewer:
                missing = "is gone" if step_id not in new.steps else f"no longer has {words}"
                problems.append(
                    Problem(
                        "error",
                        "escalation_removed",
                        f"step {step_id} {missing}: an answer that paged the on-call "
                        f"clinician ({kind.replace('_', ' ')}) would page nobody",
                    )
                )
            else:
                now = ", ".join(f'"{c}"' for k, c in kept if k == kind and (k, c) not in rules)
                problems.append(
                    Problem(
                        "warning",
                        "escalation_changed",
                        f'step {step_id} escalates on {now} instead of "{condition}"',
                    )
                )
    return problems


def instrument_problems(new: Flow, reference: Flow | None, old: Flow | None) -> list[Problem]:
    """A locked instrument must read, answer and score as the built-in one does."""
    instrument = (old.spec.instrument if old else None) or new.spec.instrument
    if instrument not in LOCKED_INSTRUMENTS:
        return []
    if new.spec.instrument != instrument:
        return [
            Problem(
                "error",
                "instrument_wording",
                f"this version no longer says it is the {instrument}, a validated "
                "instrument whose wording is locked",
            )
        ]
    if reference is None:
        return []
    problems: list[Problem] = []
    ours, theirs = (
        dict((i[0], i[1:]) for i in _items(new)),
        dict((i[0], i[1:]) for i in _items(reference)),
    )
    for step_id, item in theirs.items():
        if step_id not in ours:
            problems.append(
                Problem(
                    "error",
                    "instrument_wording",
                    f"{instrument} step {step_id} is removed: its items are locked",
                )
            )
        elif ours[step_id] != item:
            problems.append(
                Problem(
                    "error",
                    "instrument_wording",
                    f"{instrument} step {step_id}: the published wording or answers are "
                    "changed, so this is no longer the validated instrument",
                )
            )
    for step_id in ours.keys() - theirs.keys():
        problems.append(
            Problem(
                "error",
                "instrument_wording",
                f"{instrument} step {step_id} is added: its items are locked",
            )
        )
    if _scoring(new) != _scoring(reference):
        problems.append(
            Problem(
                "error",
                "instrument_scoring",
                f"the {instrument}'s scoring (items or severity bands) is changed",
            )
        )
    return problems


def scoring_problems(old: Flow, new: Flow) -> list[Problem]:
    if new.spec.instrument in LOCKED_INSTRUMENTS or _scoring(old) == _scoring(new):
        return []
    names = sorted({s.name for s in old.spec.scoring} | {s.name for s in new.spec.scoring})
    return [
        Problem(
            "warning",
            "scoring_changed",
            f"the scoring changes ({', '.join(names)}): scores before and after this version "
            "no longer compare",
        )
    ]


def compare(old: Flow | None, new: Flow, reference: Flow | None = None) -> list[Problem]:
    """Every problem with publishing `new` over `old` (None for a new flow); `reference`
    is the built-in flow of the same locked instrument, if any."""
    found = instrument_problems(new, reference, old)
    if old is not None:
        found += escalation_problems(old, new) + scoring_problems(old, new)
    return sorted(set(found))
