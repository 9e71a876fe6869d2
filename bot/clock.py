"""The one place the service reads the time; tests hand in their own clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told: for time-travel tests and benchmarks."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now


# Infusions and shifts are planned in days of the patient's or clinic's zone; a year-1 or
# year-9999 time has no such days (the arithmetic overflows), and is a typo anyway.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def plausible(at: datetime) -> datetime:
    """`at` unchanged, or ValueError when it is outside 2000-2099."""
    if not EARLIEST <= at < LATEST:
        raise ValueError(f"must be between {EARLIEST.year} and {LATEST.year - 1}")
    return at
