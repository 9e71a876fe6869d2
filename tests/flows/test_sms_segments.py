"""SMS segment counting, GSM-7 against UCS-2, as `checkin flows validate` reports it."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.cli.flows import app
from flows.segments import sms_segments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 160, (1, "GSM-7")),
        ("a" * 161, (2, "GSM-7")),
        ("a" * 306, (2, "GSM-7")),
        ("a" * 307, (3, "GSM-7")),
        ("€" * 80, (1, "GSM-7")),  # an extension character costs two septets
        ("€" * 81, (2, "GSM-7")),
        ("é" * 160, (1, "GSM-7")),  # é is in the GSM alphabet
        ("á" * 70, (1, "UCS-2")),  # á is not: the whole text becomes UCS-2
        ("á" * 71, (2, "UCS-2")),
        ("a" * 133 + "á", (2, "UCS-2")),
        ("a" * 134 + "á", (3, "UCS-2")),
        ("👍" * 35, (1, "UCS-2")),  # an emoji is two UTF-16 units
    ],
)
def test_segments_are_counted_as_a_phone_network_counts_them(
    text: str, expected: tuple[int, str]
) -> None:
    assert sms_segments(text) == expected


def test_validate_warns_about_prompts_longer_than_two_segments_but_still_passes() -> None:
    result = CliRunner().invoke(app, ["validate"])
    assert result.exit_code == 0
    assert "warning: phq9.yaml steps.phq9_8.en: 3 SMS segments (GSM-7" in result.output
    assert result.output.strip().endswith("steps")
