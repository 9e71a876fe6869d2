"""Saved state is plain JSON, and time only enters through the `now` argument."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

import flows
from tests.flows.conftest import NOW

CONTEXT = flows.Context(first_name="Ana")


def test_state_is_plain_json_that_reads_back_equal(library: flows.FlowLibrary) -> None:
    flow = library.get("daily-checkin")
    state, _ = flows.start(flow, now=NOW, context=CONTEXT)
    state, _ = flows.advance(flow, state, "2", now=NOW, context=CONTEXT)
    data = state.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data == {
        "format": 1,
        "flow_id": "daily-checkin",
        "flow_version": 2,
        "status": "active",
        "step_id": "low_mood",
        "started_at": "2026-03-02T15:00:00+00:00",
        "expires_at": "2026-03-02T21:00:00+00:00",
        "reminder_at": "2026-03-02T17:00:00+00:00",
        "reminded": False,
        "reprompts": 0,
        "answers": {"mood": 2},
        "unreadable": [],
    }
    assert flows.SessionState.from_dict(data) == state


@pytest.mark.parametrize(
    "broken",
    [{}, {"format": 99}, {"format": 1, "flow_id": "x"}, {"format": 1, "status": "weird"}],
)
def test_unreadable_saved_state_raises_a_state_error(broken: dict[str, object]) -> None:
    with pytest.raises(flows.StateError):
        flows.SessionState.from_dict(broken)


def test_a_naive_clock_is_refused(library: flows.FlowLibrary) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        flows.start(library.get("daily-checkin"), now=datetime(2026, 3, 2, 15), context=CONTEXT)


def test_the_engine_does_not_change_the_state_it_was_given(library: flows.FlowLibrary) -> None:
    flow = library.get("daily-checkin")
    state, _ = flows.start(flow, now=NOW, context=CONTEXT)
    before = state.to_dict()
    flows.advance(flow, state, "7", now=NOW, context=CONTEXT)
    assert state.to_dict() == before


def test_next_wakeup_is_the_reminder_then_the_expiry(library: flows.FlowLibrary) -> None:
    flow = library.get("daily-checkin")
    state, _ = flows.start(flow, now=NOW, context=CONTEXT)
    assert flows.next_wakeup(state) == NOW + timedelta(hours=2)
    assert not flows.reminder_due(flow, state, NOW + timedelta(minutes=119))
    assert flows.reminder_due(flow, state, NOW + timedelta(hours=2))
    state, _ = flows.advance(flow, state, None, now=NOW + timedelta(hours=2), context=CONTEXT)
    assert flows.next_wakeup(state) == NOW + timedelta(hours=6)
    state, _ = flows.advance(flow, state, None, now=NOW + timedelta(hours=6), context=CONTEXT)
    assert state.status == "expired"
    assert flows.next_wakeup(state) is None


def test_an_ended_conversation_ignores_further_replies(library: flows.FlowLibrary) -> None:
    flow = library.get("bladder")
    state, _ = flows.start(flow, now=NOW, context=CONTEXT)
    state, _ = flows.advance(flow, state, "none", now=NOW, context=CONTEXT)
    assert state.status == "completed"
    assert flows.advance(flow, state, "hello?", now=NOW, context=CONTEXT) == (state, [])
