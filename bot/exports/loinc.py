"""LOINC codes for the validated instruments, as an export labels them.

Checked against LOINC's own panel and answer-list pages (44249-1 PHQ-9,
69737-5 GAD-7, answer lists LL358-3 and LL359-1); every code carries LOINC's
mod-10 check digit, which a test verifies. Keyed by the flow's `instrument`
and then by step id, so a clinic's own copy of a flow under another id keeps
its codes, and a step the table does not know is exported uncoded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SYSTEM = "http://loinc.org"

# "Not at all" .. "Nearly every day" (LL358-3), by the item's score.
_FREQUENCY: dict[int | str, tuple[str, str]] = {
    0: ("LA6568-5", "Not at all"),
    1: ("LA6569-3", "Several days"),
    2: ("LA6570-1", "More than half the days"),
    3: ("LA6571-9", "Nearly every day"),
}
# The closing difficulty question (LL359-1), by the flow's choice value.
_DIFFICULTY: dict[int | str, tuple[str, str]] = {
    "not_difficult": ("LA6572-7", "Not difficult at all"),
    "somewhat": ("LA6573-5", "Somewhat difficult"),
    "very": ("LA6575-0", "Very difficult"),
    "extremely": ("LA6574-3", "Extremely difficult"),
}
_DIFFICULTY_ITEM = "69722-7"


@dataclass(frozen=True)
class Instrument:
    panel: str
    panel_display: str
    total: str  # the total score's code
    items: dict[str, str]  # step id -> item code
    # step id -> (stored answer value -> answer code and display)
    answers: dict[str, dict[int | str, tuple[str, str]]] = field(default_factory=dict)


def _instrument(panel: str, display: str, total: str, items: list[str], prefix: str) -> Instrument:
    steps = {f"{prefix}_{n}": code for n, code in enumerate(items, start=1)}
    answers: dict[str, dict[int | str, tuple[str, str]]] = {s: dict(_FREQUENCY) for s in steps}
    answers["difficulty"] = dict(_DIFFICULTY)
    return Instrument(panel, display, total, {**steps, "difficulty": _DIFFICULTY_ITEM}, answers)


INSTRUMENTS: dict[str, Instrument] = {
    "PHQ-9": _instrument(
        "44249-1",
        "PHQ-9 quick depression assessment panel [Reported.PHQ]",
        "44261-6",
        # little interest, down, sleep, tired, appetite, feeling bad, concentrating,
        # slow or restless, thoughts of being better off dead (item 9)
        [
            "44250-9",
            "44255-8",
            "44259-0",
            "44254-1",
            "44251-7",
            "44258-2",
            "44252-5",
            "44253-3",
            "44260-8",
        ],
        "phq9",
    ),  # fmt: skip
    "GAD-7": _instrument(
        "69737-5",
        "Generalized anxiety disorder 7 item (GAD-7)",
        "70274-6",
        # nervous, cannot stop worrying, worrying too much, trouble relaxing, restless,
        # annoyed or irritable, afraid something awful might happen
        ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"],
        "gad7",
    ),
}


def coding(code: str, display: str | None = None) -> dict[str, str]:
    out = {"system": SYSTEM, "code": code}
    if display:
        out["display"] = display
    return out


def check_digit_ok(code: str) -> bool:
    """LOINC's mod-10 check: a mistyped code (68509-0 for 68509-9) fails it."""
    body, _, digit = code.partition("-")
    if not (body.isdigit() and digit.isdigit() and len(digit) == 1):
        return False
    reversed_digits = body[::-1]
    odd = reversed_digits[0::2][::-1]
    even = reversed_digits[1::2][::-1]
    total = sum(int(c) for c in even + str(int(odd) * 2))
    return (10 - total % 10) % 10 == int(digit)
