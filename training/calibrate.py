"""Choose the model's thresholds on the development split, through the shipped runtime.

Each development message is scored once, window by window, with the exported int8 graph,
and once by the rules; then every candidate set of thresholds is applied to those scores,
exactly as ``risk_model.decide`` does in the service, and merged with the rules' level as
``screening`` merges layers (the higher wins), so the thresholds fit what ships:

- ``check``: the lowest threshold (most recall) at which the screener's false alarms on
  the benign messages (check or urgent) stay within ``FALSE_ALARM_BUDGET``; and never
  higher than needed to flag ``RECALL_TARGET`` of the risk messages. A missed message can
  cost a life, so recall is bought with false alarms up to the budget, but no further: a
  clinic whose patients are questioned on every other message stops answering.
- ``window``: what a window of a long message (two sentences read out of their context)
  needs to raise it. With ``check`` first chosen as if windows were read like whole
  messages, the window threshold is the one that costs least on the development split,
  counting each risk message missed as ``MISS_COST`` false alarms; then ``check`` is chosen
  again with it.
- ``urgent``: the lowest threshold at which the model itself would page at most
  ``URGENT_BENIGN_LIMIT`` of the benign messages (beyond what the rules already page), so
  clear risk pages at once.
- ``review``: the one that best tells review messages from plain ones among the benign.

The frozen test split is never read here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from bot.safety.risk_model import RiskModel, Thresholds, decide
from bot.safety.screening import model_level, model_words, rules_layer
from training import screening_data as data

RANK = {level: i for i, level in enumerate(data.LEVELS)}
RECALL_TARGET = 0.985
FALSE_ALARM_BUDGET = 0.10
URGENT_BENIGN_LIMIT = 0.015
# A missed risk message weighs as much as this many false alarms when windows are set.
MISS_COST = 5
# Messages whose scores the manifest records; a test checks the shipped graph still gives them.
PROBES = [
    "ok",
    "7",
    "i have 40 pills saved in the drawer",
    "this headache is killing me",
    "my cousin killed himself last year and the anniversary is hard",
    "ya no quiero vivir",
    "felt like I was floating during the infusion, kind of scary but fine now",
]
# A fine-tuned model is sure of itself: the urgent threshold needs steps near 1.
GRID = [round(x, 3) for x in np.arange(0.02, 0.981, 0.01)] + [0.985, 0.99, 0.995, 0.998, 0.999]


def calibrate(model_dir: Path) -> tuple[dict[str, float], dict[str, object]]:
    model = RiskModel(model_dir)
    dev = [e for e in data.training_examples() if data.is_dev(e.text)]
    scored = [model.windows(model_words(e.text) or e.text) for e in dev]
    rules = [RANK[rules_layer(e.text).level.value] for e in dev]

    def levels(t: Thresholds) -> list[str]:
        model_ranks = [
            RANK[model_level(e.text, decide(w, p, t).level).value]
            for e, (w, p) in zip(dev, scored, strict=True)
        ]
        return [data.LEVELS[max(m, r)] for m, r in zip(model_ranks, rules, strict=True)]

    risk = [e.risky for e in dev]

    def recall_fpr(found: list[str]) -> tuple[float, float]:
        flagged = [level in ("check", "urgent") for level in found]
        tp = sum(f and r for f, r in zip(flagged, risk, strict=True))
        fp = sum(f and not r for f, r in zip(flagged, risk, strict=True))
        return tp / max(sum(risk), 1), fp / max(len(risk) - sum(risk), 1)

    never = 1.01
    benign = [not r for r in risk]

    def choose_check(window: float | None) -> float:
        # A window below the check threshold changes nothing: a window still needs check.
        curve = {t: recall_fpr(levels(Thresholds(never, t, never, window))) for t in GRID}
        within = [t for t in GRID if curve[t][1] <= FALSE_ALARM_BUDGET] or [GRID[-1]]
        enough = [t for t in within if curve[t][0] >= RECALL_TARGET]
        return max(enough) if enough else min(within)

    def window_cost(t: float, check: float) -> float:
        found = levels(Thresholds(never, check, never, t))
        flagged = [level in ("check", "urgent") for level in found]
        misses = sum(r and not f for f, r in zip(flagged, risk, strict=True))
        alarms = sum(b and f for f, b in zip(flagged, benign, strict=True))
        return alarms + MISS_COST * misses

    provisional = choose_check(None)
    window = min((t for t in GRID if t >= provisional), key=lambda t: window_cost(t, provisional))
    check = choose_check(window)
    window = max(window, check)

    def urgent_benign(t: float) -> float:
        found = levels(Thresholds(t, check, never, window))
        added = [
            f == "urgent" and r != RANK["urgent"] and b
            for f, r, b in zip(found, rules, benign, strict=True)
        ]
        return sum(added) / max(sum(benign), 1)

    urgent = min((t for t in GRID if urgent_benign(t) <= URGENT_BENIGN_LIMIT), default=GRID[-1])
    wants_review = [e.level == "review" for e in dev]

    def review_errors(t: float) -> int:
        found = levels(Thresholds(urgent, check, t, window))
        return sum(
            (f == "review") != w for f, w, b in zip(found, wants_review, benign, strict=True) if b
        )

    review = min(GRID, key=lambda t: (review_errors(t), -t))
    chosen = Thresholds(urgent, check, review, window)
    found = levels(chosen)
    recall, fpr = recall_fpr(found)
    figures: dict[str, object] = {
        "messages": len(dev),
        "risk": sum(risk),
        "recall_check_or_urgent": round(recall, 4),
        "false_positive_rate": round(fpr, 4),
        "urgent_on_benign_added_by_model": round(urgent_benign(urgent), 4),
        "review_errors_on_benign": review_errors(review),
        "note": "rules + model, on the development split it was calibrated on: not a result",
    }
    return {"urgent": urgent, "check": check, "review": review, "window": window}, figures


def finish(out: Path) -> None:
    """Calibrate the thresholds and record the probe scores in ``out``'s manifest."""
    path = out / "manifest.json"
    manifest = json.loads(path.read_text())
    thresholds, dev_figures = calibrate(out)
    manifest["thresholds"] = thresholds
    manifest["dev_split"] = dev_figures
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    shipped = RiskModel(out)
    manifest["probes"] = [
        {"text": t, "probabilities": [round(float(x), 6) for x in shipped.verdict(t).probabilities]}
        for t in PROBES
    ]
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps({"thresholds": thresholds, "dev_split": dev_figures}, indent=2))


if __name__ == "__main__":
    finish(Path(sys.argv[1]))
