"""Times typed into dashboard forms (`<input type="datetime-local">`), read in a time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def parse_local(value: str, zone: str) -> datetime | None:
    """`2026-12-01T10:00` as wall-clock time in `zone`, in UTC; None if it is not a time.

    A time that a DST change skips or repeats is read the way zoneinfo reads it
    (the first of the two, or shifted forward by the gap).
    """
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(zone))
    return parsed.astimezone(UTC)


def local_input(value: datetime | None, zone: str) -> str:
    """The value for a `datetime-local` input showing `value` in `zone`."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")
