"""Replies as people text them, read by each answer type."""

from __future__ import annotations

from typing import Any

import pytest

from flows.answers import ANSWER_TYPES, AnswerType, Parsed, Rejected


def answer(spec: dict[str, Any]) -> AnswerType:
    return ANSWER_TYPES[spec["type"]].model_validate(spec)


MOOD = answer({"type": "scale", "min": 0, "max": 10})
PHQ = answer(
    {
        "type": "scale",
        "min": 0,
        "max": 3,
        "labels": {
            0: "Not at all",
            1: "Several days",
            2: "More than half the days",
            3: "Nearly every day",
        },
    }
)
HOURS = answer({"type": "number", "min": 0, "max": 24})
YES_NO = answer({"type": "yes_no"})
SIDE_EFFECTS = answer(
    {
        "type": "multi_choice",
        "choices": {
            "nausea": {"reply": "1", "also": ["nauseous", "threw up"]},
            "dizziness": {"reply": "2", "also": ["dizzy"]},
            "headache": "3",
            "dissociation": {"reply": "4", "label": "feeling unreal", "also": ["detached"]},
            "none": "5",
        },
    }
)
SIDE_EFFECTS_NO_NONE = answer({"type": "multi_choice", "choices": {"nausea": "1", "headache": "2"}})
RESPONSE = answer(
    {
        "type": "choice",
        "choices": {
            "better": {"reply": "1", "label": {"en": "better", "es": "mejor"}},
            "same": {"reply": "2", "label": "about the same", "also": ["no change"]},
            "worse": {"reply": "3", "label": {"en": "worse", "es": "peor"}},
        },
    }
)
FREE = answer({"type": "text"})


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7", 7),
        ("7/10", 7),
        ("7 / 10", 7),
        ("7 out of 10", 7),
        ("seven", 7),
        ("Seven!", 7),
        ("siete", 7),
        ("about a 6", 6),
        ("like a 6 today", 6),
        ("6ish", 6),
        ("0", 0),
        ("10", 10),
        ("ten", 10),
        ("7️⃣", 7),
        ("🔟", 10),
        ("diez", 10),
        ("I'd say a solid 8", 8),
    ],
)
def test_a_scale_reads_the_number_however_it_is_texted(text: str, value: int) -> None:
    assert MOOD.parse(text) == Parsed(value)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("6 or 7", "pick_one"),
        ("6-7", "pick_one"),
        ("11", "out_of_range"),
        ("3/5", "out_of_range"),
        ("6.5", "whole_number"),
        ("meh", "not_understood"),
        ("no one cares", "not_understood"),
        ("", "not_understood"),
    ],
)
def test_a_scale_rejects_replies_it_cannot_read_as_one_point(text: str, problem: str) -> None:
    assert MOOD.parse(text) == Rejected(problem)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("not at all", 0),
        ("Several days", 1),
        ("more than half the days", 2),
        ("nearly every day", 3),
    ],
)
def test_a_scale_reads_its_labels_as_answers(text: str, value: int) -> None:
    assert PHQ.parse(text) == Parsed(value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7", 7),
        ("7.5", 7.5),
        ("7,5", 7.5),
        ("about 6 hours", 6),
        ("seven and a half", 7.5),
        ("siete y media", 7.5),
        ("twenty one", 21),
        ("none", 0),
        ("nada", 0),
    ],
)
def test_a_number_reads_quantities_in_words_and_digits(text: str, value: float) -> None:
    assert HOURS.parse(text) == Parsed(value)


@pytest.mark.parametrize(("text", "problem"), [("25", "out_of_range"), ("6 or 7", "pick_one")])
def test_a_number_rejects_out_of_range_or_two_numbers(text: str, problem: str) -> None:
    assert HOURS.parse(text) == Rejected(problem)


@pytest.mark.parametrize(
    "text",
    [
        "y",
        "Y",
        "yes",
        "YES!",
        "yeah",
        "yep",
        "yup",
        "yesss",
        "sure",
        "sí",
        "si",
        "👍",
        "👍🏽",
        "✅",
        "claro",
    ],
)
def test_yes_no_reads_yes_in_its_many_forms(text: str) -> None:
    assert YES_NO.parse(text) == Parsed("yes")


