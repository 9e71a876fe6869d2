"""The screener's labelled messages: which file is for what, and the fixed splits.

Standard library only: the trainer, the report and the tests all read the data through
this module, so a split is defined once.

- ``data/screening/train/*.csv`` and ``tests/safety/clinic_messages.csv``: written to
  train on. A fixed sixth of them (by a hash of the text, ``is_dev``) is held back as the
  development split that the thresholds are calibrated on; the model never fits it.
- ``data/screening/frozen_test/*.csv``: the frozen test split, written apart by writers
  who saw neither the training messages nor the rules, committed before any training.
  This is the eighth one (six writers in three voices, 1,050 messages after dropping
  repeats of training texts and of the seventh split, compared after normalising). The
  first (``train/w7_``, ``w8_``), the second (``train/w14_``), the third (``train/w15_``),
  the fourth (``train/w19_``), the fifth (``train/w20_``) and the sixth (``train/w21_``)
  were each scored by released models, so they became training data. Nothing is ever
  fitted or tuned on the frozen split;
  ``FROZEN_TEST_SHA256`` pins its content.
- ``data/screening/next_train/*.csv``: written to train on, waiting for the next model
  (the shipped weights record the digest of the files they were fitted on, so a file
  joins ``train/`` in the commit that retrains): the seventh frozen split (``w23_``),
  scored by the release it judged, and four files of near pairs (``w24_``). The rules may
  be tuned on them now, as on the training files; the model has not seen them.
- ``../shared/datasets/*.csv``: public social-media sets, never copied here. Half of each
  (``public_half``) may be trained on; the other half is reported as held out.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TRAIN_DIR = REPO / "data" / "screening" / "train"
FROZEN_DIR = REPO / "data" / "screening" / "frozen_test"
CLINIC_SET = REPO / "tests" / "safety" / "clinic_messages.csv"
PUBLIC_DIR = REPO.parent / "shared" / "datasets"

LEVELS = ("none", "review", "check", "urgent")
# sha256 over the frozen split's files (``files_sha256``), recorded when it was committed.
FROZEN_TEST_SHA256 = "da88d7a4db6b1e95a4fca1a9cc348709f75a4858ee15a62757f21b7da0625987"


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str  # "risk" or "benign"
    category: str
    level: str  # one of LEVELS
    lang: str
    source: str  # file name

    @property
    def risky(self) -> bool:
        return self.label == "risk"


@dataclass(frozen=True, slots=True)
class PublicSet:
    name: str
    text_column: str
    label_column: str
    is_risk: Callable[[str], bool]


PUBLIC_SETS = (
    PublicSet("si_tweets_short.csv", "Tweet", "Suicide", lambda v: v.startswith("Potential")),
    PublicSet("si_tweets_9k.csv", "tweet", "intention", lambda v: v.strip() == "1"),
    PublicSet("si_reddit_237.csv", "text", "class", lambda v: v.strip() == "suicide"),
)


def _bucket(text: str, salt: str) -> int:
    return hashlib.sha256((salt + text).encode("utf-8")).digest()[0]


def is_dev(text: str) -> bool:
    """Whether a training-file message belongs to the development split (about 1 in 6)."""
    return _bucket(text, "dev:") % 6 == 0


def public_half(text: str) -> bool:
    """Whether a public-set message is in the half that training may use."""
    return _bucket(text, "public:") % 2 == 0


def sample_key(text: str) -> bytes:
    """A fixed pseudo-random order for sampling a capped share of a set."""
    return hashlib.sha256(("sample:" + text).encode("utf-8")).digest()


def read_examples(path: Path) -> list[Example]:
    """One labelled CSV (text,label,category,level,lang), rows with no text skipped."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out = []
    for row in rows:
        text = row.get("text") or ""
        if not text.strip():
            continue
        level = row.get("level") or row.get("expected_level") or "none"
        category = row["category"]
        lang = row.get("lang") or ("es" if category.startswith("spanish") else "en")
        out.append(Example(text, row["label"], category, level, lang, path.name))
    return out


def training_files() -> list[Path]:
    return [*sorted(TRAIN_DIR.glob("*.csv")), CLINIC_SET]


def frozen_files() -> list[Path]:
    return sorted(FROZEN_DIR.glob("*.csv"))


def training_examples() -> list[Example]:
    """Every message written to train on, dev split included (filter with ``is_dev``)."""
    return [e for path in training_files() for e in read_examples(path)]


def frozen_test() -> list[Example]:
    return [e for path in frozen_files() for e in read_examples(path)]


def files_sha256(paths: Iterable[Path]) -> str:
    """One digest over the files' names and bytes, in the order given."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def read_public(spec: PublicSet) -> list[tuple[str, bool]] | None:
    """(text, risky) rows of a public set, or None when ../shared/datasets lacks it."""
    path = PUBLIC_DIR / spec.name
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if (r.get(spec.text_column) or "").strip()]
    return [(r[spec.text_column], spec.is_risk(r[spec.label_column] or "")) for r in rows]
