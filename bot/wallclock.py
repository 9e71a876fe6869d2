"""Times of day as staff and settings write them: one parser for every "HH:MM".

``09:00``, ``9:00``, ``21:30``, ``9am``, ``9:30 pm``, ``12am`` (midnight) and ``12pm``
(noon) are all read; anything else is a ValueError that says what is expected. Stored and
shown times are always 24-hour ``HH:MM``.
"""

from __future__ import annotations

import re
from datetime import time

_TIME = re.compile(r"^(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<half>[ap]\.?m\.?)?$")


def parse_time_of_day(text: str) -> time:
    """The time of day in ``text``; ValueError when it is not one."""
    found = _TIME.match(text.strip().lower())
    if found is None or (found["minute"] is None and found["half"] is None):
        raise ValueError(f"{text.strip()!r} is not a time of day such as 09:00 or 9am")
    hour, minute = int(found["hour"]), int(found["minute"] or 0)
    if found["half"] is not None:
        if not 1 <= hour <= 12:
            raise ValueError(f"{text.strip()!r}: with am or pm the hour is 1 to 12")
        hour = hour % 12 + (12 if found["half"].startswith("p") else 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"{text.strip()!r} is not a time of day such as 09:00 or 9am")
    return time(hour, minute)


def hhmm(text: str) -> str:
    """``text`` read as a time of day and written back as 24-hour ``HH:MM``."""
    return f"{parse_time_of_day(text):%H:%M}"
