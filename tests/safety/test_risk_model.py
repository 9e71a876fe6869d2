"""The learned risk model as shipped: built from the data in the repo, deterministic,
offline, and reading messages the way a clinician would.

None of the messages here is in the training files or the frozen test split: they were
written for these tests.
"""

from __future__ import annotations

import io
import json
import socket
from pathlib import Path

import numpy as np
import pytest

from bot.cli.screen import screen_lines
from bot.safety import model_tier
from bot.safety.cleaning import for_model, repair
from bot.safety.risk_model import (
    CACHE_CHARS,
    WINDOWS_FROM_CHARS,
    RiskModel,
    Thresholds,
    decide,
    sentence_windows,
)
from bot.safety.screening import Level, rules_layer, screen
from training import screening_data as data

MANIFEST = json.loads((model_tier.MODEL_DIR / "manifest.json").read_text("utf-8"))


def test_the_shipped_weights_were_trained_on_the_data_in_the_repo() -> None:
    assert MANIFEST["training_data_sha256"] == data.files_sha256(data.training_files()), (
        "the training data changed since the model was built: run `make screener`"
    )


def test_the_frozen_test_split_is_the_one_committed_before_training() -> None:
    assert data.files_sha256(data.frozen_files()) == data.FROZEN_TEST_SHA256
    assert len(data.frozen_test()) >= 800


def test_the_shipped_graph_gives_the_scores_recorded_when_it_was_built() -> None:
    model = model_tier.load()
    assert model is not None
    for probe in MANIFEST["probes"]:
        got = model.verdict(probe["text"]).probabilities
        # The int8 kernels onnxruntime picks differ by processor (AVX2 here, AVX-512 VNNI
        # there): the same graph moved "ya no quiero vivir" by 0.005 between two machines.
        # Another graph, or weights loaded wrong, moves every probe by far more.
        assert got == pytest.approx(probe["probabilities"], abs=0.01), probe["text"]


def test_scoring_is_deterministic_from_one_load_to_the_next() -> None:
    text = "stopped taking my lithium on purpose 4 days ago, nobody knows"
    first = RiskModel(model_tier.MODEL_DIR).verdict(text)
    again = RiskModel(model_tier.MODEL_DIR).verdict(text)
    assert first == again
    assert sum(first.probabilities) == pytest.approx(1.0, abs=1e-4)


