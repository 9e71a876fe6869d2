"""How many SMS segments a text costs: a long prompt arrives split, out of order on
some phones, and costs more. GSM-7 fits 160 characters in one segment (153 per part
when split); one character outside it turns the whole text into UCS-2: 70 (67)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flows.model import Flow

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")  # each takes two septets

# Rendered variables make texts longer than written; count room for a typical name
# and a phone number rather than the placeholder itself.
TYPICAL = {
    "{first_name}": "Alexandra",
    "{infusion_number}": "12",
    "{clinic_phone}": "+1 555 555 0199",
    "{clinic_name}": "the clinic",
}


def sms_segments(text: str) -> tuple[int, str]:
    """(segments, encoding) for `text` sent as one SMS."""
    for placeholder, example in TYPICAL.items():
        text = text.replace(placeholder, example)
    if all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text):
        septets = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
        return (1 if septets <= 160 else math.ceil(septets / 153)), "GSM-7"
    units = sum(2 if ord(c) > 0xFFFF else 1 for c in text)  # UTF-16 code units
    return (1 if units <= 70 else math.ceil(units / 67)), "UCS-2"


def long_texts(loaded: Iterable[Flow]) -> list[str]:
    """Warnings (not errors) for texts longer than two SMS segments, as
    ``file steps.<id>.<language>: N SMS segments (...)``; `checkin flows validate` and the
    dashboard's Flows page print the same lines."""
    warnings = []
    for flow in loaded:
        for step in flow.steps.values():
            for language, text in step.text.items():
                count, encoding = sms_segments(text)
                if count > 2:
                    warnings.append(
                        f"{flow.source} steps.{step.id}.{language}: {count} SMS "
                        f"segments ({encoding}, {len(text)} characters); keep within 2"
                    )
    return warnings
