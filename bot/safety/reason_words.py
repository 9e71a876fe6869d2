"""Screening reasons in the words a clinician uses, for the dashboard and previews.

Reasons are stored as codes (``plan_means``, ``model_review``): stable, loggable, never
message text. Staff read them through ``describe``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["WORDS", "describe"]

WORDS = {
    "direct_ideation": "says they want to end their life",
    "plan_means": "a plan or means (pills, a weapon, a place, a date)",
    "attempt": "an attempt, now or recent",
    "self_harm": "self-harm, now or intended",
    "passive_death_wish": "wishes to be dead",
    "burdensomeness": "feels a burden to others",
    "hopelessness_ending": "hopelessness, can't go on",
    "farewell": "a farewell or final arrangements",
    "slang": "suicide slang (kms, unalive, ctb)",
    "suicide_mention": "mentions suicide",
    "model_high_risk": "the risk model reads high risk",
    "model_possible_risk": "the risk model reads possible risk",
    "model_review": "someone else's suicide, a past attempt or thoughts that have stopped",
    "screening_error": "screening failed, so a person must look",
    "phq9_item9": "PHQ-9 question 9 answered above 0",
}


# Flow ids staff know by another name; any other id is shown with spaces for dashes.
_FLOW_NAMES = {"phq9": "PHQ-9", "gad7": "GAD-7", "asq": "ASQ", "daily-checkin": "daily check-in"}
_ITEM = re.compile(r"^(?:[a-z0-9]+_)?(?:q|item)?(\d+)$")


def _flow_answer(code: str) -> str:
    """``flow:phq9:phq9_9`` (an answer in a flow escalated) as "an answer to PHQ-9 item 9"."""
    _, flow_id, step = (code.split(":", 2) + ["", ""])[:3]
    flow = _FLOW_NAMES.get(flow_id, flow_id.replace("-", " ").replace("_", " "))
    item = _ITEM.match(step)
    where = f"item {item.group(1)}" if item else f"question {step.replace('_', ' ')}"
    return f"an answer to {flow} {where}"


def _word(code: str) -> str:
    if code.startswith("flow:"):
        return _flow_answer(code)
    return WORDS.get(code, code.replace("_", " "))


def describe(reasons: Iterable[str] | None) -> str:
    """``reasons`` as one line of plain words, in their order; unknown codes kept as they are."""
    words = [_word(code) for code in reasons or ()]
    return "; ".join(dict.fromkeys(words)) or "none recorded"


_CONSEQUENCES = {
    "urgent": "the patient would get crisis resources and the on-call clinician would be"
    " paged at once",
    "check": "the bot would ask the patient a direct safety question first",
    "review": "nobody would be paged; the message would go on the dashboard's review list",
}


def what_screening_does(level: str, reasons: Iterable[str]) -> str | None:
    """For a preview: what a real conversation would do with a reply (None for ``none``)."""
    if level not in _CONSEQUENCES:
        return None
    return f"screening: {level.upper()} ({describe(reasons)}): {_CONSEQUENCES[level]}"
