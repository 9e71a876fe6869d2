"""Crisis resources sent to a patient the moment an escalation opens."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

CRISIS_MESSAGES: dict[str, str] = {
    "us": (
        "If you are in immediate danger, call 911. You can call or text 988 "
        "(Suicide & Crisis Lifeline) any time, or text HOME to 741741. We have "
        "alerted the clinician on call, who will contact you soon."
    ),
    "ca": (
        "If you are in immediate danger, call 911. You can call or text 988 "
        "(Suicide Crisis Helpline) any time. We have alerted the clinician on "
        "call, who will contact you soon."
    ),
    "uk": (
        "If you are in immediate danger, call 999. You can call Samaritans free "
        "on 116 123 any time, or text SHOUT to 85258. We have alerted the "
        "clinician on call, who will contact you soon."
    ),
    "au": (
        "If you are in immediate danger, call 000. You can call Lifeline on "
        "13 11 14 any time. We have alerted the clinician on call, who will "
        "contact you soon."
    ),
}

ACKNOWLEDGED_MESSAGE = (
    "A clinician from {clinic} has seen your message and will contact you soon. "
    "If you are in immediate danger, call {emergency}."
)

EMERGENCY_NUMBERS = {"us": "911", "ca": "911", "uk": "999", "au": "000"}
# For one-line replies ("In a crisis, <line>.") and SMS HELP ("In an emergency <help>.").
SHORT_LINES = {
    "us": (
        "call or text 988",
        "call 911; call or text 988 (Suicide & Crisis Lifeline) or text HOME to 741741",
    ),
    "ca": ("call or text 988", "call 911; call or text 988 (Suicide Crisis Helpline)"),
    "uk": (
        "call Samaritans free on 116 123",
        "call 999; call Samaritans free on 116 123 or text SHOUT to 85258",
    ),
    "au": ("call Lifeline on 13 11 14", "call 000; call Lifeline on 13 11 14"),
}
# The same lines in Spanish (988 answers in Spanish; the others are named as they are).
SHORT_LINES_ES = {
    "us": "llame o escriba al 988 (hay atención en español)",
    "ca": "llame o escriba al 988",
    "uk": "llame gratis a Samaritans al 116 123",
    "au": "llame a Lifeline al 13 11 14",
}


@dataclass(frozen=True)
class CrisisLines:
    """Every crisis number a patient-facing text may name, for one locale."""

    message: str  # sent when an escalation opens
    emergency: str  # "911"
    line: str  # "call or text 988": for "In a crisis, ..."
    help: str  # "call 911; call or text 988 ...": for "In an emergency ..."
    line_es: str  # "llame o escriba al 988": the line in Spanish, for "En una crisis, ..."


class CrisisResourcesError(ValueError):
    pass


def load_crisis_message(setting: str) -> tuple[str, str]:
    """Return (crisis message, emergency number) for a locale code or a YAML file."""
    lines = crisis_lines(setting)
    return lines.message, lines.emergency


@functools.lru_cache(maxsize=8)
def crisis_lines(setting: str) -> CrisisLines:
    """The crisis numbers for a locale code or a YAML file (CRISIS_RESOURCES).

    A file holds `message:` and `emergency_number:`, and may hold `line:`, `help:` and
    `line_es:` (else each names the emergency number alone). An unknown locale is an error at
    startup, never a silent fallback to the wrong country's numbers.
    """
    key = setting.strip().lower()
    if key in CRISIS_MESSAGES:
        line, help_ = SHORT_LINES[key]
        return CrisisLines(
            CRISIS_MESSAGES[key], EMERGENCY_NUMBERS[key], line, help_, SHORT_LINES_ES[key]
        )
    path = Path(setting)
    if not path.is_file():
        raise CrisisResourcesError(
            f"CRISIS_RESOURCES: {setting!r} is neither a locale "
            f"({', '.join(sorted(CRISIS_MESSAGES))}) nor a readable file"
        )
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not data.get("message") or not data.get("emergency_number"):
        raise CrisisResourcesError(f"{path}: needs `message:` and `emergency_number:`")
    emergency = str(data["emergency_number"]).strip()
    return CrisisLines(
        str(data["message"]).strip(),
        emergency,
        str(data.get("line") or f"call {emergency}").strip(),
        str(data.get("help") or f"call {emergency}").strip(),
        str(data.get("line_es") or f"llame al {emergency}").strip(),
    )
