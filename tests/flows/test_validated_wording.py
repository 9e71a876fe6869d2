"""PHQ-9, GAD-7 and ASQ keep their published, public-domain wording, word for word."""

from __future__ import annotations

import pytest

import flows

LIBRARY = flows.builtin_library()
FREQUENCY = ["Not at all", "Several days", "More than half the days", "Nearly every day"]
OPTIONS = "0 Not at all, 1 Several days, 2 More than half the days, 3 Nearly every day"
PHQ9_STEM = (
    "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
)
GAD7_STEM = "Over the last 2 weeks, how often have you been bothered by the following problems?"
# The published items; long dashes written "-" for SMS (see flows/library/phq9.yaml).
PHQ9_ITEMS = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself - or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite - being so"
    " fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
]
GAD7_ITEMS = [
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
]
DIFFICULTY = (
    "If you checked off any problems, how difficult have these problems made it for you to do"
    " your work, take care of things at home, or get along with other people?\n"
    "0 Not difficult at all, 1 Somewhat difficult, 2 Very difficult, 3 Extremely difficult"
)
ASQ = {
    "asq_1": "In the past few weeks, have you wished you were dead?",
    "asq_2": "In the past few weeks, have you felt that you or your family would be better off"
    " if you were dead?",
    "asq_3": "In the past week, have you been having thoughts about killing yourself?",
    "asq_4": "Have you ever tried to kill yourself?",
    "asq_4_how": "If yes, how? When?",
    "asq_5": "Are you having thoughts of killing yourself right now?",
    "asq_5_describe": "If yes, please describe:",
}


@pytest.mark.parametrize(
    ("flow_id", "prefix", "stem", "items"),
    [("phq9", "phq9", PHQ9_STEM, PHQ9_ITEMS), ("gad7", "gad7", GAD7_STEM, GAD7_ITEMS)],
)
def test_each_item_is_the_published_stem_item_and_options(
    flow_id: str, prefix: str, stem: str, items: list[str]
) -> None:
    flow = LIBRARY.get(flow_id)
    for n, item in enumerate(items, start=1):
        step = flow.steps[f"{prefix}_{n}"]
        assert step.text == {"en": f"{stem}\n{item}\n{OPTIONS}"}
        assert step.answer is not None
        assert [c.label for c in step.answer.buttons("en")] == [
            f"{v} {label}" for v, label in enumerate(FREQUENCY)
        ]
    assert flow.steps["difficulty"].text == {"en": DIFFICULTY}


def test_the_published_severity_bands_are_declared() -> None:
    def bands(flow_id: str) -> list[tuple[float, float, str]]:
        (score,) = LIBRARY.get(flow_id).scores
        return [(b.min, b.max, b.label) for b in score.bands]

    assert bands("phq9") == [
        (0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"),
        (15, 19, "moderately severe"), (20, 27, "severe"),
    ]  # fmt: skip
    assert bands("gad7") == [
        (0, 4, "minimal"),
        (5, 9, "mild"),
        (10, 14, "moderate"),
        (15, 21, "severe"),
    ]


def test_the_asq_questions_are_the_nimh_wording() -> None:
    flow = LIBRARY.get("asq")
    assert {step_id: flow.steps[step_id].text["en"] for step_id in ASQ} == ASQ


def test_the_daily_safety_question_uses_phq9_item_9_wording() -> None:
    text = LIBRARY.get("daily-checkin").steps["safety"].text["en"]
    assert "thoughts that you would be better off dead, or of hurting yourself in some way" in text
