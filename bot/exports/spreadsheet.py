"""Check-in answers as CSV: one row per answer; after each check-in, a row per score.

Columns: `record` (answer or score), `patient_id`, `flow_id`, `flow_version`,
`session_id`, `session_status`, `item_id` (the step id; for a score, its name),
`question` (as the patient read it; for a score, "<name> total score"),
`value` (a number, a choice value, a yes/no, free text; multi-choice values
joined by ";"), `band` (scores only), `raw_text` (the patient's own words) and
`answered_at` (UTC, ISO 8601). A text cell that a spreadsheet would run as a
formula (starting with = + - @) is written with a leading apostrophe. Scores staff
recorded from outside the bot (intake paper) follow, with no flow or session.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.exports.records import SessionRecord
from storage.models import Score

COLUMNS = [
    "record",
    "patient_id",
    "flow_id",
    "flow_version",
    "session_id",
    "session_status",
    "item_id",
    "question",
    "value",
    "band",
    "raw_text",
    "answered_at",
]
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def utc_iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _text(value: str | None) -> str:
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return _text(";".join(str(v) for v in value))
    if isinstance(value, str):
        return _text(value)
    return str(value)


def _rows(record: SessionRecord) -> Iterator[list[str]]:
    fs = record.flow_session
    common = [str(fs.patient_id), fs.flow_id, str(fs.flow_version), str(fs.id), fs.status]
    for answer in record.answers:
        yield [
            "answer",
            *common,
            answer.step_id,
            _text(record.question(answer.step_id)),
            _value(answer.value),
            "",
            _text(answer.raw_text),
            utc_iso(answer.recorded_at),
        ]
    for score in record.scores:
        yield [
            "score",
            *common,
            score.name,
            f"{score.name} total score"
            + (f" (incomplete: no answer to {', '.join(score.missing)})" if score.missing else ""),
            str(score.total),
            score.band or "",
            "",
            utc_iso(score.recorded_at),
        ]


def _recorded_row(score: Score) -> list[str]:
    """A score staff recorded from outside the bot: no flow, no session."""
    return [
        "score",
        str(score.patient_id),
        "",
        "",
        "",
        "",
        score.name,
        f"{score.name} total score (recorded by staff: {score.source})",
        str(score.total),
        score.band or "",
        "",
        utc_iso(score.recorded_at),
    ]


def to_csv(records: list[SessionRecord], recorded: Sequence[Score] = ()) -> tuple[str, int]:
    """The CSV text and how many data rows it has; recorded scores come last."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for record in records:
        for row in _rows(record):
            writer.writerow(row)
            count += 1
    for score in recorded:
        writer.writerow(_recorded_row(score))
        count += 1
    return out.getvalue(), count
