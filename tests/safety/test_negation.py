"""Negation: a denial silences only what it denies; a negated safety promise is risk.

The clinic set's `negation` rows were written and scored before the patterns for them;
these cases pin the edges of those patterns (found while tuning them).
"""

from __future__ import annotations

import pytest

from bot.safety.screening import rules_layer, screen_with


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("I can't keep myself safe", "urgent"),
        ("i cant keep myself safe tonight", "urgent"),
        ("I can't promise I won't hurt myself", "urgent"),
        ("I never wanted to kill myself until this week", "urgent"),
        ("ive never wanted to kill myself more than i do right now", "urgent"),
        ("I've never wanted to die so badly", "urgent"),
        ("Suicide is not an option for me, but I want to die", "urgent"),
        ("no way I'd hurt myself tonight", "check"),
        ("I'm no longer afraid of dying", "check"),
        ("I'm not scared of dying during the infusion, the nurses are great", "none"),
        ("I'm not sure I want to live in Ohio", "none"),
        ("I have never wanted to kill myself", "none"),
        ("there's no way I would hurt myself", "none"),
    ],
)
def test_negation_silences_only_the_denied_phrase(text: str, level: str) -> None:
    assert screen_with(text, [rules_layer]).level.value == level
