"""Crisis resources sent to a patient the moment an escalation opens."""

from __future__ import annotations

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


class CrisisResourcesError(ValueError):
    pass


def load_crisis_message(setting: str) -> tuple[str, str]:
    """Return (crisis message, emergency number) for a locale code or a YAML file.

    A file holds `message:` and `emergency_number:`. An unknown locale is an
    error at startup, never a silent fallback to the wrong country's numbers.
    """
    key = setting.strip().lower()
    if key in CRISIS_MESSAGES:
        return CRISIS_MESSAGES[key], EMERGENCY_NUMBERS[key]
    path = Path(setting)
    if not path.is_file():
        raise CrisisResourcesError(
            f"CRISIS_RESOURCES: {setting!r} is neither a locale "
            f"({', '.join(sorted(CRISIS_MESSAGES))}) nor a readable file"
        )
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not data.get("message") or not data.get("emergency_number"):
        raise CrisisResourcesError(f"{path}: needs `message:` and `emergency_number:`")
    return str(data["message"]).strip(), str(data["emergency_number"]).strip()
