"""Scoring: item sums and named bands for instruments.

```yaml
scoring:
  - name: phq9
    items: [phq9_1, phq9_2, phq9_3, phq9_4, phq9_5, phq9_6, phq9_7, phq9_8, phq9_9]
    bands:
      - {min: 0, max: 4, label: minimal}
      - {min: 5, max: 9, label: mild}
      - {min: 10, max: 14, label: moderate}
      - {min: 15, max: 19, label: moderately severe}
      - {min: 20, max: 27, label: severe}
```

Items are `scale` (or `number`) questions; the total is their sum. When
the flow completes, each score is reported (`ScoreComputed`); when it
expires or is aborted, each score with at least one answered item is
reported too, so an answer is never lost. If any item was skipped or not
reached, the total covers the answered items, `missing` names the rest and
the band is left empty: an incomplete instrument is not banded. Bands must
follow on without gaps from the lowest to the highest possible total
(checked at load).
"""

from __future__ import annotations

from collections.abc import Mapping

from flows.events import ScoreComputed
from flows.model import Score
from flows.types import Value


def compute(score: Score, answers: Mapping[str, Value]) -> ScoreComputed:
    """Return the score's total and band from the answers so far."""
    total: int | float = 0
    missing = []
    for item in score.items:
        value = answers.get(item)
        if isinstance(value, int | float) and not isinstance(value, bool):
            total += value
        else:
            missing.append(item)
    band = None
    if not missing:
        band = next((b.label for b in score.bands if b.min <= total <= b.max), None)
    return ScoreComputed(score.name, total, band, tuple(missing))
