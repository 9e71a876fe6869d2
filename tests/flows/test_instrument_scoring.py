"""PHQ-9 and GAD-7 totals against the published severity bands, through the engine."""

from __future__ import annotations

import pytest

import flows
from tests.flows.conftest import NOW

CONTEXT = flows.Context(first_name="Ana")


def items_for(total: int, count: int) -> list[int]:
    """Spread a total over `count` items of 0-3, filling the first items first."""
    values = []
    for _ in range(count):
        values.append(min(3, total))
        total -= values[-1]
    assert total == 0
    return values


def run(flow: flows.Flow, replies: list[str]) -> list[flows.Event]:
    state, events = flows.start(flow, now=NOW, context=CONTEXT)
    for reply in replies:
        assert state.active, f"the flow ended before the reply {reply!r}"
        state, more = flows.advance(flow, state, reply, now=NOW, context=CONTEXT)
        events += more
    assert state.status == "completed"
    return events


def only(events: list[flows.Event], kind: type[flows.Event]) -> list[flows.Event]:
    return [event for event in events if isinstance(event, kind)]


PHQ9_BANDS = [
    (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
    (14, "moderate"), (15, "moderately severe"), (19, "moderately severe"),
    (20, "severe"), (27, "severe"),
]  # fmt: skip
GAD7_BANDS = [
    (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
    (14, "moderate"), (15, "severe"), (21, "severe"),
]  # fmt: skip


@pytest.mark.parametrize(("total", "band"), PHQ9_BANDS)
def test_a_phq9_total_falls_in_its_published_band(
    total: int, band: str, library: flows.FlowLibrary
) -> None:
    # Item 9 is filled last, so these totals up to 24 leave it at 0.
    values = items_for(total, 9)
    replies = [str(v) for v in values] + (["1"] if total else [])
    (score,) = only(run(library.get("phq9"), replies), flows.ScoreComputed)
    assert score == flows.ScoreComputed("phq9", total, band, ())


@pytest.mark.parametrize(("total", "band"), GAD7_BANDS)
def test_a_gad7_total_falls_in_its_published_band(
    total: int, band: str, library: flows.FlowLibrary
) -> None:
    replies = [str(v) for v in items_for(total, 7)] + (["0"] if total else [])
    (score,) = only(run(library.get("gad7"), replies), flows.ScoreComputed)
    assert score == flows.ScoreComputed("gad7", total, band, ())


@pytest.mark.parametrize("item9", [1, 2, 3])
@pytest.mark.parametrize("others", [0, 24])
def test_phq9_item_9_above_zero_escalates_whatever_the_total(
    item9: int, others: int, library: flows.FlowLibrary
) -> None:
    values = items_for(others, 8) + [item9]
    events = run(library.get("phq9"), [str(v) for v in values] + ["0"])
    (escalation,) = only(events, flows.EscalationRequested)
    assert isinstance(escalation, flows.EscalationRequested)
    assert (escalation.step_id, escalation.risk, escalation.value) == (
        "phq9_9",
        "suicide_risk",
        item9,
    )


def test_phq9_item_9_at_zero_does_not_escalate(library: flows.FlowLibrary) -> None:
    events = run(library.get("phq9"), ["3"] * 8 + ["0", "3"])
    assert only(events, flows.EscalationRequested) == []
