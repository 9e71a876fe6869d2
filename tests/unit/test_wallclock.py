"""One reader for times of day: what staff type in settings, forms, the CLI and rotas."""

from __future__ import annotations

from datetime import time

import pytest

from bot.scheduling.plan import QuietHours
from bot.wallclock import hhmm, parse_time_of_day


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", time(9, 0)),
        ("9:00", time(9, 0)),
        ("21:30", time(21, 30)),
        ("9am", time(9, 0)),
        ("9:30 PM", time(21, 30)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        (" 7 a.m. ", time(7, 0)),
    ],
)
def test_times_are_read_as_people_write_them(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize("text", ["25:00", "9", "09:60", "13pm", "noonish", "", "9:5"])
def test_anything_else_is_refused_with_what_is_expected(text: str) -> None:
    with pytest.raises(ValueError, match="time of day such as 09:00|hour is 1 to 12"):
        parse_time_of_day(text)


def test_stored_times_are_24_hour() -> None:
    assert hhmm("7:05pm") == "19:05"


@pytest.mark.parametrize("window", ["22:00-07:00", "10pm-7am", "10 pm - 7 am", "10pm to 7am"])
def test_quiet_hours_take_either_way_of_writing_a_window(window: str) -> None:
    assert str(QuietHours.parse(window)) == "22:00-07:00"


def test_a_bad_window_says_once_what_is_expected() -> None:
    with pytest.raises(ValueError) as caught:
        QuietHours.parse("late-early")
    assert str(caught.value) == (
        "'late-early' is not a start-end window such as 22:00-07:00 or 10pm-7am"
    )
