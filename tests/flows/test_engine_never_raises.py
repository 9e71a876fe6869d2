"""Property: whatever a patient sends, the engine answers with events and never raises."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flows
from tests.flows.conftest import NOW

LIBRARY = flows.builtin_library()
TYPICAL = [
    "yes", "no", "sometimes", "skip", "help", "?", "1", "3", "7/10", "none of those",
    "1 and 3", "👍", "👎", "sí", "nada", "stop", "", "   ", "0", "10", "-1", "1e9",
    "999999999999999999999", "½", "NaN", "inf", "{first_name}", "%s", "\x00", "\u202e",
]  # fmt: skip
replies = st.one_of(
    st.text(max_size=300),
    st.sampled_from(TYPICAL),
    st.text(alphabet="0123456789 ,/.-andorys", max_size=40),
    st.text(min_size=2000, max_size=6000, alphabet="a 1,"),
)
# None is a timer tick; the minutes move the clock on before the input.
inputs = st.lists(st.tuples(st.one_of(st.none(), replies), st.integers(0, 400)), max_size=30)


@pytest.mark.parametrize("flow_id", LIBRARY.ids())
@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(turns=inputs, language=st.sampled_from(["en", "es", "fr", "es-MX"]))
def test_for_any_library_flow_and_any_text_the_engine_reprompts_records_or_ends(
    flow_id: str, turns: list[tuple[str | None, int]], language: str
) -> None:
    flow = LIBRARY.get(flow_id)
    context = flows.Context(language=language)
    now = NOW
    state, events = flows.start(flow, now=now, context=context)
    assert events and state.active
    for text, minutes in turns:
        now += timedelta(minutes=minutes)
        was_active = state.active
        state, events = flows.advance(flow, state, text, now=now, context=context)
        if was_active and text is not None:
            assert events, "an active conversation must answer every reply"
        if state.active:
            assert state.step_id is not None and flow.steps[state.step_id].kind == "ask"
        # What the host stores must survive JSON.
        stored = json.loads(json.dumps(state.to_dict()))
        assert flows.SessionState.from_dict(stored) == state
        for event in events:
            json.dumps(event.to_dict())
