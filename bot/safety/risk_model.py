"""The learned risk model: a fine-tuned MiniLM that reads a message as a clinician would.

It gives each message four probabilities, one per screening level (none, review, check,
urgent), and ``Thresholds`` turns them into a level:

- ``urgent`` when P(urgent) reaches ``thresholds.urgent``;
- else ``check`` when P(check) + P(urgent) reaches ``thresholds.check`` (the uncertain
  band: the patient is asked a safety question);
- else ``review`` when P(review) reaches ``thresholds.review`` (a third person's suicide,
  a past attempt, thoughts that have stopped: a clinician reads it, nobody is paged);
- else ``none``.

The thresholds are calibrated on the development split when the model is trained
(``training/train_screener.py``) and ship beside the weights in ``model/manifest.json``.

Long messages (``WINDOWS_FROM_CHARS`` and up) are read in windows as well as whole: every
run of two consecutive sentences is scored apart (a window never passes ``WINDOW_TOKENS`` word pieces), and the most urgent
window decides, so one risky sentence inside a long answer about side effects is not
averaged away. Two sentences, not one, so that "I'm not suicidal. OK that's a lie" is read
together. A window is read out of its context ("two of my patients died this week" from a
hospice nurse's check-in), so it raises a message to check or urgent only when its
P(check) + P(urgent) reaches ``thresholds.window``, calibrated apart: on the development
split, windows read at the whole message's threshold raised 24 false alarms for the 3
risk messages that only they found (the release before this one).

Runtime: onnxruntime on one thread (the int8 graph needs no torch), the ``tokenizers``
library for word pieces; both read files shipped in the package, so nothing can reach the
network. One ``RiskModel`` gives the same answers all its life and is shared by threads
(its cache of short verdicts, ``functools.lru_cache``, is thread-safe).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray
from tokenizers import Encoding, Tokenizer

from bot.safety.cleaning import for_model, repair

__all__ = [
    "LEVELS",
    "RiskModel",
    "Thresholds",
    "Verdict",
    "decide",
    "sentence_windows",
]

LEVELS = ("none", "review", "check", "urgent")  # the model's output order
WHOLE_TOKENS = 160  # a whole message is read up to here (the training length)
WINDOW_TOKENS = 64  # a two-sentence window
# Enough two-sentence windows for a 4,096-character message (Telegram's longest) of short
# sentences; past that only the whole and the rules read the rest. Repeated windows (a
# pasted paragraph) are scored once.
MAX_WINDOWS = 96
BATCH = 16
# Verdicts on short texts are kept, so the commonest replies ("yes", "ok", "good thanks",
# "8 today") are scored once per process: scoring is deterministic, and a short text costs
# the model about as much as a long one's whole-message pass. Bounded: at most
# ``CACHE_ENTRIES`` texts of at most ``CACHE_CHARS`` characters (under a megabyte).
CACHE_CHARS = 80
CACHE_ENTRIES = 4096
# Shorter messages are read whole only: the model was trained on whole messages, and on the
# development split two-sentence windows of short texts raised false alarms more than they
# found risk (a window loses the "that was years ago" beside it).
WINDOWS_FROM_CHARS = 280
_SENTENCE_END = re.compile(r"(?<=[.!?\n…])\s+|\n+")

Probabilities = NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Thresholds:
    urgent: float
    check: float
    review: float
    # What a window (not the whole message) needs in P(check) + P(urgent) to raise it at
    # all; None (a manifest from before windows were calibrated apart): ``check``.
    window: float | None = None

    def level(self, p: Probabilities, whole: bool = True) -> str:
        """The level for the whole message's probabilities (ordered as ``LEVELS``), or for
        one window's (``whole=False``)."""
        raises = whole or self.window is None or p[2] + p[3] >= self.window
        if raises and p[3] >= self.urgent:
            return "urgent"
        if raises and p[2] + p[3] >= self.check:
            return "check"
        if p[1] >= self.review:
            return "review"
        return "none"


@dataclass(frozen=True, slots=True)
class Verdict:
    """The model's level for a message, and the window that decided it."""

    level: str
    probabilities: tuple[float, float, float, float]
    window: str  # the deciding window, as the patient wrote it (never logged: message text)


_RANK = {level: i for i, level in enumerate(LEVELS)}


