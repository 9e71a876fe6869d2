"""Checks that need the whole flow: condition names and values, loops, scores."""

from __future__ import annotations

from collections.abc import Mapping

from flows.answers import AnswerType
from flows.answers._base import Loc
from flows.answers.number import NumberAnswer
from flows.answers.scale import ScaleAnswer
from flows.conditions import NO_ANSWER_WORDS, Condition, comparisons
from flows.model import END, Step
from flows.schema import Band, ScoreSpec, StepSpec

_WORD_OPS = {"==", "!="}


def condition_problems(condition: Condition, answers: Mapping[str, AnswerType]) -> list[str]:
    """Return a message for each comparison that can never mean what it says."""
    problems = []
    for c in comparisons(condition):
        answer = answers.get(c.name)
        if answer is None:
            problems.append(f'"{c.name}" is not the id of a question step')
            continue
        if c.literal in NO_ANSWER_WORDS:
            if c.op not in _WORD_OPS:
                problems.append(f'"{c.name} {c.op} {c.literal}": use == or != with {c.literal}')
            continue
        kind = answer.value_kind
        if kind == "text":
            problems.append(f'"{c.name}" is free text: compare it only with skipped or unreadable')
        elif kind == "number":
            if not isinstance(c.literal, float) or c.op == "contains":
                problems.append(f'"{c.name}" is a number: compare it with a number')
        else:
            ops = _WORD_OPS | ({"contains"} if kind == "words" else set())
            if c.op not in ops:
                allowed = " or ".join(sorted(ops))
                problems.append(f'"{c.name}" takes {allowed}, not {c.op}')
            elif c.literal not in answer.literals():
                expected = ", ".join(sorted(answer.literals()))
                problems.append(
                    f'"{c.literal}" is not an answer to "{c.name}" (one of: {expected})'
                )
    return problems


def say_loops(specs: list[StepSpec], steps: Mapping[str, Step]) -> list[tuple[Loc, str]]:
    """Return loops made only of messages: they would run forever on one input."""
    index = {spec.id: i for i, spec in enumerate(specs)}

    def targets(step: Step) -> list[str]:
        found = [route.goto for route in step.routes]
        if not step.routes or step.routes[-1].condition is not None:
            found.append(step.following)
        return [t for t in found if t != END and t in steps and steps[t].kind == "say"]

    problems: list[tuple[Loc, str]] = []
    reported: set[str] = set()
    for start in steps.values():
        if start.kind != "say" or start.id in reported:
            continue
        path, frontier = {start.id: [start.id]}, [start.id]
        while frontier:
            here = frontier.pop()
            for target in targets(steps[here]):
                if target == start.id:
                    loop = " -> ".join([*path[here], start.id])
                    problems.append(
                        (("steps", index[start.id], "next"), f"loops without a question: {loop}")
                    )
                    reported.update(path[here])
                    frontier = []
                    break
                if target not in path:
                    path[target] = [*path[here], target]
                    frontier.append(target)
    return problems


def score_problems(
    scores: list[ScoreSpec], answers: Mapping[str, AnswerType]
) -> list[tuple[Loc, str]]:
    """Return problems with score items and with bands that leave gaps."""
    problems: list[tuple[Loc, str]] = []
    for s, score in enumerate(scores):
        low = high = 0.0
        bounded = True
        for i, item in enumerate(score.items):
            answer = answers.get(item)
            if not isinstance(answer, ScaleAnswer | NumberAnswer):
                message = f'"{item}" is not the id of a scale or number question'
                problems.append((("scoring", s, "items", i), message))
                bounded = False
            elif isinstance(answer, NumberAnswer) or score.items.index(item) != i:
                bounded = False
                if score.items.index(item) != i:
                    problems.append((("scoring", s, "items", i), f'"{item}" is listed twice'))
            else:
                low, high = low + answer.min, high + answer.max
        if bounded and score.items:
            problems += _band_problems(score.bands, low, high, ("scoring", s, "bands"))
    return problems


def _band_problems(bands: list[Band], low: float, high: float, loc: Loc) -> list[tuple[Loc, str]]:
    # Totals of whole-number scales are whole numbers, so bands must meet
    # exactly: 0-4, 5-9, ... with no total left without a band.
    problems: list[tuple[Loc, str]] = []
    expected = low
    for b, band in enumerate(bands):
        if band.min != expected:
            problems.append(((*loc, b, "min"), f"must be {expected:g} to follow on"))
        if band.max < band.min:
            problems.append(((*loc, b, "max"), "must not be less than min"))
        expected = band.max + 1
    if bands and bands[-1].max != high:
        problems.append(((*loc, len(bands) - 1, "max"), f"must be {high:g}, the highest total"))
    return problems
