"""Time zones as staff type them: "America/Chicago", "america/chicago" or just "Chicago".

One reader for every form that takes a zone (enrollment on the web, the API and the CLI).
A city that names exactly one IANA zone is taken as that zone; anything else is refused
with the closest names, so "Chicgo" gets "did you mean America/Chicago?".
"""

from __future__ import annotations

import difflib
import functools
import zoneinfo

__all__ = ["UnknownZone", "resolve_zone"]


class UnknownZone(ValueError):
    """No such zone; the message names the closest ones when there are any."""


@functools.cache
def _zones() -> tuple[dict[str, str], dict[str, list[str]]]:
    """Every zone by its lowercased name, and by its lowercased city ("new york")."""
    by_name: dict[str, str] = {}
    by_city: dict[str, list[str]] = {}
    for zone in sorted(zoneinfo.available_timezones()):
        by_name[zone.lower()] = zone
        if "/" in zone and not zone.startswith(("Etc/", "SystemV/", "posix/", "right/")):
            city = zone.rsplit("/", 1)[1].replace("_", " ").lower()
            by_city.setdefault(city, []).append(zone)
    return by_name, by_city


def resolve_zone(raw: str) -> str:
    """The IANA name for ``raw``; raises UnknownZone with suggestions."""
    typed = " ".join(raw.strip().split())
    if not typed:
        raise UnknownZone("Enter a time zone, e.g. America/New_York or a city such as Chicago.")
    by_name, by_city = _zones()
    key = typed.lower()
    if key.replace(" ", "_") in by_name:
        return by_name[key.replace(" ", "_")]
    # Canonical zones first: "America/Indiana/Indianapolis" and "America/Indianapolis" agree.
    cities = sorted(set(by_city.get(key, [])), key=lambda z: (z.count("/"), z))
    if cities:
        return cities[0]
    close = difflib.get_close_matches(key, [*by_city, *by_name], n=3, cutoff=0.75)
    names = list(dict.fromkeys(by_name.get(c) or by_city[c][0] for c in close))
    hint = f" Did you mean {' or '.join(names)}?" if names else ""
    raise UnknownZone(
        f"Unknown time zone {typed!r}.{hint} Use Area/City (America/New_York) or a city name."
    )
