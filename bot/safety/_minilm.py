"""all-MiniLM-L6-v2 in plain numpy: BERT's forward pass, mean pooling, unit length.

Imported only by ``semantic.load``, so that numpy and ``tokenizers`` stay optional. This is
the whole model that sentence-transformers would run for this checkpoint (six BERT layers,
then ``Pooling(mean)`` and ``Normalize``); without torch it costs about 4 ms for an
SMS-sized message on two cores, and about 40 ms per 128-token window of a long one. Everything is read from files given by path: there is no
model-hub client here, so nothing can reach the network.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from tokenizers import Tokenizer

Matrix = NDArray[np.float32]

# The checkpoint was trained on 128-token inputs: a longer message is embedded window by
# window (half overlapping), so a risky sentence at the end of a long text is scored on its
# own instead of being averaged away. Sixteen windows cover about 1,100 word pieces (a
# 4,096-character Telegram message of English); past that only the rules read the text.
WINDOW = 128
STRIDE = 64
MAX_WINDOWS = 16
_LAYERS, _HEADS, _EPS = 6, 12, 1e-12


def read_safetensors(path: Path) -> dict[str, Matrix]:
    """Map every float32 tensor of a safetensors file without copying it into memory.

    The format is an 8-byte little-endian header length, a JSON header, then raw data; a
    read-only memory map lets the OS share and page the 90 MB like any other file.
    """
    with path.open("rb") as handle:
        size = int.from_bytes(handle.read(8), "little")
        header = json.loads(handle.read(size))
    blob = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
    tensors: dict[str, Matrix] = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue  # position_ids (int64) is a buffer, not a weight
        start, end = info["data_offsets"]
        tensors[name] = blob[start:end].view("<f4").reshape(info["shape"])
    return tensors


def _layer_norm(x: Matrix, weight: Matrix, bias: Matrix) -> Matrix:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    normed: Matrix = (x - mean) / np.sqrt(var + _EPS) * weight + bias
    return normed


def _gelu(x: Matrix) -> Matrix:
    """BERT's exact (erf) GELU; numpy has no erf, so Abramowitz-Stegun 7.1.26 (error < 2e-7)."""
    z = np.abs(x) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    return (0.5 * x * (1.0 + erf)).astype(np.float32)


class Encoder:
    """Turns text into unit vectors; immutable after construction, so threads may share it."""

    def __init__(self, model_dir: Path) -> None:
        self._w = read_safetensors(model_dir / "model.safetensors")
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # tokenizer.json pads and truncates to 128; we window instead, so turn both off.
        tokenizer.no_padding()
        tokenizer.no_truncation()
        self._tokenizer = tokenizer
        self._cls = _token_id(tokenizer, "[CLS]")
        self._sep = _token_id(tokenizer, "[SEP]")

    def embed(self, text: str) -> Matrix:
        """One unit vector per window of ``text``: shape (windows, 384), one row for an SMS."""
        body = self._tokenizer.encode(text, add_special_tokens=False).ids
        span = WINDOW - 2
        starts = range(0, max(len(body) - span, 0) + STRIDE, STRIDE) if len(body) > span else [0]
        return np.stack(
            [
                self._forward([self._cls, *body[s : s + span], self._sep])
                for s in starts[:MAX_WINDOWS]
            ]
        )

    def _forward(self, ids: list[int]) -> Matrix:
        w, n = self._w, len(ids)
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:n]
        )
        x = _layer_norm(
            x + w["embeddings.token_type_embeddings.weight"][0],
            w["embeddings.LayerNorm.weight"],
            w["embeddings.LayerNorm.bias"],
        )
        size = x.shape[1] // _HEADS
        for i in range(_LAYERS):
            p = f"encoder.layer.{i}."
            q, k, v = (
                self._dense(x, p + f"attention.self.{m}")
                .reshape(n, _HEADS, size)
                .transpose(1, 0, 2)
                for m in ("query", "key", "value")
            )
            scores = q @ k.transpose(0, 2, 1) / np.float32(math.sqrt(size))
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(n, -1)
            x = self._norm(
                self._dense(context, p + "attention.output.dense") + x, p + "attention.output"
            )
            h = self._dense(_gelu(self._dense(x, p + "intermediate.dense")), p + "output.dense")
            x = self._norm(h + x, p + "output")
        pooled: Matrix = x.mean(axis=0)  # one sequence, no padding: every token counts
        return pooled / np.float32(max(float(np.linalg.norm(pooled)), 1e-9))

    def _dense(self, x: Matrix, name: str) -> Matrix:
        out: Matrix = x @ self._w[name + ".weight"].T + self._w[name + ".bias"]
        return out

    def _norm(self, x: Matrix, name: str) -> Matrix:
        return _layer_norm(
            x, self._w[name + ".LayerNorm.weight"], self._w[name + ".LayerNorm.bias"]
        )


def _token_id(tokenizer: Tokenizer, token: str) -> int:
    found = tokenizer.token_to_id(token)
    if found is None:
        raise ValueError(f"tokenizer has no {token} token")
    return found
