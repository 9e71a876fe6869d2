"""Noisy copies of training messages: the ways phones and people change a text.

Seeded by the caller's ``random.Random``, so one data set always gives one training set.
"""

from __future__ import annotations

import random
import re
import string

_WORD = re.compile(r"[A-Za-z]{4,}")
_LEET = str.maketrans({"i": "1", "e": "3", "a": "@", "o": "0", "s": "5"})
_PUNCT = str.maketrans("", "", string.punctuation.replace("'", ""))


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:  # two letters swapped
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:  # a letter dropped
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]  # a letter doubled


def _in_words(text: str, rng: random.Random, change, count: int) -> str:
    spans = [m.span() for m in _WORD.finditer(text)]
    for start, end in sorted(rng.sample(spans, min(count, len(spans))), reverse=True):
        text = text[:start] + change(text[start:end], rng) + text[end:]
    return text


def noisy_copy(text: str, rng: random.Random) -> str:
    """``text`` with one or two changes: typos, case, punctuation, leet, apostrophes."""
    changes = [
        lambda t: _in_words(t, rng, _typo, rng.randint(1, 2)),
        lambda t: t.lower(),
        lambda t: t.upper() if len(t) < 160 else t.lower(),
        lambda t: t.translate(_PUNCT),
        lambda t: t.replace("'", "").replace("\u2019", ""),
        lambda t: _in_words(t, rng, lambda w, _r: w.lower().translate(_LEET), 1),
    ]
    for change in rng.sample(changes, rng.choice((1, 1, 2))):
        text = change(text)
    return text
