"""Time zones typed by staff: exact names in any case, cities, and suggestions for typos."""

from __future__ import annotations

import pytest

from bot.zones import UnknownZone, resolve_zone


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("America/New_York", "America/New_York"),
        ("america/new_york", "America/New_York"),
        ("New York", "America/New_York"),
        ("  london ", "Europe/London"),
        ("Mexico City", "America/Mexico_City"),
        ("UTC", "UTC"),
    ],
)
def test_a_zone_or_a_city_gives_the_iana_name(typed: str, zone: str) -> None:
    assert resolve_zone(typed) == zone


def test_a_misspelt_city_is_refused_with_the_closest_zone() -> None:
    with pytest.raises(UnknownZone, match=r"Did you mean Australia/Sydney\?"):
        resolve_zone("Sydeny")


@pytest.mark.parametrize("typed", ["", "Mars/Olympus", "nowhere at all"])
def test_nothing_like_a_zone_is_refused_and_says_what_to_type(typed: str) -> None:
    with pytest.raises(UnknownZone, match="e.g. America/New_York|Area/City"):
        resolve_zone(typed)