def sentence_windows(text: str) -> list[str]:
    """The whole text, then (for a long one of three sentences or more) each run of two."""
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]
    if len(text) < WINDOWS_FROM_CHARS or len(sentences) < 3:
        return [text]
    pairs = dict.fromkeys(" ".join(sentences[i : i + 2]) for i in range(len(sentences) - 1))
    return [text, *list(pairs)[:MAX_WINDOWS]]


class RiskModel:
    """The ONNX graph, its tokenizer and its thresholds, read from ``model_dir``."""

    def __init__(self, model_dir: Path) -> None:
        manifest: dict[str, Any] = json.loads((model_dir / "manifest.json").read_text("utf-8"))
        self.manifest = manifest
        self.thresholds = Thresholds(**manifest["thresholds"])
        options = ort.SessionOptions()
        # One thread: the service runs the model on one worker thread beside the event
        # loop, and a second onnxruntime thread would only contend with it for the cores.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        # No arena kept at its high-water mark: a process's memory stays near its floor
        # (measured: 214 MB against 222 MB for the service's imports, model and a long text).
        options.enable_cpu_mem_arena = False
        options.enable_mem_pattern = False
        self._session = ort.InferenceSession(
            str(model_dir / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizers = {n: _tokenizer(model_dir, n) for n in (WHOLE_TOKENS, WINDOW_TOKENS)}
        self._short_verdict = functools.lru_cache(maxsize=CACHE_ENTRIES)(self._verdict)

    def probabilities(self, texts: list[str], max_tokens: int = WHOLE_TOKENS) -> Probabilities:
        """P(none, review, check, urgent) for each already-cleaned text, in small batches.

        Batches of ``BATCH`` bound the activations' memory: 96 windows at once took 150 MB
        more than the same windows 16 at a time, for no gain in speed on one thread.
        """
        chunks = [
            self._batch(texts[i : i + BATCH], max_tokens) for i in range(0, len(texts), BATCH)
        ]
        return np.concatenate(chunks)

    def _batch(self, texts: list[str], max_tokens: int) -> Probabilities:
        encodings: list[Encoding] = self._tokenizers[max_tokens].encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        (out,) = self._session.run(["probabilities"], {"input_ids": ids, "attention_mask": mask})
        result: Probabilities = np.asarray(out, dtype=np.float32)
        return result

    def windows(self, raw_text: str) -> tuple[list[str], list[Probabilities]]:
        """The windows of ``raw_text`` (the whole first) and each one's scores.

        Windows are cut from the repaired text, as the patient wrote it, so the dashboard
        can find the deciding one in the stored message; the model reads ``for_model`` of
        each.
        """
        text = repair(raw_text).strip()
        if not for_model(text):
            return [], []
        windows = sentence_windows(text)
        inputs = [for_model(w) for w in windows]
        probs = list(self.probabilities(inputs[:1]))
        if len(inputs) > 1:
            probs.extend(self.probabilities(inputs[1:], WINDOW_TOKENS))
        return windows, probs

    def verdict(self, raw_text: str, thresholds: Thresholds | None = None) -> Verdict:
        """Score ``raw_text`` whole and window by window; the most urgent window decides."""
        if thresholds is None and len(raw_text) <= CACHE_CHARS:
            return self._short_verdict(raw_text)
        return self._verdict(raw_text, thresholds)

    def _verdict(self, raw_text: str, thresholds: Thresholds | None = None) -> Verdict:
        windows, probs = self.windows(raw_text)
        return decide(windows, probs, thresholds or self.thresholds)


def decide(windows: list[str], probs: list[Probabilities], thresholds: Thresholds) -> Verdict:
    """The most urgent window's level (ties: the higher P(urgent)); none for no windows."""
    if not windows:
        return Verdict("none", (1.0, 0.0, 0.0, 0.0), "")
    levels = [thresholds.level(p, whole=i == 0) for i, p in enumerate(probs)]
    best = max(range(len(levels)), key=lambda i: (_RANK[levels[i]], float(probs[i][3])))
    chosen = probs[best]
    return Verdict(
        levels[best],
        (float(chosen[0]), float(chosen[1]), float(chosen[2]), float(chosen[3])),
        windows[best],
    )


def _tokenizer(model_dir: Path, max_tokens: int) -> Tokenizer:
    """The word-piece tokenizer, cutting at ``max_tokens`` (its closing [SEP] kept)."""
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_tokens)
    return tokenizer
