"""The shipped flow library: required fields, languages, SMS length, validated wording."""

from __future__ import annotations

import pytest

import flows
from flows.texts import render

LIBRARY = flows.builtin_library()
CLINIC_FLOWS = [f for f in LIBRARY if f.spec.instrument is None]
# Known exceptions: PHQ-9 item 8 is validated wording that cannot be
# shortened; the Spanish bladder list needs accents (unicode SMS, 67
# characters a segment) and five symptoms that each matter clinically.
LONGER_THAN_TWO_SEGMENTS = {("phq9", "phq9_8", "en"), ("bladder", "symptoms", "es")}


def long_context(language: str) -> flows.Context:
    """A long name, phone and infusion number, so the length check is not flattered."""
    return flows.Context(
        language=language, first_name="Alexandra", infusion_number=12, clinic_phone="(555) 010-0100"
    )


GSM_7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_7_EXTENDED = set("^{}\\[~]|€")


def sms_segments(text: str) -> int:
    """Count SMS segments as carriers do: GSM-7 when every character allows it, else UCS-2."""
    if all(c in GSM_7 or c in GSM_7_EXTENDED for c in text):
        units = sum(2 if c in GSM_7_EXTENDED else 1 for c in text)
        return 1 if units <= 160 else -(-units // 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else -(-units // 67)


def test_the_library_holds_the_flows_the_service_schedules() -> None:
    assert LIBRARY.ids() == [
        "asq", "bladder", "daily-checkin", "gad7", "phq9",
        "post-infusion-72h", "post-infusion-evening", "post-infusion-morning",
    ]  # fmt: skip


@pytest.mark.parametrize("flow", list(LIBRARY), ids=LIBRARY.ids())
def test_every_library_flow_has_a_window_and_a_reminder(flow: flows.Flow) -> None:
    assert flow.version >= 1 and flow.title
    assert flow.reminder_after is not None and flow.reminder_after < flow.expires_after


@pytest.mark.parametrize("flow", CLINIC_FLOWS, ids=[f.id for f in CLINIC_FLOWS])
def test_clinic_flows_speak_english_and_spanish_at_every_step(flow: flows.Flow) -> None:
    for step in flow.steps.values():
        assert set(step.text) == {"en", "es"}, step.id


@pytest.mark.parametrize("flow", list(LIBRARY), ids=LIBRARY.ids())
def test_every_prompt_fits_in_two_sms_segments_except_validated_wording(flow: flows.Flow) -> None:
    too_long = []
    for step in flow.steps.values():
        for language in step.text:
            text = render(step.text, long_context(language))
            exception = (flow.id, step.id, language) in LONGER_THAN_TWO_SEGMENTS
            if sms_segments(text) > 2 and not exception:
                too_long.append(f"{step.id} [{language}] {sms_segments(text)} segments: {text}")
    assert not too_long, "\n".join(too_long)


def test_the_known_exceptions_really_are_longer_than_two_segments() -> None:
    for flow_id, step_id, language in LONGER_THAN_TWO_SEGMENTS:
        step = LIBRARY.get(flow_id).steps[step_id]
        text = render(step.text, long_context(language))
        assert sms_segments(text) == 3


def test_the_sms_segment_count_matches_the_carriers_rules() -> None:
    assert sms_segments("a" * 160) == 1
    assert sms_segments("a" * 161) == 2
    assert sms_segments("a" * 306) == 2
    assert sms_segments("á" * 70) == 1
    assert sms_segments("á" * 135) == 3


def test_no_flow_ships_the_licensed_c_ssrs() -> None:
    for flow in LIBRARY:
        words = f"{flow.id} {flow.title} {flow.spec.instrument} {flow.spec.source}".lower()
        assert "c-ssrs" not in words and "columbia" not in words


@pytest.mark.parametrize(
    ("flow_id", "step_id", "risk"),
    [
        ("daily-checkin", "safety", "suicide_risk"),
        ("post-infusion-72h", "safety", "suicide_risk"),
        ("phq9", "phq9_9", "suicide_risk"),
        ("post-infusion-evening", "red_flags", "medical"),
        ("post-infusion-morning", "red_flags", "medical"),
        ("post-infusion-72h", "red_flags", "medical"),
        ("bladder", "symptoms", "medical"),
        ("asq", "asq_5", "suicide_risk"),
    ],
)
def test_the_questions_that_must_escalate_do(flow_id: str, step_id: str, risk: str) -> None:
    rules = LIBRARY.get(flow_id).steps[step_id].escalations
    assert rules and all(rule.risk == risk for rule in rules)
