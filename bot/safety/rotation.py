"""Weekly rotation arithmetic: whose week it is, and when the next handover falls.

Pure functions of a rotation row and an instant. Handovers are wall-clock times in the
rotation's zone ("mon 09:00" stays 09:00 through a DST change), so a week between two
handovers is 167, 168 or 169 hours long.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.wallclock import parse_time_of_day
from storage.models import OnCallRotation

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEK = timedelta(days=7)


class HandoverError(ValueError):
    pass


def parse_handover(text: str) -> tuple[int, time]:
    """`"mon 09:00"` to (0, 09:00): a weekday's first three letters and a 24-hour time."""
    try:
        day, clock = text.strip().lower().split(maxsplit=1)
        return WEEKDAYS.index(day[:3]), parse_time_of_day(clock)
    except ValueError:
        raise HandoverError(f"{text!r} is not a weekday and HH:MM, e.g. 'mon 09:00'") from None


def handover_label(rotation: OnCallRotation) -> str:
    return f"{WEEKDAYS[rotation.handover_weekday]} {rotation.handover_time}"


def _handover(rotation: OnCallRotation) -> tuple[int, time, ZoneInfo]:
    at = parse_time_of_day(rotation.handover_time)
    return rotation.handover_weekday, at, ZoneInfo(rotation.timezone)


def last_handover(rotation: OnCallRotation, at: datetime) -> datetime:
    """The latest handover at or before `at`, as an aware local time."""
    weekday, clock, zone = _handover(rotation)
    local = at.astimezone(zone)
    back = (local.weekday() - weekday) % 7
    day = local.date() - timedelta(days=back)
    if back == 0 and local.time() < clock:
        day -= WEEK
    return datetime.combine(day, clock, tzinfo=zone)


def next_handover(rotation: OnCallRotation, at: datetime) -> datetime:
    """The first handover after `at`, as an aware local time."""
    last = last_handover(rotation, at)
    return datetime.combine(last.date() + WEEK, last.timetz())


def holder_id(rotation: OnCallRotation, at: datetime) -> int | None:
    """The clinician id whose week covers `at`; None before the rotation starts."""
    order = stand_ins(rotation, at)
    return order[0] if order else None


def stand_ins(rotation: OnCallRotation, at: datetime) -> list[int]:
    """The rotation from the week's holder on, in turn: who covers if the holder can't."""
    if at < rotation.starts_at or not rotation.clinician_ids:
        return []
    weeks = last_handover(rotation, at).date() - last_handover(rotation, rotation.starts_at).date()
    first = (weeks.days // 7) % len(rotation.clinician_ids)
    return rotation.clinician_ids[first:] + rotation.clinician_ids[:first]