def test_a_short_reply_is_scored_once_and_gives_the_same_verdict_every_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = RiskModel(model_tier.MODEL_DIR)
    runs: list[int] = []
    scored = model.probabilities

    def counting(texts: list[str], max_tokens: int = 160) -> np.ndarray:
        runs.append(len(texts))
        return scored(texts, max_tokens)

    monkeypatch.setattr(model, "probabilities", counting)
    risky = "i have 40 pills saved in the drawer"
    first = [model.verdict(t) for t in ("good thanks", risky)]
    again = [model.verdict(t) for t in ("good thanks", risky)]
    assert again == first and len(runs) == 2  # the second round ran no graph
    assert first[1].level == "urgent"
    # A long text is always scored afresh, and so is one with other thresholds.
    long = "slept ok. " * (CACHE_CHARS // 10 + 1)
    model.verdict(long)
    model.verdict(long)
    model.verdict(risky, Thresholds(0.99, 0.5, 0.5))
    assert len(runs) == 5


def test_the_model_loads_and_scores_with_the_network_cut_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the risk model tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    assert RiskModel(model_tier.MODEL_DIR).verdict("so done with all of it").level in data.LEVELS


@pytest.mark.parametrize(
    "text",
    [
        "got 60 of my seroquel saved up in a sock drawer",
        "the rifle is in the truck and the truck is at the overlook",
        "wrote letters to my boys and left them on the counter with the house key",
        "tengo todas las pastillas juntas en la mesa",
    ],
)
def test_a_plan_or_means_with_no_verb_of_intent_pages(text: str) -> None:
    assert screen(text).level is Level.URGENT


@pytest.mark.parametrize(
    "text",
    [
        "my neighbor's son took his own life last week and I can't stop thinking of his mom",
        "I tried to end it back in 2009. that was a long time ago, I'm in a good place",
    ],
)
def test_a_third_person_a_past_attempt_or_recovery_goes_to_review_not_a_page(text: str) -> None:
    assert screen(text).level is Level.REVIEW


def test_recovery_told_in_the_words_of_the_thoughts_goes_to_review() -> None:
    """The release before this one put it in its uncertain band, reading "the thoughts of
    killing myself" (the patient was asked the safety question); the rules read thoughts
    that have stopped, and so now does the model: a clinician sees it, nobody is paged."""
    text = (
        "since the third infusion the thoughts of killing myself are just gone. first time in years"
    )
    assert rules_layer(text).level is Level.REVIEW
    assert screen(text).level is Level.REVIEW


@pytest.mark.parametrize(
    "text",
    [
        "this tax paperwork is killing me lol",
        "during the infusion I felt like I was dying, melting into the chair. fine now",
        "6",
        "how many advil can I take with my usual meds for this headache?",
        "no SI, no HI, slept ok",
    ],
)
def test_hard_benign_messages_raise_no_alarm(text: str) -> None:
    assert screen(text).level in (Level.NONE, Level.REVIEW)


def test_one_risky_sentence_at_the_end_of_a_long_answer_is_not_averaged_away() -> None:
    routine = (
        "Nausea was bad for a couple of hours after the infusion but ginger tea helped. "
        "Slept about six hours. The kids had a half day so the afternoon was chaos. "
        "My sister drove me home and we picked up groceries on the way. "
    )
    text = routine * 20 + "Honestly I have the pills counted out for Friday."
    assert len(text) > 3000
    verdict = model_tier.load().verdict(text)  # type: ignore[union-attr]
    assert verdict.level == "urgent"
    assert "pills counted out" in verdict.window


def test_long_messages_are_read_two_sentences_at_a_time_as_well_as_whole() -> None:
    sentences = [f"Sentence number {n} of this long answer about my week." for n in range(8)]
    text = " ".join(sentences)
    assert len(text) >= WINDOWS_FROM_CHARS
    windows = sentence_windows(text)
    assert windows[0] == text
    assert windows[1:] == [f"{a} {b}" for a, b in zip(sentences, sentences[1:], strict=False)]
    assert sentence_windows("Short. Three. Sentences.") == ["Short. Three. Sentences."]


def test_text_garbled_on_the_way_is_repaired_before_anything_reads_it() -> None:
    assert repair("I donâ€™t want to wake up") == "I don't want to wake up"
    assert repair("caf\u00c3\u00a9 y ma\u00c3\u00b1ana") == "café y mañana"
    # "í" garbled is "Ã" and a soft hyphen: repaired, not stripped to "Ã".
    garbled = "Todos estarían mejor sin mí".encode().decode("cp1252", errors="replace")
    assert repair(garbled) == "Todos estarían mejor sin mí"
    assert screen(garbled).level is Level.URGENT
    assert repair("bad\x00byte and \ud83d lone half") == "bad byte and \ufffd lone half"
    assert for_model("bye 🔫") == "bye water pistol"


def test_a_model_that_cannot_load_leaves_the_rules_screening_and_says_so(
    tmp_path: Path,
) -> None:
    model_tier.reset(tmp_path)  # an install with the model's files missing
    try:
        status = model_tier.status()
        assert status.degraded and status.tiers == ("rules",)
        assert "did not load" in (status.problem or "")
        assert screen("I want to kill myself").level is Level.URGENT  # the rules still page
        assert screen("got 60 of my seroquel saved up in a sock drawer").reasons == tuple(
            rules_layer("got 60 of my seroquel saved up in a sock drawer").reasons
        )
    finally:
        model_tier.reset()
    assert not model_tier.status().degraded


def test_checkin_screen_explain_names_the_tiers_and_the_models_scores() -> None:
    sink = io.StringIO()
    screen_lines(io.BytesIO(b"saved up my pills\n"), sink, explained=True)
    (line,) = [json.loads(x) for x in sink.getvalue().splitlines()]
    assert line["explain"]["tiers"] == ["rules", "risk_model"]
    assert line["explain"]["degraded"] is False
    assert set(line["explain"]["model"]["probabilities"]) == set(data.LEVELS)


def test_a_bare_carriage_return_does_not_split_a_message_in_two() -> None:
    sink = io.StringIO()
    screen_lines(io.BytesIO(b"fine today\rI want to die\r\nok\n"), sink)
    lines = [json.loads(x) for x in sink.getvalue().splitlines()]
    assert [x["text"] for x in lines] == ["fine today\rI want to die", "ok"]
    assert lines[0]["level"] == "urgent"


@pytest.mark.parametrize("word", ["REVOKE", "STOP", "UNSUBSCRIBE", "cancel", "quit"])
def test_one_word_never_pages_on_the_model_alone(word: str) -> None:
    assert screen(word).level is not Level.URGENT


def test_a_risk_word_alone_still_pages_through_the_rules() -> None:
    assert screen("suicidal").level is Level.URGENT


def test_a_window_read_out_of_context_needs_the_window_threshold_to_raise_a_message() -> None:
    t = Thresholds(urgent=0.99, check=0.6, review=0.4, window=0.95)
    whole = np.array([0.9, 0.05, 0.03, 0.02], dtype=np.float32)
    unsure_window = np.array([0.2, 0.0, 0.7, 0.1], dtype=np.float32)  # 0.8: under 0.95
    sure_window = np.array([0.0, 0.0, 0.04, 0.96], dtype=np.float32)
    windows = ["whole text", "two sentences", "two more"]

    assert decide(windows[:2], [whole, unsure_window], t).level == "none"
    picked = decide(windows, [whole, unsure_window, sure_window], t)
    assert (picked.level, picked.window) == ("check", "two more")
    # The whole message needs only the check threshold.
    assert decide(windows[:1], [unsure_window], t).level == "check"
    # A manifest from before windows were calibrated apart reads windows like the whole.
    old = Thresholds(urgent=0.99, check=0.6, review=0.4)
    assert decide(windows[:2], [whole, unsure_window], old).level == "check"


def test_the_shipped_thresholds_read_windows_apart() -> None:
    window = MANIFEST["thresholds"].get("window")
    assert window is not None and window >= MANIFEST["thresholds"]["check"]
