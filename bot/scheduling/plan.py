"""When check-ins are due, computed in the patient's own time zone.

Pure functions: no clock reads, no database. Times go in and out as aware
UTC datetimes; the local wall-clock arithmetic happens in between with
zoneinfo, so a 09:00 check-in stays at 09:00 across DST changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.wallclock import parse_time_of_day


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant for a wall-clock time; a time skipped by DST moves forward.

    In a spring-forward gap (02:30 on the change day in New York) the local
    time does not exist; the check-in goes out at the first valid minute
    after it rather than an hour early.
    """
    naive = datetime.combine(day, at)
    candidate = naive.replace(tzinfo=zone)
    roundtrip = candidate.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if roundtrip != naive:  # nonexistent local time
        candidate = (naive + timedelta(hours=1)).replace(tzinfo=zone)
    return candidate.astimezone(UTC)


def next_daily(after: datetime, checkin_time: str, zone: ZoneInfo) -> datetime:
    """The first daily check-in strictly after `after`."""
    at = parse_time_of_day(checkin_time)
    day = after.astimezone(zone).date()
    for offset in range(3):
        due = local_to_utc(day + timedelta(days=offset), at, zone)
        if due > after:
            return due
    raise AssertionError("unreachable: a day always has a next check-in")


@dataclass(frozen=True)
class QuietHours:
    start: time = time(21, 0)
    end: time = time(8, 0)

    def contains(self, local: time) -> bool:
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def defer(self, due: datetime, zone: ZoneInfo) -> datetime:
        """Move a routine message due inside quiet hours to the moment they end."""
        local = due.astimezone(zone)
        if not self.contains(local.time().replace(second=0, microsecond=0)):
            return due
        day = local.date()
        if self.start > self.end and local.time() >= self.start:
            day += timedelta(days=1)
        return local_to_utc(day, self.end, zone)

    @classmethod
    def parse(cls, window: str) -> QuietHours:
        """Read "HH:MM-HH:MM" or "10pm-7am" (start-end, patient-local); ValueError names
        the problem."""
        parts = [p for p in re.split(r"\s*(?:-|–|\bto\b)\s*", window.strip()) if p]
        try:
            start, end = parts
            quiet = cls(parse_time_of_day(start), parse_time_of_day(end))
        except ValueError:
            raise ValueError(
                f"{window!r} is not a start-end window such as 22:00-07:00 or 10pm-7am"
            ) from None
        if quiet.start == quiet.end:
            raise ValueError(f"{window!r} starts and ends at the same time")
        return quiet

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def for_patient(self, window: str | None) -> QuietHours:
        """The patient's own quiet hours when they have them, else these (the clinic's)."""
        return self if window is None else QuietHours.parse(window)


def next_on_cadence(
    after: datetime,
    *,
    enrolled: date,
    every: timedelta,
    first_after: timedelta,
    checkin_time: str,
    zone: ZoneInfo,
) -> datetime:
    """The first cadence check-in strictly after `after`: enrolment day + first_after,
    then every `every`, at the patient's check-in time (whole days, so the weekday holds)."""
    at = parse_time_of_day(checkin_time)
    first = enrolled + timedelta(days=first_after.days)
    step = max(every.days, 1)
    behind = (after.astimezone(zone).date() - first).days
    day = first + timedelta(days=max(0, behind // step) * step)
    while (due := local_to_utc(day, at, zone)) <= after:
        day += timedelta(days=step)
    return due


@dataclass(frozen=True)
class PostInfusionSlot:
    name: str  # "evening", "next_morning", "72h", "7d"
    days_after: int  # 0 = the infusion's own local day
    local_time: str | None = None  # a wall-clock time on that day
    hours_after: float | None = None  # or an offset from the infusion itself


DEFAULT_POST_INFUSION = (
    PostInfusionSlot("evening", 0, local_time="19:00"),
    PostInfusionSlot("next_morning", 1, local_time="09:00"),
    PostInfusionSlot("72h", 3, hours_after=72),
    PostInfusionSlot("7d", 7, local_time="10:00"),
)

# An evening check-in sooner than this after the infusion would catch the
# patient still in the acute effects; it moves to this offset instead.
MIN_EVENING_GAP = timedelta(hours=4)


def post_infusion_times(
    infusion_at: datetime, zone: ZoneInfo, slots: tuple[PostInfusionSlot, ...]
) -> list[tuple[str, datetime]]:
    local_day = infusion_at.astimezone(zone).date()
    planned = []
    for slot in slots:
        if slot.hours_after is not None:
            due = infusion_at + timedelta(hours=slot.hours_after)
        else:
            assert slot.local_time is not None
            due = local_to_utc(
                local_day + timedelta(days=slot.days_after),
                parse_time_of_day(slot.local_time),
                zone,
            )
            if slot.days_after == 0 and due < infusion_at + MIN_EVENING_GAP:
                due = infusion_at + MIN_EVENING_GAP
        planned.append((slot.name, due))
    return planned


def fold_daily(daily_due: datetime, others: list[datetime], window: timedelta) -> bool:
    """True when a daily check-in falls within `window` of another check-in (skip it)."""
    return any(abs(daily_due - other) <= window for other in others)
