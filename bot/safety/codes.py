"""The clinician's reply to a page: ``ACK <code>`` or ``RESOLVE <code> <note>``.

Parsed here, below both the router that acts on it and the screener, which reads only
the note: a page's random code is noise to the model (one in three ``ACK <code>`` texts
read as possible risk, one in a thousand as urgent, before it was left out).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

COMMAND = re.compile(
    r"^\s*(?P<verb>ack|resolve)\b[\s:#]*(?P<code>\d{4,8})?\b\s*(?P<note>.*)$",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class ClinicianCommand:
    verb: str  # "ack" | "resolve"
    code: str | None
    note: str


def parse_command(text: str) -> ClinicianCommand | None:
    match = COMMAND.match(text)
    if match is None:
        return None
    return ClinicianCommand(
        verb=match["verb"].lower(), code=match["code"], note=match["note"].strip()
    )
