"""Failed sign-ins counted per account and per address; too many and sign-in waits.

Kept in this process's memory: right for the single `checkin serve` process. With
several web processes each counts on its own, so an attacker gets up to that many
times the limit; put a shared limit at the reverse proxy in that case
(docs/deploy.md). Counts are lost on restart, which only ever lets someone in sooner.
"""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime, timedelta

# One office behind one address must not lock everyone out when one person
# mistypes: an address may fail this many times more often than an account.
ADDRESS_FACTOR = 4
MAX_KEYS = 10_000  # forget the stalest counts past this, so memory stays bounded


class LoginThrottle:
    def __init__(self, *, max_failures: int, window: timedelta) -> None:
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[str, deque[datetime]] = {}

    def _limits(self, email: str, address: str | None) -> list[tuple[str, int]]:
        keys = [("account:" + email.strip().lower(), self.max_failures)]
        if address:
            keys.append(("address:" + address, self.max_failures * ADDRESS_FACTOR))
        return keys

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def wait(self, email: str, address: str | None, now: datetime) -> timedelta | None:
        """How long sign-in is refused for this account or address (None: it is not)."""
        longest: timedelta | None = None
        for key, limit in self._limits(email, address):
            times = self._recent(key, now)
            if len(times) >= limit:
                left = times[-limit] + self.window - now
                longest = left if longest is None else max(longest, left)
        return longest

    def failed(self, email: str, address: str | None, now: datetime) -> None:
        if len(self._failures) > MAX_KEYS:
            self._forget_stale(now)
        for key, _ in self._limits(email, address):
            self._failures.setdefault(key, self._recent(key, now)).append(now)

    def succeeded(self, email: str) -> None:
        """A right password clears the account's count (not the address's)."""
        self._failures.pop("account:" + email.strip().lower(), None)

    def _forget_stale(self, now: datetime) -> None:
        for key in list(self._failures):
            if not self._recent(key, now):
                del self._failures[key]
        while len(self._failures) > MAX_KEYS:
            oldest = min(self._failures, key=lambda k: self._failures[k][-1])
            del self._failures[oldest]


def minutes(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds() / 60))
