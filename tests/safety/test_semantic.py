"""The semantic tier: what it adds to the rules, what it must leave alone, and how it loads.

Skipped, with the reason shown, when the ``semantic`` extra is not installed. None of these
messages is a semantic exemplar or a line of the clinic set: they test how the tier
generalises, not whether it remembers.
"""

from __future__ import annotations

import hashlib
import socket
import threading

import pytest

from bot.safety import semantic
from bot.safety.screening import (
    LAYERS,
    Level,
    Screening,
    rules_layer,
    screen,
    screen_with,
    semantic_layer,
)

pytestmark = pytest.mark.skipif(
    not semantic.available(), reason=f"semantic tier not installed: {semantic.INSTALL_HINT}"
)
# sha256 of model.safetensors in sentence-transformers/all-MiniLM-L6-v2 at revision 1110a243:
# the third-party package must carry the upstream checkpoint, byte for byte.
UPSTREAM_WEIGHTS = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

RULES_MISS_THESE = [
    "honestly the people in my life would be relieved to be rid of me",
    "every night I lie awake hoping I won't see the morning",
    "sometimes I think about crashing the car on purpose",
    "I don't see myself being here by Christmas",
]

HARD_BENIGN = [
    "the infusion made me feel like I was leaving my body, kind of peaceful",
    "my grandfather died peacefully in his sleep last night",
    "I could sleep for a week after that trip",
    "can I drive myself home after the infusion",
    "I'm not going to do anything to myself, I promise, just a low week",
    "this heat is killing my tomatoes",
    "3",
    "",
]

URGENT_BY_RULES = [
    "I want to kill myself",
    "I have been saving my pills to take them all at once",
    "everyone would be better off without me",
    "quiero morir",
    "kms",
]


LONG_CHECK_IN = (
    "Checking in after Tuesday's infusion. The first hour was strange, colours were "
    "bright and my hands felt far away, but the nurse kept me company and by the time my "
    "sister drove me home I felt mostly normal. I slept eleven hours. Wednesday my mood "
    "was the best it has been since spring: I cooked dinner, called my brother and walked "
    "the dog twice. Thursday it dipped a bit in the afternoon and I got a headache that "
    "lasted until bedtime, nothing a glass of water and an early night did not fix. "
    "Friday I went back to work for half a day. I still feel flat in the mornings, and I "
    "worry the effect will fade before my booster, so I wanted to ask whether we can move "
    "it a few days earlier. Also my blood pressure cuff at home read a little high twice, "
    "should I bring it along next time so you can check it against yours?"
)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any attempt to open a connection fail the test, and tell HF tools to stay off."""

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the semantic tier tried to reach the network")

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_the_tier_is_a_screening_layer_whenever_its_extra_is_installed() -> None:
    assert semantic_layer in LAYERS and LAYERS[0] is rules_layer


@pytest.mark.usefixtures("no_network")
def test_the_model_loads_from_the_package_files_without_the_network() -> None:
    scorer = semantic.build()
    assert scorer.risk.shape[1] == scorer.benign.shape[1] == 384
    assert scorer.score(RULES_MISS_THESE[0]) >= semantic.THRESHOLD


def test_the_packaged_weights_are_the_upstream_checkpoint() -> None:
    digest = hashlib.sha256()
    with (semantic.model_dir() / "model.safetensors").open("rb") as weights:
        for block in iter(lambda: weights.read(1 << 20), b""):
            digest.update(block)
    assert digest.hexdigest() == UPSTREAM_WEIGHTS


@pytest.mark.usefixtures("no_network")
def test_embeddings_match_the_reference_implementation() -> None:
    # First values of each unit vector as transformers (torch) computed them for the same
    # checkpoint, truncated to 128 tokens like our first window; the forward pass is ours.
    reference = {
        "mood 3/10, tired after the infusion but ok": [
            -0.063004,
            -0.043474,
            -0.037955,
            0.049652,
            0.01438,
            -0.009807,
        ],
        LONG_CHECK_IN: [-0.048067, -0.014618, 0.010482, 0.068107, 0.066458, 0.012512],
    }
    encoder = semantic.load().encoder
    for text, first in reference.items():
        vector = encoder.embed(text)[0]
        assert vector[:6].tolist() == pytest.approx(first, abs=1e-5)
        assert float(vector @ vector) == pytest.approx(1.0, abs=1e-5)
    windows = encoder.embed(LONG_CHECK_IN)
    assert windows.shape[0] == 2  # 180 word pieces: two half-overlapping windows of 128
    assert [float(w @ w) for w in windows] == pytest.approx([1.0] * len(windows), abs=1e-5)


@pytest.mark.parametrize("text", RULES_MISS_THESE)
def test_risk_worded_past_the_rules_gets_a_safety_question(text: str) -> None:
    assert rules_layer(text).level is Level.NONE
    assert screen(text) == Screening(Level.CHECK, ("semantic_similarity",))


@pytest.mark.parametrize("text", HARD_BENIGN)
def test_hard_benign_messages_are_left_alone(text: str) -> None:
    assert semantic_layer(text).level is Level.NONE
    assert screen(text).level is Level.NONE


@pytest.mark.parametrize("text", URGENT_BY_RULES + RULES_MISS_THESE + HARD_BENIGN)
def test_the_tier_yields_only_check_or_none_and_never_lowers_the_rules(text: str) -> None:
    alone = semantic_layer(text)
    assert alone in (Screening(Level.NONE, ()), Screening(Level.CHECK, ("semantic_similarity",)))
    rules = rules_layer(text)
    both = screen_with(text, [rules_layer, semantic_layer])
    assert both.level.rank >= rules.level.rank
    assert both.reasons[: len(rules.reasons)] == rules.reasons


@pytest.mark.parametrize("text", URGENT_BY_RULES)
def test_urgent_rule_hits_stay_urgent(text: str) -> None:
    assert screen(text).level is Level.URGENT


def test_concurrent_first_messages_share_one_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "_scorer", None)
    loaded: list[semantic.Scorer] = []
    threads = [threading.Thread(target=lambda: loaded.append(semantic.load())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loaded) == 4 and all(scorer is loaded[0] for scorer in loaded)


def test_exemplars_are_all_quoted_strings() -> None:
    sides = semantic.exemplars()
    assert len(sides["risk"]) >= 80 and len(sides["benign"]) >= 80
    assert all(line.strip() for lines in sides.values() for line in lines)
