"""Check-in times in the patient's zone: DST-safe, quiet hours, post-infusion slots."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.scheduling.plan import (
    DEFAULT_POST_INFUSION,
    QuietHours,
    fold_daily,
    next_daily,
    next_on_cadence,
    post_infusion_times,
)

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")


def local(dt: datetime, zone: ZoneInfo) -> str:
    return dt.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


@pytest.mark.parametrize(
    ("zone", "start", "expected"),
    [
        # New York spring forward (2026-03-08) and fall back (2026-11-01)
        (
            NY,
            datetime(2026, 3, 6, 15, tzinfo=UTC),
            ["03-07 09:00 EST", "03-08 09:00 EDT", "03-09 09:00 EDT"],
        ),
        (
            NY,
            datetime(2026, 10, 30, 15, tzinfo=UTC),
            ["10-31 09:00 EDT", "11-01 09:00 EST", "11-02 09:00 EST"],
        ),
        # London (2026-03-29 and 2026-10-25)
        (
            LONDON,
            datetime(2026, 3, 27, 12, tzinfo=UTC),
            ["03-28 09:00 GMT", "03-29 09:00 BST", "03-30 09:00 BST"],
        ),
        # Sydney (back 2026-04-05, forward 2026-10-04)
        (
            SYDNEY,
            datetime(2026, 4, 3, 1, tzinfo=UTC),
            ["04-04 09:00 AEDT", "04-05 09:00 AEST", "04-06 09:00 AEST"],
        ),
        (
            SYDNEY,
            datetime(2026, 10, 2, 1, tzinfo=UTC),
            ["10-03 09:00 AEST", "10-04 09:00 AEDT", "10-05 09:00 AEDT"],
        ),
    ],
)
def test_a_nine_oclock_check_in_stays_at_nine_local_across_dst(
    zone: ZoneInfo, start: datetime, expected: list[str]
) -> None:
    seen = []
    at = start
    for _ in range(3):
        at = next_daily(at, "09:00", zone)
        seen.append(local(at, zone)[5:])
    assert seen == expected


def test_a_check_in_time_skipped_by_spring_forward_goes_out_just_after_the_gap() -> None:
    due = next_daily(datetime(2026, 3, 8, 5, tzinfo=UTC), "02:30", NY)
    assert local(due, NY) == "2026-03-08 03:30 EDT"


def test_a_check_in_time_repeated_by_fall_back_goes_out_once_at_the_first() -> None:
    first = next_daily(datetime(2026, 11, 1, 4, tzinfo=UTC), "01:30", NY)
    second = next_daily(first, "01:30", NY)
    assert local(first, NY) == "2026-11-01 01:30 EDT"
    assert local(second, NY) == "2026-11-02 01:30 EST"


@pytest.mark.parametrize(
    ("local_due", "expected"),
    [
        ("2026-12-01 20:59", "2026-12-01 20:59"),
        ("2026-12-01 21:00", "2026-12-02 08:00"),
        ("2026-12-01 23:30", "2026-12-02 08:00"),
        ("2026-12-02 03:00", "2026-12-02 08:00"),
        ("2026-12-02 08:00", "2026-12-02 08:00"),
    ],
)
def test_routine_messages_due_in_quiet_hours_wait_until_they_end(
    local_due: str, expected: str
) -> None:
    due = datetime.strptime(local_due, "%Y-%m-%d %H:%M").replace(tzinfo=NY).astimezone(UTC)
    deferred = QuietHours(time(21), time(8)).defer(due, NY)
    assert deferred.astimezone(NY).strftime("%Y-%m-%d %H:%M") == expected


def test_post_infusion_check_ins_fall_on_the_evening_next_morning_72h_and_a_week() -> None:
    infusion = datetime(2026, 12, 1, 10, 0, tzinfo=NY).astimezone(UTC)
    planned = {
        name: local(at, NY) for name, at in post_infusion_times(infusion, NY, DEFAULT_POST_INFUSION)
    }
    assert planned == {
        "evening": "2026-12-01 19:00 EST",
        "next_morning": "2026-12-02 09:00 EST",
        "72h": "2026-12-04 10:00 EST",
        "7d": "2026-12-08 10:00 EST",
    }


def test_a_late_infusion_gets_its_evening_check_in_four_hours_after() -> None:
    infusion = datetime(2026, 12, 1, 17, 30, tzinfo=NY).astimezone(UTC)
    evening = dict(post_infusion_times(infusion, NY, DEFAULT_POST_INFUSION))["evening"]
    assert local(evening, NY) == "2026-12-01 21:30 EST"


def test_a_daily_check_in_near_a_post_infusion_one_is_folded_into_it() -> None:
    daily = datetime(2026, 12, 2, 14, tzinfo=UTC)
    assert fold_daily(daily, [daily + timedelta(hours=2)], timedelta(hours=3))
    assert not fold_daily(daily, [daily + timedelta(hours=5)], timedelta(hours=3))


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # Enrolled Friday 2026-11-27: weekly from a week on, at 09:00 local, DST or not.
        (datetime(2026, 11, 27, 16, 0, tzinfo=UTC), "2026-12-04 09:00 EST"),
        (datetime(2026, 12, 4, 13, 59, tzinfo=UTC), "2026-12-04 09:00 EST"),
        (datetime(2026, 12, 4, 14, 0, tzinfo=UTC), "2026-12-11 09:00 EST"),
        (datetime(2027, 3, 6, 12, 0, tzinfo=UTC), "2027-03-12 09:00 EST"),
        (datetime(2027, 3, 12, 15, 0, tzinfo=UTC), "2027-03-19 09:00 EDT"),
    ],
)
def test_a_weekly_questionnaire_falls_on_the_enrolment_weekday_at_the_check_in_time(
    after: datetime, expected: str
) -> None:
    due = next_on_cadence(
        after,
        enrolled=date(2026, 11, 27),
        every=timedelta(weeks=1),
        first_after=timedelta(weeks=1),
        checkin_time="09:00",
        zone=NY,
    )
    assert local(due, NY) == expected


def test_a_fortnightly_questionnaire_with_an_offset_skips_every_other_week() -> None:
    dues, after = [], datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    for _ in range(3):
        after = next_on_cadence(
            after,
            enrolled=date(2026, 11, 27),
            every=timedelta(weeks=2),
            first_after=timedelta(days=10),
            checkin_time="18:30",
            zone=LONDON,
        )
        dues.append(local(after, LONDON))
    assert dues == ["2026-12-07 18:30 GMT", "2026-12-21 18:30 GMT", "2027-01-04 18:30 GMT"]


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [("22:00-07:00", time(22), time(7)), (" 6:30 - 9:15 ", time(6, 30), time(9, 15))],
)
def test_quiet_hours_are_read_as_start_dash_end(text: str, start: time, end: time) -> None:
    quiet = QuietHours.parse(text)
    assert (quiet.start, quiet.end) == (start, end)
    assert QuietHours().for_patient(text) == quiet
    assert QuietHours().for_patient(None) == QuietHours()


@pytest.mark.parametrize("text", ["22:00", "10pm", "24:00-07:00", "07:00-07:00", ""])
def test_a_malformed_quiet_hours_window_is_refused_with_the_expected_form(text: str) -> None:
    with pytest.raises(ValueError, match="window such as 22:00-07:00|same time"):
        QuietHours.parse(text)
