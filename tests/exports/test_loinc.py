"""The LOINC table the FHIR export uses: well-formed codes, matched to real flow steps."""

from __future__ import annotations

import re

import pytest

import flows
from bot.exports.loinc import INSTRUMENTS, check_digit_ok
from flows.answers.choice import ChoiceAnswer
from flows.answers.scale import ScaleAnswer


def term_codes() -> list[str]:
    codes = []
    for instrument in INSTRUMENTS.values():
        codes += [instrument.panel, instrument.total, *instrument.items.values()]
    return codes


def test_every_term_code_has_a_valid_loinc_check_digit() -> None:
    assert [code for code in term_codes() if not check_digit_ok(code)] == []


def test_answer_codes_are_loinc_answer_ids_and_distinct_within_a_question() -> None:
    for instrument in INSTRUMENTS.values():
        for table in instrument.answers.values():
            codes = [code for code, _ in table.values()]
            assert all(re.fullmatch(r"LA\d{4,5}-\d", code) for code in codes), codes
            assert len(set(codes)) == len(codes)


def test_the_check_digit_catches_a_mistyped_code() -> None:
    assert check_digit_ok("68509-9")
    assert not check_digit_ok("68509-0")
    assert not check_digit_ok("LA6568-5")  # answer codes carry a prefix; not a term code


@pytest.mark.parametrize(("flow_id", "name"), [("phq9", "PHQ-9"), ("gad7", "GAD-7")])
def test_each_coded_step_exists_and_every_possible_answer_has_a_code(
    flow_id: str, name: str
) -> None:
    flow = flows.builtin_library().get(flow_id)
    instrument = INSTRUMENTS[name]
    assert flow.spec.instrument == name
    asked = {s.id for s in flow.steps.values() if s.answer is not None}
    assert set(instrument.items) == asked
    for step_id, table in instrument.answers.items():
        answer = flow.steps[step_id].answer
        if isinstance(answer, ScaleAnswer):
            assert set(table) == set(range(answer.min, answer.max + 1)), step_id
        else:
            assert isinstance(answer, ChoiceAnswer)
            assert set(table) == set(answer.choices), step_id
