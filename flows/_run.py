"""One turn of a conversation: a working copy of the state and the events so far."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from flows.conditions import Condition, evaluate
from flows.events import (
    EscalationRequested,
    Event,
    FlowAborted,
    FlowCompleted,
    FlowExpired,
)
from flows.messages import PHRASES
from flows.model import END, Flow, Step
from flows.scoring import compute
from flows.state import SessionState
from flows.texts import LocalText, pick, render
from flows.types import Context, Limits, Status, Value


class Turn(NamedTuple):
    """What the engine returns: the state to save and the events to apply."""

    state: SessionState
    events: list[Event]


class Run:
    """A turn in progress. Mutable inside the engine only; `finish` freezes it."""

    def __init__(
        self, flow: Flow, state: SessionState, context: Context, limits: Limits, now: datetime
    ) -> None:
        self.flow, self.context, self.limits, self.now = flow, context, limits, now
        self.saved = state
        self.status: Status = state.status
        self.step_id = state.step_id
        self.reprompts = state.reprompts
        self.reminded = state.reminded
        self.reminder_at = state.reminder_at
        self.answers: dict[str, Value] = dict(state.answers)
        self.unreadable: list[str] = list(state.unreadable)
        self.confirming: dict[str, Any] | None = (
            dict(state.confirming) if state.confirming is not None else None
        )
        self.events: list[Event] = []
        self.steps_entered = 0

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def render(self, text: LocalText) -> str:
        return render(text, self.context)

    def phrase(self, key: str) -> str:
        return pick(PHRASES[key], self.context.language)

    def max_reprompts(self, step: Step) -> int:
        for choice in (step.max_reprompts, self.flow.spec.max_reprompts):
            if choice is not None:
                return choice
        return self.limits.max_reprompts

    def enter(self, step_id: str) -> None:
        """Enter steps from `step_id` until one waits for a reply or the flow ends."""
        # Imported here: step kinds use Run, and Run dispatches to step kinds.
        from flows.steps import STEP_KINDS

        while True:
            if step_id == END or step_id not in self.flow.steps:
                self.complete()
                return
            if self.steps_entered >= self.limits.max_steps_per_input:
                self.abort(f"more than {self.limits.max_steps_per_input} steps for one input")
                return
            self.steps_entered += 1
            step = self.flow.steps[step_id]
            if STEP_KINDS[step.kind](self, step):
                return
            step_id = self.next_after(step)

    def next_after(self, step: Step) -> str:
        """Return where the flow goes after a step: the first route that applies."""
        for route in step.routes:
            if route.condition is None or self.holds(route.condition):
                return route.goto
        return step.following

    def holds(self, condition: Condition) -> bool:
        return evaluate(condition, self.answers, self.unreadable)

    def escalate(self, step: Step) -> bool:
        """Request at most one escalation: the first of the step's rules that holds."""
        for rule in step.escalations:
            if rule.condition is None or self.holds(rule.condition):
                reason = rule.reason or rule.source or f"{step.id} was answered"
                value = self.answers.get(step.id)
                self.emit(EscalationRequested(step.id, rule.risk, reason, value))
                return True
        return False

    def complete(self) -> None:
        for score in self.flow.scores:
            self.emit(compute(score, self.answers))
        self.end("completed")
        self.emit(FlowCompleted(self.flow.id, self.flow.version))

    def expire(self) -> None:
        step_id = self.step_id
        self.keep_partial_scores()
        self.end("expired")
        self.emit(FlowExpired(self.flow.id, self.flow.version, step_id))

    def abort(self, reason: str) -> None:
        self.keep_partial_scores()
        self.end("aborted")
        self.emit(FlowAborted(self.flow.id, self.flow.version, reason))

    def keep_partial_scores(self) -> None:
        """A questionnaire that stops early keeps what was answered, marked incomplete.

        The patients who stop mid-PHQ-9 are often the ones whose scores matter most.
        """
        for score in self.flow.scores:
            if any(item in self.answers for item in score.items):
                self.emit(compute(score, self.answers))

    def end(self, status: Status) -> None:
        self.status, self.step_id, self.reminder_at = status, None, None
        self.confirming = None

    def finish(self) -> Turn:
        state = SessionState(
            flow_id=self.saved.flow_id,
            flow_version=self.saved.flow_version,
            status=self.status,
            step_id=self.step_id,
            started_at=self.saved.started_at,
            expires_at=self.saved.expires_at,
            reminder_at=self.reminder_at,
            reminded=self.reminded,
            reprompts=self.reprompts,
            answers=self.answers,
            unreadable=tuple(self.unreadable),
            confirming=self.confirming,
        )
        return Turn(state, self.events)
