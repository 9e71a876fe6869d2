"""The engine: definition + saved state + input + clock in, new state + events out.

Pure: no database, network or clock reads. The host passes `now`, stores
the returned state (`state.to_dict()`) with the flow id and version, and
applies the events.
"""

from __future__ import annotations

from datetime import datetime

from flows._run import Run, Turn
from flows.conditions import evaluate
from flows.events import FlowStarted
from flows.model import Flow
from flows.state import SessionState
from flows.steps import ask
from flows.types import DEFAULT_LIMITS, Context, Limits


def start(flow: Flow, *, now: datetime, context: Context, limits: Limits = DEFAULT_LIMITS) -> Turn:
    """Begin a conversation: `FlowStarted`, then messages up to the first question."""
    _check_clock(now)
    reminder_at = now + flow.reminder_after if flow.reminder_after else None
    state = SessionState(
        flow_id=flow.id,
        flow_version=flow.version,
        status="active",
        step_id=None,
        started_at=now,
        expires_at=now + flow.expires_after,
        reminder_at=reminder_at,
    )
    run = Run(flow, state, context, limits, now)
    run.emit(FlowStarted(flow.id, flow.version))
    run.enter(flow.first_step)
    return run.finish()


def advance(
    flow: Flow,
    state: SessionState,
    text: str | None,
    *,
    now: datetime,
    context: Context,
    limits: Limits = DEFAULT_LIMITS,
) -> Turn:
    """Apply a reply (`text`) or, with `text=None`, a timer tick.

    A tick sends the reminder when it is due and expires the conversation
    when its window has closed. A reply after the window closed expires
    the conversation and is not taken as an answer. An ended conversation
    returns itself and no events.
    """
    _check_clock(now)
    if (state.flow_id, state.flow_version) != (flow.id, flow.version):
        raise ValueError(
            f"state is for {state.flow_id} v{state.flow_version}, not {flow.id} v{flow.version}"
        )
    if not state.active:
        return Turn(state, [])
    run = Run(flow, state, context, limits, now)
    step = flow.steps.get(state.step_id or "")
    if now >= state.expires_at:
        run.expire()
    elif step is None or step.kind != "ask":
        # Only reachable with hand-edited state; stop rather than guess.
        run.abort(f"saved step {state.step_id!r} is not a question of this flow")
    elif text is None:
        if reminder_due(flow, state, now):
            ask.remind(run, step)
    else:
        ask.receive(run, step, text)
        if run.status == "active" and not run.reminded and flow.reminder_after:
            run.reminder_at = now + flow.reminder_after
    return run.finish()


def reminder_due(flow: Flow, state: SessionState, now: datetime) -> bool:
    """Return whether the one reminder should go out now."""
    return (
        state.active
        and not state.reminded
        and state.reminder_at is not None
        and state.reminder_at <= now < state.expires_at
    )


def escalated(flow: Flow, state: SessionState) -> bool:
    """Whether an answer so far in this conversation asked for a clinician (`escalate_if`).

    The host lets such a conversation finish while the escalation is open: the answer
    that pages must not also cost the questionnaire its score.
    """
    unreadable = frozenset(state.unreadable)
    for step in flow.steps.values():
        if step.id not in state.answers and step.id not in unreadable:
            continue
        for rule in step.escalations:
            if rule.condition is None or evaluate(rule.condition, state.answers, unreadable):
                return True
    return False


def next_wakeup(state: SessionState) -> datetime | None:
    """Return when the host should call `advance(..., text=None)` next, if ever."""
    if not state.active:
        return None
    if state.reminder_at is not None and not state.reminded:
        return min(state.reminder_at, state.expires_at)
    return state.expires_at


def _check_clock(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")


__all__ = ["Turn", "advance", "escalated", "next_wakeup", "reminder_due", "start"]
