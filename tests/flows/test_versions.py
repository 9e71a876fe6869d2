"""A conversation keeps the flow version it started with, even after staff edit the flow."""

from __future__ import annotations

import json

import pytest

import flows
from tests.flows.conftest import HERE, NOW

CONTEXT = flows.Context()
V1 = flows.load_flow(HERE / "fixtures" / "versioned-v1.yaml")
V2 = flows.load_flow(HERE / "fixtures" / "versioned-v2.yaml")


def test_a_session_started_on_v1_continues_on_v1_after_v2_is_loaded() -> None:
    library = flows.FlowLibrary([V1])
    state, _ = flows.start(library.get("test-versioned"), now=NOW, context=CONTEXT)
    saved = json.dumps(state.to_dict())

    library.add(V2)
    restored = flows.SessionState.from_dict(json.loads(saved))
    flow = library.get(restored.flow_id, restored.flow_version)
    state, events = flows.advance(flow, restored, "yes", now=NOW, context=CONTEXT)

    assert [e.to_dict().get("text") for e in events if isinstance(e, flows.MessageSaid)] == [
        "Version one done."
    ]
    assert state.status == "completed"
    assert (state.flow_id, state.flow_version) == ("test-versioned", 1)


def test_a_new_session_starts_on_the_newest_version() -> None:
    library = flows.FlowLibrary([V2, V1])
    state, events = flows.start(library.get("test-versioned"), now=NOW, context=CONTEXT)
    assert state.flow_version == 2
    assert isinstance(events[-1], flows.QuestionAsked)
    assert events[-1].text == "Version two: ready? YES or NO"
    assert library.versions("test-versioned") == [1, 2]


def test_a_snapshot_finishes_the_session_when_the_old_file_is_gone() -> None:
    state, _ = flows.start(V1, now=NOW, context=CONTEXT)
    stored = json.loads(json.dumps(V1.snapshot()))  # what the host keeps in its JSON column

    flow = flows.from_snapshot(stored)
    state, events = flows.advance(flow, state, "no", now=NOW, context=CONTEXT)

    assert (flow.id, flow.version, flow.fingerprint) == (V1.id, V1.version, V1.fingerprint)
    assert [type(e) for e in events] == [
        flows.AnswerRecorded,
        flows.MessageSaid,
        flows.FlowCompleted,
    ]


def test_every_library_flow_survives_a_snapshot_round_trip() -> None:
    for flow in flows.builtin_library():
        copy = flows.from_snapshot(json.loads(json.dumps(flow.snapshot())))
        assert copy.fingerprint == flow.fingerprint
        assert list(copy.steps) == list(flow.steps)


def test_editing_a_flow_without_a_new_version_number_is_refused() -> None:
    edited = flows.parse_flow(
        (HERE / "fixtures" / "versioned-v1.yaml").read_text().replace("done.", "finished."),
        source="edited.yaml",
    )[0]
    assert edited is not None
    library = flows.FlowLibrary([V1])
    library.add(V1)  # the same definition again is fine
    with pytest.raises(flows.FlowConflict, match="edited without a new version number"):
        library.add(edited)


def test_a_state_for_another_flow_version_is_refused_rather_than_misread() -> None:
    state, _ = flows.start(V1, now=NOW, context=CONTEXT)
    with pytest.raises(ValueError, match="state is for test-versioned v1"):
        flows.advance(V2, state, "yes", now=NOW, context=CONTEXT)


def test_an_unknown_flow_or_version_is_a_lookup_error() -> None:
    library = flows.FlowLibrary([V1])
    with pytest.raises(flows.UnknownFlow):
        library.get("nope")
    with pytest.raises(flows.UnknownFlow):
        library.get("test-versioned", 7)
