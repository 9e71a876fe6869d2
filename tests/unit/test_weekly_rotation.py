"""Weekly rotation arithmetic: handovers at local wall-clock time, through DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.safety import rotation as weekly
from storage.models import OnCallRotation

NEW_YORK = "America/New_York"


def rotation(
    handover: str = "mon 09:00", *, starts: datetime, ids: tuple[int, ...] = (1, 2, 3)
) -> OnCallRotation:
    weekday, at = weekly.parse_handover(handover)
    return OnCallRotation(
        role="primary",
        clinician_ids=list(ids),
        handover_weekday=weekday,
        handover_time=at.strftime("%H:%M"),
        timezone=NEW_YORK,
        starts_at=starts,
    )


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_handover_text_is_a_weekday_and_a_24_hour_time() -> None:
    assert weekly.parse_handover("Mon 09:00") == (0, time(9, 0))
    assert weekly.parse_handover("friday 17:30") == (4, time(17, 30))
    for bad in ("monday", "09:00", "xyz 09:00", "mon 25:00", "mon 9"):
        with pytest.raises(weekly.HandoverError):
            weekly.parse_handover(bad)


def test_the_first_clinician_holds_from_the_start_until_the_first_handover() -> None:
    rota = rotation(starts=utc(2026, 11, 27, 15))  # a Friday

    assert weekly.holder_id(rota, utc(2026, 11, 27, 14, 59)) is None  # not started yet
    assert weekly.holder_id(rota, utc(2026, 11, 27, 15)) == 1
    assert weekly.holder_id(rota, utc(2026, 11, 30, 13, 59)) == 1  # Mon 08:59 EST
    assert weekly.holder_id(rota, utc(2026, 11, 30, 14, 0)) == 2  # Mon 09:00 EST
    assert weekly.holder_id(rota, utc(2026, 12, 7, 14, 0)) == 3
    assert weekly.holder_id(rota, utc(2026, 12, 14, 14, 0)) == 1  # round again


def test_the_handover_stays_at_nine_local_across_the_autumn_clock_change() -> None:
    # New York leaves daylight time on Sunday 1 November 2026.
    rota = rotation(starts=utc(2026, 10, 20, 12))

    before = weekly.next_handover(rota, utc(2026, 10, 21))
    after = weekly.next_handover(rota, utc(2026, 10, 28))

    assert before.astimezone(UTC) == utc(2026, 10, 26, 13)  # 09:00 EDT
    assert after.astimezone(UTC) == utc(2026, 11, 2, 14)  # 09:00 EST: a 169-hour week
    assert weekly.holder_id(rota, utc(2026, 11, 2, 13, 30)) == 2  # 08:30 EST
    assert weekly.holder_id(rota, utc(2026, 11, 2, 14)) == 3


def test_a_handover_inside_the_spring_gap_happens_once_that_week() -> None:
    # 02:30 does not exist on Sunday 14 March 2027 in New York (clocks jump 02:00 -> 03:00).
    rota = rotation("sun 02:30", starts=utc(2027, 3, 1, 12))

    holders = [weekly.holder_id(rota, utc(2027, 3, day, 17)) for day in (13, 14, 15, 21, 22)]

    assert holders == [2, 3, 3, 1, 1]