@pytest.mark.parametrize(
    "text",
    [
        "n",
        "no",
        "No.",
        "nope",
        "nah",
        "noooo",
        "not really",
        "never",
        "no way",
        "👎",
        "❌",
        "nunca",
        "no, I'm ok",
    ],
)
def test_yes_no_reads_no_in_its_many_forms(text: str) -> None:
    assert YES_NO.parse(text) == Parsed("no")


@pytest.mark.parametrize(
    "text",
    ["sometimes", "a little", "maybe", "kind of", "kinda", "sort of", "not sure", "I don't know",
     "a veces", "un poco", "tal vez", "no sé", "maybe not", "now and then"],
)  # fmt: skip
def test_yes_no_records_hedges_as_yes_with_a_note(text: str) -> None:
    assert YES_NO.parse(text) == Parsed("yes", note="hedged")


def test_yes_no_records_an_answer_with_both_yes_and_no_as_yes() -> None:
    assert YES_NO.parse("no... yes") == Parsed("yes", note="mixed")


@pytest.mark.parametrize("text", ["hmm", "I have been feeling ok", "what do you mean by that", ""])
def test_yes_no_rejects_replies_without_a_yes_or_a_no(text: str) -> None:
    assert YES_NO.parse(text) == Rejected("not_understood")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,3", ["nausea", "headache"]),
        ("1, 3", ["nausea", "headache"]),
        ("1 and 3", ["nausea", "headache"]),
        ("1 & 3", ["nausea", "headache"]),
        ("1 3", ["nausea", "headache"]),
        ("13", ["nausea", "headache"]),
        ("3,1", ["nausea", "headache"]),
        ("nausea and headache", ["nausea", "headache"]),
        ("Nausea, headache", ["nausea", "headache"]),
        ("I felt dizzy and detached", ["dizziness", "dissociation"]),
        ("feeling unreal", ["dissociation"]),
        ("threw up once", ["nausea"]),
        ("none of those", ["none"]),
        ("none", ["none"]),
        ("nothing", ["none"]),
        ("nope", ["none"]),
        ("nada", ["none"]),
        ("5", ["none"]),
        ("1, 5", ["nausea"]),
        ("no nausea but a headache", ["headache"]),
        ("no nausea or headache", ["none"]),
        ("all of them", ["nausea", "dizziness", "headache", "dissociation"]),
    ],
)
def test_multi_choice_reads_lists_names_and_none(text: str, value: list[str]) -> None:
    assert SIDE_EFFECTS.parse(text) == Parsed(value)


def test_multi_choice_without_a_none_option_records_none_as_an_empty_list() -> None:
    assert SIDE_EFFECTS_NO_NONE.parse("none of those") == Parsed([])


@pytest.mark.parametrize(
    ("text", "problem"),
    [("7", "not_an_option"), ("1 and 9", "not_an_option"), ("hmm", "not_understood")],
)
def test_multi_choice_rejects_numbers_that_are_not_options(text: str, problem: str) -> None:
    assert SIDE_EFFECTS.parse(text) == Rejected(problem)


@pytest.mark.parametrize(
    ("text", "value"),
    [("1", "better"), ("better", "better"), ("Mejor", "better"), ("peor", "worse"),
     ("about the same", "same"), ("no change", "same"), ("2.", "same")],
)  # fmt: skip
def test_choice_reads_the_number_the_name_the_label_or_a_synonym(text: str, value: str) -> None:
    assert RESPONSE.parse(text) == Parsed(value)


@pytest.mark.parametrize(
    ("text", "problem"),
    [("1 or 3", "pick_one"), ("4", "not_an_option"), ("purple", "not_understood")],
)
def test_choice_rejects_two_options_or_none_it_knows(text: str, problem: str) -> None:
    assert RESPONSE.parse(text) == Rejected(problem)


def test_text_records_the_reply_trimmed_and_rejects_an_empty_one() -> None:
    assert FREE.parse("  everything at once \n") == Parsed("everything at once")
    assert FREE.parse("   ") == Rejected("empty")


def test_buttons_carry_the_label_in_the_patients_language_and_the_reply_to_send() -> None:
    labels = [(c.label, c.reply) for c in RESPONSE.buttons("es")]
    assert labels == [("mejor", "1"), ("about the same", "2"), ("peor", "3")]
    assert [c.reply for c in YES_NO.buttons("en")] == ["yes", "no"]
    assert [c.label for c in PHQ.buttons("en")][1] == "1 Several days"
