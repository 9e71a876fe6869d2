"""Flow behaviour as data: each tests/flows/cases/*.yaml lists replies and the events expected.

A case file:

    description: what a patient or clinician would notice
    flow: daily-checkin          # a flow id (built-in library or tests/flows/fixtures)
    version: 1                   # optional; default the newest
    context: {first_name: Ana, language: es}
    turns:
      - start: true
        expect: [{kind: flow_started}, {kind: question_asked, step_id: mood}]
      - reply: "about a 6"       # optional `after: 30m` moves the clock first
        expect: [{kind: answer_recorded, step_id: mood, value: 6}, ...]
      - tick: true               # a timer tick; use `after:` to move the clock
        after: 2h
        expect: [{kind: reminder_due}]
    state: {status: completed, answers: {mood: 6}}   # optional, compared key by key

Events must come in exactly the listed kinds and order (`expect: []` means
none at all; a turn without `expect` is not checked); each listed field
must be equal, unlisted fields are not compared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import flows
from flows.durations import parse_duration
from flows.yaml_marks import Yaml12Loader
from tests.flows.conftest import HERE, NOW

CASES = sorted((HERE / "cases").glob("*.yaml"))


def _load(path: Path) -> dict[str, Any]:
    case = yaml.load(path.read_text(encoding="utf-8"), Loader=Yaml12Loader)  # noqa: S506
    assert isinstance(case, dict), f"{path.name} must be a mapping"
    return case


def _subset_mismatches(expected: Any, actual: Any, where: str) -> list[str]:
    if isinstance(expected, dict) and isinstance(actual, dict):
        problems = []
        for key, value in expected.items():
            if key not in actual:
                problems.append(f"{where}.{key}: missing")
            else:
                problems += _subset_mismatches(value, actual[key], f"{where}.{key}")
        return problems
    return [] if expected == actual else [f"{where}: expected {expected!r}, got {actual!r}"]


def _check_events(turn: int, expected: list[dict[str, Any]], events: list[flows.Event]) -> None:
    actual = [event.to_dict() for event in events]
    kinds = [e["kind"] for e in actual]
    assert kinds == [e["kind"] for e in expected], f"turn {turn}: event kinds differ: {actual}"
    problems = []
    for n, (want, got) in enumerate(zip(expected, actual, strict=True)):
        problems += _subset_mismatches(want, got, f"turn {turn} event {n} ({got['kind']})")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_each_case_file_produces_exactly_the_expected_events(
    path: Path, library: flows.FlowLibrary
) -> None:
    case = _load(path)
    flow = library.get(case["flow"], case.get("version"))
    context = flows.Context(**case.get("context", {}))
    limits = flows.Limits(**case.get("limits", {}))
    now = NOW
    state: flows.SessionState | None = None
    for n, turn in enumerate(case["turns"]):
        if "after" in turn:
            now += parse_duration(str(turn["after"]))
        if turn.get("start"):
            state, events = flows.start(flow, now=now, context=context, limits=limits)
        else:
            assert state is not None, f"{path.name}: the first turn must be `start: true`"
            # The host stores state as JSON between turns; so do the cases.
            state = flows.SessionState.from_dict(state.to_dict())
            text = None if turn.get("tick") else str(turn["reply"])
            state, events = flows.advance(
                flow, state, text, now=now, context=context, limits=limits
            )
        if "expect" in turn:  # a turn without `expect` only moves the conversation on
            _check_events(n, turn["expect"], events)
    assert state is not None
    problems = _subset_mismatches(case.get("state", {}), state.to_dict(), "state")
    assert not problems, "\n".join(problems)


def test_there_are_case_files_for_the_loop_to_run() -> None:
    assert len(CASES) >= 10
