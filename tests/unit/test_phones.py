from __future__ import annotations

import pytest

from bot.phones import InvalidPhone, mask, normalize_phone


@pytest.mark.parametrize("raw", ["+1 (202) 555-0143", "202-555-0143", "+12025550143"])
def test_us_numbers_in_any_format_become_e164(raw: str) -> None:
    assert normalize_phone(raw) == "+12025550143"


@pytest.mark.parametrize("raw", ["", "hello", "+1 555", "12"])
def test_non_numbers_are_refused_with_a_reason(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


def test_masking_keeps_the_country_code_and_last_four_digits() -> None:
    assert mask("+12025554567") == "+1******4567"
    assert mask("+447911123456") == "+44******3456"
