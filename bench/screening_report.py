"""Print how the screener does on our clinic set and on the public text sets.

    .venv/bin/python bench/screening_report.py

For tests/safety/clinic_messages.csv: per category, n and recall (risk categories: share
flagged check or urgent) or false-positive rate (benign categories: share flagged). For each
public set in ../shared/datasets/ (skipped with a note when absent): n, recall and
false-positive rate counting check or urgent as flagged, and again counting urgent only.
Then screening latency per message (p50, p99) and messages per second for each set.

A report, not a test: it asserts nothing and its timings depend on the machine.
"""

from __future__ import annotations

import csv
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.safety.screening import Level, screen  # noqa: E402

CLINIC_SET = REPO / "tests" / "safety" / "clinic_messages.csv"
DATASETS = REPO.parent / "shared" / "datasets"


@dataclass(frozen=True)
class PublicSet:
    text_column: str
    label_column: str
    is_risk: Callable[[str], bool]


PUBLIC_SETS = {
    "si_tweets_short.csv": PublicSet("Tweet", "Suicide", lambda v: v.startswith("Potential")),
    "si_tweets_9k.csv": PublicSet("tweet", "intention", lambda v: v.strip() == "1"),
    "si_reddit_237.csv": PublicSet("text", "class", lambda v: v.strip() == "suicide"),
}


def timed_levels(texts: Iterable[str]) -> tuple[list[Level], list[float]]:
    levels, micros = [], []
    for text in texts:
        start = time.perf_counter_ns()
        levels.append(screen(text).level)
        micros.append((time.perf_counter_ns() - start) / 1000)
    return levels, micros


def rate(hits: int, n: int) -> str:
    return f"{hits / n:.3f} ({hits}/{n})" if n else "n/a"


def latency_line(name: str, micros: list[float]) -> str:
    cuts = statistics.quantiles(micros, n=100) if len(micros) > 1 else micros * 99
    per_second = len(micros) / (sum(micros) / 1e6) if sum(micros) else float("inf")
    return (
        f"  {name:<22} p50 {cuts[49]:7.1f} us   p99 {cuts[98]:8.1f} us   {per_second:9,.0f} msg/s"
    )


def clinic_report() -> list[float]:
    with CLINIC_SET.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    levels, micros = timed_levels(row["text"] for row in rows)
    by_category: dict[tuple[str, str], list[bool]] = defaultdict(list)
    exact = 0
    for row, level in zip(rows, levels, strict=True):
        by_category[(row["label"], row["category"])].append(level is not Level.NONE)
        exact += level.value == row["expected_level"]
    print(f"Clinic set ({CLINIC_SET.relative_to(REPO)}): {len(rows)} messages")
    for label, measure in (("risk", "recall"), ("benign", "false-positive rate")):
        print(f"  {label} categories: {measure}")
        for (row_label, category), flags in sorted(by_category.items()):
            if row_label == label:
                print(f"    {category:<20} n={len(flags):<4} {rate(sum(flags), len(flags))}")
        flags = [f for (lab, _), fs in by_category.items() if lab == label for f in fs]
        print(f"    {'overall':<20} n={len(flags):<4} {rate(sum(flags), len(flags))}")
    print(f"  expected_level matched exactly: {rate(exact, len(rows))}")
    return micros


def public_report(name: str, spec: PublicSet) -> list[float]:
    path = DATASETS / name
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r.get(spec.text_column)]
    texts = [r[spec.text_column] for r in rows]
    risk = [spec.is_risk(r[spec.label_column] or "") for r in rows]
    levels, micros = timed_levels(texts)
    flagged = [level is not Level.NONE for level in levels]
    urgent = [level is Level.URGENT for level in levels]
    positives, negatives = sum(risk), len(risk) - sum(risk)
    print(f"{name}: n={len(rows)} (risk {positives}, not risk {negatives})")
    for title, hits in (("check or urgent", flagged), ("urgent only", urgent)):
        tp = sum(h and r for h, r in zip(hits, risk, strict=True))
        fp = sum(h and not r for h, r in zip(hits, risk, strict=True))
        print(f"  {title:<16} recall {rate(tp, positives)}   FPR {rate(fp, negatives)}")
    return micros


def main() -> None:
    timings = {"clinic set": clinic_report()}
    print()
    if not DATASETS.is_dir():
        print(f"public sets: skipped, {DATASETS} not found")
    else:
        for name, spec in PUBLIC_SETS.items():
            if (DATASETS / name).is_file():
                timings[name] = public_report(name, spec)
            else:
                print(f"{name}: skipped, not found in {DATASETS}")
        for path in sorted(DATASETS.glob("*.csv")):
            if path.name not in PUBLIC_SETS:
                print(f"{path.name}: skipped, its text and label columns are not known here")
    print()
    print("Screening latency per message (this machine):")
    for name, micros in timings.items():
        print(latency_line(name, micros))


if __name__ == "__main__":
    main()
