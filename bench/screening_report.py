"""Print how the screener does, set by set, as `make run` installs it: `make screening-report`.

    .venv/bin/python bench/screening_report.py [--quick]

Sets, each labelled with what the model was fitted or tuned on:

1. the frozen test split (``data/screening/frozen_test``), written apart and never tuned
   on: per category, recall (risk: check or urgent) or false-alarm rate (benign: check or
   urgent; review counted apart), urgent share where a page is expected, review share where
   review is expected; per language; rules alone beside rules + model; the same with the
   messages that also occur word for word in the training files left out;
2. the public sets in ``../shared/datasets`` (skipped when absent): the held-out half that
   training never saw, and the half it was trained on, apart;
3. the development split the thresholds were calibrated on (tuned: not a result);
4. the training messages the model was fitted on (fitted: shows over-fitting by contrast);
5. a threshold sweep of the check threshold on the development split and on the frozen
   split (the shipped one was chosen on the development split);
6. cost on one core: model load time, resident memory, latency p50/p99 for a 160-character
   and a 4,096-character message.

``--quick`` skips the public sets' trained halves and the fitted training set. A report,
not a test: it asserts nothing.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.safety import model_tier  # noqa: E402
from bot.safety.risk_model import RiskModel, Thresholds, decide  # noqa: E402
from bot.safety.screening import model_level, model_words, rules_layer  # noqa: E402
from training import screening_data as data  # noqa: E402

RANK = {level: i for i, level in enumerate(data.LEVELS)}
FLAGGED = ("check", "urgent")
PAGE_EXPECTED = {"direct_ideation", "plan_means"}


@dataclass
class Scored:
    """One set: labels, the rules' level, and the model's windows (re-decided per sweep)."""

    texts: list[str]
    risky: list[bool]
    categories: list[str]
    expected: list[str]
    langs: list[str]
    rules: list[str]
    windows: list[tuple[list[str], list[object]]]

    def levels(self, thresholds: Thresholds, with_model: bool = True) -> list[str]:
        out = []
        for text, rule, (w, p) in zip(self.texts, self.rules, self.windows, strict=True):
            verdict = decide(w, p, thresholds).level  # type: ignore[arg-type]
            model = model_level(text, verdict).value if with_model else "none"
            out.append(data.LEVELS[max(RANK[rule], RANK[model])])
        return out


def score(model: RiskModel, texts: Sequence[str]) -> tuple[list[str], list[tuple]]:
    rules = [rules_layer(t).level.value for t in texts]
    return rules, [model.windows(model_words(t) or t) for t in texts]


def from_examples(model: RiskModel, examples: Sequence[data.Example]) -> Scored:
    texts = [e.text for e in examples]
    rules, windows = score(model, texts)
    return Scored(
        texts,
        [e.risky for e in examples],
        [e.category for e in examples],
        [e.level for e in examples],
        [e.lang for e in examples],
        rules,
        windows,
    )


def from_public(model: RiskModel, rows: Sequence[tuple[str, bool]]) -> Scored:
    texts = [t for t, _ in rows]
    rules, windows = score(model, texts)
    n = len(texts)
    return Scored(
        texts, [r for _, r in rows], ["public"] * n, ["?"] * n, ["en"] * n, rules, windows
    )


def rate(hits: int, n: int) -> str:
    return f"{hits / n:6.3f} ({hits}/{n})" if n else "   n/a"


def summary(levels: list[str], s: Scored, keep: Callable[[int], bool] = lambda _: True) -> str:
    idx = [i for i in range(len(levels)) if keep(i)]
    risk = [i for i in idx if s.risky[i]]
    benign = [i for i in idx if not s.risky[i]]
    tp = sum(levels[i] in FLAGGED for i in risk)
    fp = sum(levels[i] in FLAGGED for i in benign)
    urgent_fp = sum(levels[i] == "urgent" for i in benign)
    return (
        f"recall {rate(tp, len(risk))}   false alarms {rate(fp, len(benign))}"
        f"   of which urgent {rate(urgent_fp, len(benign))}"
    )


def per_category(s: Scored, levels: list[str], rules_only: list[str]) -> None:
    groups: dict[tuple[bool, str], list[int]] = defaultdict(list)
    for i, category in enumerate(s.categories):
        groups[(s.risky[i], category)].append(i)
    print(
        f"    {'category':<24} {'n':>4}  {'rules+model':>18}  {'rules alone':>18}"
        "  urgent / review share"
    )
    for risky, title in ((True, "risk: recall (check or urgent)"), (False, "benign: false alarms")):
        print(f"  {title}")
        for (is_risk, category), idx in sorted(groups.items()):
            if is_risk != risky:
                continue
            both = sum(levels[i] in FLAGGED for i in idx)
            alone = sum(rules_only[i] in FLAGGED for i in idx)
            urgent = sum(levels[i] == "urgent" for i in idx)
            review = sum(levels[i] == "review" for i in idx)
            extra = f"urgent {urgent}/{len(idx)}" if risky else f"review {review}/{len(idx)}"
            print(
                f"    {category:<24} {len(idx):>4}  {rate(both, len(idx)):>18}"
                f"  {rate(alone, len(idx)):>18}  {extra}"
            )


def frozen_report(model: RiskModel, s: Scored) -> None:
    digest = data.files_sha256(data.frozen_files())
    pinned = "matches" if digest == data.FROZEN_TEST_SHA256 else "DOES NOT MATCH"
    print(f"1. Frozen test split: {len(s.texts)} messages, sha256 {digest[:16]}... ({pinned} the")
    print("   digest pinned when it was committed; written apart, never trained or tuned on)")
    levels = s.levels(model.thresholds)
    rules_only = s.levels(model.thresholds, with_model=False)
    print(f"  rules + model : {summary(levels, s)}")
    print(f"  rules alone   : {summary(rules_only, s)}")
    seen = {e.text.strip().lower() for e in data.training_examples()}
    unseen = [s.texts[i].strip().lower() not in seen for i in range(len(s.texts))]
    print(
        f"  without the {unseen.count(False)} messages also in the training files word for"
        f" word: {summary(levels, s, lambda i: unseen[i])}"
    )
    for lang in ("en", "es", "mixed"):
        print(f"  lang {lang:<8}: {summary(levels, s, lambda i, lang=lang: s.langs[i] == lang)}")
    paged = [i for i, c in enumerate(s.categories) if c in PAGE_EXPECTED and s.risky[i]]
    print(
        f"  direct ideation and plan/means scored urgent: "
        f"{rate(sum(levels[i] == 'urgent' for i in paged), len(paged))}"
    )
    wants_review = [i for i, e in enumerate(s.expected) if e == "review"]
    print(
        f"  labelled review and scored review: "
        f"{rate(sum(levels[i] == 'review' for i in wants_review), len(wants_review))}"
    )
    per_category(s, levels, rules_only)


def sweep(name: str, model: RiskModel, s: Scored) -> None:
    t = model.thresholds
    print(
        f"  {name}: check threshold (urgent {t.urgent}, review {t.review}, window {t.window} held)"
    )
    for check in (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        mark = "  <- shipped" if abs(check - t.check) < 0.05 else ""
        levels = s.levels(Thresholds(t.urgent, check, t.review, t.window))
        print(f"    {check:4.2f}  {summary(levels, s)}{mark}")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cost_report(load_seconds: float, rss_before: float, rss_loaded: float) -> None:
    model = model_tier.load()
    assert model is not None
    short = (
        "so tired of everything lately. the infusion helped for 3 days and now im back to"
        " square one, idk what to do anymore honestly. work is a mess and i cant sleep much"
    )[:160]
    paragraph = (
        "Slept badly again and the nausea after Tuesday's infusion lasted most of the day. "
        "Work was long, the kids had a school thing, and I forgot my evening meds once. "
    )
    long = (paragraph * 40)[:4000] + " I keep thinking everyone would be better off."
    print(
        f"6. Cost on one core: load {load_seconds:.2f} s; RSS {rss_before:.0f} MB before,"
        f" {rss_loaded:.0f} MB with the model loaded, {rss_mb():.0f} MB after the report"
    )
    for title, text, runs in (("160 characters", short, 300), ("4,096 characters", long, 40)):
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            model.verdict(text)
            rules_layer(text)
            times.append((time.perf_counter() - started) * 1000)
        cuts = statistics.quantiles(times, n=100)
        print(
            f"  {title:<17} ({len(text)} chars, rules + model): p50 {cuts[49]:6.1f} ms"
            f"   p99 {cuts[98]:6.1f} ms"
        )


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    quick = "--quick" in sys.argv
    rss_before = rss_mb()
    started = time.perf_counter()
    status = model_tier.status()
    load_seconds = time.perf_counter() - started
    rss_loaded = rss_mb()
    print(
        f"Tiers in force: {', '.join(status.tiers)}"
        + (f"  DEGRADED: {status.problem}" if status.degraded else "")
    )
    model = model_tier.load()
    if model is None:
        return
    manifest = model.manifest
    current = data.files_sha256(data.training_files())
    same = "matches" if current == manifest["training_data_sha256"] else "DOES NOT MATCH"
    print(
        f"Model: {manifest['base_model']}; thresholds {manifest['thresholds']};"
        f" trained on data sha256 {manifest['training_data_sha256'][:16]}... ({same} the files now)"
    )
    print()
    frozen_report(model, from_examples(model, data.frozen_test()))
    print()
    print(
        "2. Public sets (../shared/datasets): held-out half never trained on, then the trained half"
    )
    for spec in data.PUBLIC_SETS:
        rows = data.read_public(spec)
        if rows is None:
            print(f"  {spec.name}: skipped, not found")
            continue
        held = from_public(model, [r for r in rows if not data.public_half(r[0])])
        print(
            f"  {spec.name:<20} held out ({len(held.texts)}): {summary(held.levels(model.thresholds), held)}"
        )
        held_rules = held.levels(model.thresholds, with_model=False)
        print(f"  {'':<20} rules alone on it : {summary(held_rules, held)}")
        if not quick:
            used = manifest["public_sets"].get(spec.name, {}).get("rows_used", 0)
            trained = from_public(model, [r for r in rows if data.public_half(r[0])][:used])
            print(
                f"  {'':<20} trained on ({len(trained.texts)}): {summary(trained.levels(model.thresholds), trained)}"
            )
    print()
    train = data.training_examples()
    dev = from_examples(model, [e for e in train if data.is_dev(e.text)])
    print(f"3. Development split ({len(dev.texts)}; thresholds calibrated here, not a result):")
    print(f"  {summary(dev.levels(model.thresholds), dev)}")
    if not quick:
        fitted = from_examples(model, [e for e in train if not data.is_dev(e.text)])
        print(f"4. Training messages fitted ({len(fitted.texts)}; fitted, not a result):")
        print(f"  {summary(fitted.levels(model.thresholds), fitted)}")
    print()
    print("5. Threshold sweep")
    sweep("development split (tuned on)", model, dev)
    sweep(
        "frozen test split (never tuned on; shown, not used to choose)",
        model,
        from_examples(model, data.frozen_test()),
    )
    print()
    cost_report(load_seconds, rss_before, rss_loaded)


if __name__ == "__main__":
    main()
