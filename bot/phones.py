"""Phone numbers: parse to E.164, and mask for logs."""

from __future__ import annotations

import phonenumbers


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str, default_region: str = "US") -> str:
    """Return the E.164 form of `raw`, or raise InvalidPhone saying why."""
    try:
        parsed = phonenumbers.parse(raw.strip(), default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"{raw!r} is not a phone number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone(f"{raw!r} is not a valid phone number (include the country code)")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask(address: str | None) -> str:
    """`+15551234567` -> `+1******4567`; anything else keeps only its last 4 characters."""
    if not address:
        return ""
    if address.startswith("+"):
        try:
            country = str(phonenumbers.parse(address).country_code)
        except phonenumbers.NumberParseException:
            country = ""
        hidden = len(address) - 1 - len(country) - 4
        return f"+{country}{'*' * max(hidden, 0)}{address[-4:]}"
    return "*" * max(len(address) - 4, 0) + address[-4:]
