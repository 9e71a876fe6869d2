"""The outcome definitions (docs/outcomes.md), each status and each rule at its edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.outcomes.definitions import (
    Point,
    change_percent,
    episode_outcomes,
    episodes,
    outcome,
    status_of,
)

DAY0 = datetime(2026, 9, 1, 15, 0, tzinfo=UTC)  # the first infusion
NOW = DAY0 + timedelta(days=120)


def day(n: float) -> datetime:
    return DAY0 + timedelta(days=n)


def induction(count: int = 6) -> list[datetime]:
    """Twice a week from DAY0: days 0, 3.5, 7, ..."""
    return [day(i * 3.5) for i in range(count)]


def phq(*points: tuple[float, int]) -> list[Point]:
    return [Point(total, day(n)) for n, total in points]


@pytest.mark.parametrize(
    ("baseline", "latest", "expected"),
    [
        (20, 4, "remission"),
        (20, 5, "response"),  # 5 is not below 5; a 75% drop
        (20, 10, "response"),  # exactly 50%
        (20, 11, "partial_response"),  # 45%
        (20, 15, "partial_response"),  # exactly 25%
        (20, 16, "non_response"),  # 20%
        (20, 24, "non_response"),  # worse
        (9, 4, "remission"),
        (3, 4, "remission"),  # below 5 whatever the baseline
        (0, 7, "non_response"),
    ],
)
def test_status_follows_the_published_thresholds(baseline: int, latest: int, expected: str) -> None:
    assert status_of("phq9", baseline, latest) == expected


def test_change_is_negative_when_better_and_undefined_from_zero() -> None:
    assert change_percent(20, 7) == -65.0
    assert change_percent(12, 13) == 8.3
    assert change_percent(0, 5) is None


def test_a_patient_with_no_infusion_has_no_baseline() -> None:
    result = outcome("phq9", phq((-3, 20)), [], now=NOW)
    assert result.status == "no_baseline"
    assert result.episode is None


def test_only_a_score_before_the_first_infusion_is_the_baseline() -> None:
    result = outcome("phq9", phq((0.01, 20), (10, 9)), induction(), now=NOW)
    assert result.status == "no_baseline"
    assert result.baseline is None


def test_the_last_score_before_the_first_infusion_is_the_baseline() -> None:
    result = outcome("phq9", phq((-20, 25), (-2, 21), (14, 8)), induction(), now=NOW)
    assert result.baseline == Point(21, day(-2))
    assert result.latest == Point(8, day(14))
    assert result.status == "response"
    assert result.change_percent == -61.9


def test_a_baseline_with_no_score_since_waits_for_followup() -> None:
    result = outcome("phq9", phq((-2, 18)), induction(2), now=NOW)
    assert result.status == "no_followup"
    assert result.latest is None
    assert result.change_percent is None


def test_scores_and_infusions_after_now_are_not_counted() -> None:
    result = outcome("phq9", phq((-2, 18), (30, 4)), induction(), now=day(20))
    assert result.status == "no_followup"
    assert result.episode is not None
    assert len(result.episode.infusions) == 6  # day 17.5 is the 6th; all before day 20


def test_the_nadir_is_the_lowest_score_of_the_episode_baseline_included() -> None:
    result = outcome("phq9", phq((-1, 20), (7, 12), (14, 6), (21, 9)), induction(), now=NOW)
    assert result.nadir == Point(6, day(14))
    worse = outcome("phq9", phq((-1, 12), (7, 15)), induction(), now=NOW)
    assert worse.nadir == Point(12, day(-1))


def test_a_new_episode_starts_after_three_months_without_an_infusion() -> None:
    second = [day(200), day(203)]
    found = episodes([*induction(), *second], now=day(210))
    assert [len(e.infusions) for e in found] == [6, 2]
    # The second episode's baseline is the last score before it, not the first intake.
    result = outcome(
        "phq9", phq((-2, 22), (30, 6), (190, 17), (205, 12)), [*induction(), *second], now=day(210)
    )
    assert result.baseline == Point(17, day(190))
    assert result.status == "partial_response"


def test_infusions_after_six_weeks_are_boosters() -> None:
    (episode,) = episodes([*induction(), day(42), day(43), day(70)], now=NOW)
    assert len(episode.induction) == 7  # day 42 is still within six weeks
    assert episode.boosters == (day(43), day(70))
    assert episode.phase == "maintenance"


def test_early_non_response_needs_the_fourth_infusion() -> None:
    three = outcome("phq9", phq((-1, 20), (7, 19)), induction(3), now=NOW)
    assert three.early_non_response is False
    four = outcome("phq9", phq((-1, 20), (7, 19)), induction(4), now=NOW)
    assert four.early_non_response is True
    assert four.early_evidence is not None and "19" in four.early_evidence


def test_early_non_response_at_its_twenty_percent_edge() -> None:
    # Baseline 20: 16 is exactly 20% better (not early non-response), 17 is not enough.
    assert not outcome("phq9", phq((-1, 20), (10, 16)), induction(4), now=NOW).early_non_response
    assert outcome("phq9", phq((-1, 20), (10, 17)), induction(4), now=NOW).early_non_response


def test_early_non_response_looks_only_up_to_a_week_after_the_fourth_infusion() -> None:
    fourth = induction(4)[-1]  # day 10.5
    late = (fourth + timedelta(days=8) - DAY0).total_seconds() / 86400
    result = outcome("phq9", phq((-1, 20), (7, 19), (late, 8)), induction(6), now=NOW)
    assert result.early_non_response is True  # the later improvement came too late for it
    assert result.status == "response"


def test_no_scores_after_the_first_infusion_is_no_evidence_of_early_non_response() -> None:
    assert not outcome("phq9", phq((-1, 20)), induction(6), now=NOW).early_non_response


def test_no_relapse_without_a_response_first() -> None:
    result = outcome("phq9", phq((-1, 20), (7, 14), (14, 19)), induction(), now=NOW)
    assert result.relapse.flag is False


def test_relapse_when_the_score_is_back_above_half_the_baseline() -> None:
    at_half = outcome("phq9", phq((-1, 20), (14, 6), (40, 10)), induction(), now=NOW)
    assert at_half.relapse.flag is False  # 10 is half of 20: still a response
    above = outcome("phq9", phq((-1, 20), (14, 7), (40, 11)), induction(), now=NOW)
    assert above.relapse.flag is True
    assert above.relapse.since == day(40)
    assert any("above half the baseline" in e for e in above.relapse.evidence)


def test_relapse_when_the_score_rises_five_points_above_the_lowest() -> None:
    four = outcome("phq9", phq((-1, 24), (14, 2), (40, 6)), induction(), now=NOW)
    assert four.relapse.flag is False
    five = outcome("phq9", phq((-1, 24), (14, 2), (40, 7)), induction(), now=NOW)
    assert five.relapse.flag is True
    assert any("5 points above the lowest, 2" in e for e in five.relapse.evidence)


def test_relapse_since_is_the_first_of_the_current_run_of_worse_scores() -> None:
    result = outcome(
        "phq9", phq((-1, 20), (14, 5), (30, 12), (40, 14), (50, 15)), induction(), now=NOW
    )
    assert result.relapse.since == day(30)


def test_a_relapse_that_recovers_is_no_longer_flagged() -> None:
    result = outcome("phq9", phq((-1, 20), (14, 5), (30, 12), (40, 6)), induction(), now=NOW)
    assert result.relapse.flag is False


def test_relapse_after_remission_from_a_mild_baseline() -> None:
    result = outcome("phq9", phq((-1, 8), (14, 3), (40, 8)), induction(), now=NOW)
    assert result.relapse.flag is True


def test_a_baseline_already_in_remission_range_has_nothing_to_lose() -> None:
    result = outcome("phq9", phq((-1, 4), (14, 1), (40, 9)), induction(), now=NOW)
    assert result.relapse.flag is False
    assert result.early_non_response is False
    assert result.status == "non_response"


def mood_days(start: float, values: list[float]) -> list[tuple[datetime, float]]:
    return [(day(start + i), v) for i, v in enumerate(values)]


def test_relapse_on_three_days_of_mood_well_below_the_usual() -> None:
    scores = phq((-1, 20), (14, 6))
    moods = mood_days(15, [7, 7, 8, 7, 6, 7, 5, 4, 5])
    result = outcome("phq9", scores, induction(), moods, now=day(24))
    assert result.relapse.flag is True
    assert result.relapse.since == day(21)
    assert any("daily mood 5, 4, 5" in e for e in result.relapse.evidence)


def test_a_mood_fall_is_current_only_within_a_week_of_its_last_day() -> None:
    scores = phq((-1, 20), (14, 6))
    moods = mood_days(15, [7, 7, 8, 7, 6, 7, 5, 4, 5])  # the last on day 23
    assert outcome("phq9", scores, induction(), moods, now=day(30)).relapse.flag
    assert not outcome("phq9", scores, induction(), moods, now=day(30.1)).relapse.flag


def test_two_low_days_or_a_drop_under_two_points_is_not_a_relapse() -> None:
    scores = phq((-1, 20), (14, 6))
    two_days = mood_days(15, [7, 7, 7, 7, 7, 4, 4, 7])
    assert not outcome("phq9", scores, induction(), two_days, now=day(23)).relapse.flag
    shallow = mood_days(15, [7, 7, 7, 7, 7, 5.5, 5.5, 5.5])
    assert not outcome("phq9", scores, induction(), shallow, now=day(23)).relapse.flag
    deep = mood_days(15, [7, 7, 7, 7, 7, 5, 5, 5])  # the same days, exactly 2 below: a fall
    assert outcome("phq9", scores, induction(), deep, now=day(23)).relapse.flag


def test_moods_before_the_response_do_not_count() -> None:
    scores = phq((-1, 20), (30, 6))
    moods = mood_days(25, [8, 8, 8, 8, 2, 2, 2])  # the fall starts the day before day 30
    assert not outcome("phq9", scores, induction(), moods, now=day(31.5)).relapse.flag
    later = mood_days(30, [8, 8, 8, 8, 2, 2, 2])
    assert outcome("phq9", scores, induction(), later, now=day(36.5)).relapse.flag


def test_the_same_inputs_give_the_same_outcome() -> None:
    args = (phq((-1, 20), (14, 7), (40, 11)), induction())
    assert outcome("phq9", *args, now=NOW) == outcome("phq9", *reversed_copy(args), now=NOW)


def reversed_copy(args: tuple[list[Point], list[datetime]]) -> tuple[list[Point], list[datetime]]:
    return list(reversed(args[0])), list(reversed(args[1]))


def test_gad7_uses_its_own_remission_line() -> None:
    assert outcome("gad7", phq((-1, 15), (14, 4)), induction(), now=NOW).status == "remission"


def test_each_episode_is_summed_up_as_it_stood_when_it_ended() -> None:
    second = [day(200), day(203), day(207), day(210)]
    scores = phq((-2, 22), (30, 6), (190, 17), (212, 16))
    first, current = episode_outcomes("phq9", scores, [*induction(), *second], now=day(215))
    # The 17 before the second episode began is the first one's last score: it relapsed.
    assert (first.status, first.latest) == ("non_response", Point(17, day(190)))
    assert first.relapse.flag is True
    assert first.episode is not None and len(first.episode.infusions) == 6
    assert (current.status, current.baseline) == ("non_response", Point(17, day(190)))
    assert current.early_non_response is True


def test_staff_can_start_a_new_episode_at_any_infusion() -> None:
    infusions = [*induction(), day(50), day(53)]
    assert [len(e.infusions) for e in episodes(infusions, now=NOW)] == [8]
    marked = episodes(infusions, now=NOW, starts=[day(50)])
    assert [len(e.infusions) for e in marked] == [6, 2]
    result = outcome("phq9", phq((-1, 20), (30, 8), (45, 16), (60, 7)), infusions, now=NOW,
                     starts=[day(50)])  # fmt: skip
    assert result.baseline == Point(16, day(45))  # the last score before the new episode
    assert result.status == "response"
