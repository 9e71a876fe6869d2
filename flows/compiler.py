"""Checks across fields, and compiling a `FlowSpec` into a runnable `Flow`.

Every problem is returned as (field path, message) so the loader can point
at the line; nothing here raises for a bad flow.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from flows.answers import ANSWER_TYPES, AnswerType
from flows.answers._base import Loc
from flows.compiler_checks import condition_problems, say_loops, score_problems
from flows.conditions import Condition, ConditionError, parse_condition
from flows.durations import parse_duration
from flows.model import END, Cadence, Escalation, Flow, NextRoute, Score, Step
from flows.pydantic_errors import translate
from flows.schema import FlowSpec, StepSpec
from flows.texts import template_problems

Problems = list[tuple[Loc, str]]


def compile_spec(spec: FlowSpec, source: str) -> tuple[Flow | None, Problems]:
    """Return the flow, or None and every problem found."""
    problems: Problems = []
    expires = _duration(spec.expires_after, ("expires_after",), problems)
    reminder = None
    if spec.reminder_after is not None:
        reminder = _duration(spec.reminder_after, ("reminder_after",), problems)
        if expires and reminder and reminder >= expires:
            problems.append((("reminder_after",), "must be shorter than expires_after"))
    ids = _step_ids(spec.steps, problems)
    answers = {s.id: a for i, s in enumerate(spec.steps) if (a := _answer(s, i, problems))}
    steps: dict[str, Step] = {}
    for index, step_spec in enumerate(spec.steps):
        following = spec.steps[index + 1].id if index + 1 < len(spec.steps) else END
        step = _step(step_spec, ("steps", index), following, ids, answers, problems)
        steps.setdefault(step.id, step)
    if len(ids) == len(spec.steps):  # a duplicate id would make loops up
        problems += say_loops(spec.steps, steps)
    problems += score_problems(spec.scoring, answers)
    cadence = _cadence(spec, problems)
    if problems or expires is None:
        return None, problems
    scores = tuple(Score(s.name, tuple(s.items), tuple(s.bands)) for s in spec.scoring)
    flow = Flow(spec, source, steps, spec.steps[0].id, expires, reminder, scores, cadence)
    return flow, []


def _duration(text: str, loc: Loc, problems: Problems) -> timedelta | None:
    try:
        return parse_duration(text)
    except ValueError as error:
        problems.append((loc, str(error)))
        return None


def _cadence(spec: FlowSpec, problems: Problems) -> Cadence | None:
    if spec.cadence is None:
        return None
    every = _whole_days(spec.cadence.every, ("cadence", "every"), problems)
    first = every
    if spec.cadence.first_after is not None:
        first = _whole_days(spec.cadence.first_after, ("cadence", "first_after"), problems)
    if every is None or first is None:
        return None
    return Cadence(every, first)


def _whole_days(text: str, loc: Loc, problems: Problems) -> timedelta | None:
    found = _duration(text, loc, problems)
    if found is not None and found % timedelta(days=1):
        problems.append((loc, 'must be whole days, such as "1d", "1w" or "2w"'))
        return None
    return found


def _step_ids(steps: list[StepSpec], problems: Problems) -> set[str]:
    seen: dict[str, int] = {}
    for index, step in enumerate(steps):
        if step.id == END:
            problems.append((("steps", index, "id"), f'"{END}" is reserved for "goto: {END}"'))
        elif step.id in seen:
            message = f'duplicate step id "{step.id}" (first used by steps[{seen[step.id]}])'
            problems.append((("steps", index, "id"), message))
        seen.setdefault(step.id, index)
    return set(seen)


def _answer(step: StepSpec, index: int, problems: Problems) -> AnswerType | None:
    loc: Loc = ("steps", index, "answer")
    if step.answer is None or step.ask is None:
        return None
    type_name = step.answer.get("type")
    if type_name not in ANSWER_TYPES:
        known = ", ".join(sorted(ANSWER_TYPES))
        message = "is required" if type_name is None else f'unknown type "{type_name}"'
        problems.append(((*loc, "type"), f"{message} (one of: {known})"))
        return None
    try:
        answer = ANSWER_TYPES[type_name].model_validate(step.answer)
    except ValidationError as error:
        problems.extend(((*loc, *sub), message) for sub, message in translate(error))
        return None
    found = answer.problems()
    problems.extend(((*loc, *sub), message) for sub, message in found)
    return None if found else answer


def _step(
    spec: StepSpec,
    loc: Loc,
    following: str,
    ids: set[str],
    answers: Mapping[str, AnswerType],
    problems: Problems,
) -> Step:
    if (spec.ask is None) == (spec.say is None):
        problems.append((loc, 'needs exactly one of "ask" (a question) or "say" (a message)'))
    if spec.ask is not None and spec.answer is None:
        problems.append(((*loc, "answer"), 'is required for an "ask" step'))
    if spec.say is not None:
        for key in ("answer", "escalate_if", "max_reprompts"):
            if getattr(spec, key) is not None:
                problems.append(((*loc, key), 'only applies to "ask" steps'))
    kind, text = ("ask", spec.ask) if spec.ask is not None else ("say", spec.say or {})
    for language, template in text.items():
        problems.extend(((*loc, kind, language), p) for p in template_problems(template))
    routes = []
    for n, route in enumerate(spec.next or []):
        if route.goto not in ids and route.goto != END:
            problems.append(((*loc, "next", n, "goto"), f'no step has the id "{route.goto}"'))
        condition = _condition(route.condition, (*loc, "next", n, "if"), answers, problems)
        routes.append(NextRoute(condition, route.goto))
    rules = []
    for n, rule in enumerate(spec.escalate_if or []):
        condition = _condition(rule.condition, (*loc, "escalate_if", n, "if"), answers, problems)
        rules.append(Escalation(condition, rule.condition, rule.kind, rule.reason))
    return Step(
        id=spec.id,
        kind=kind,
        text=text,
        answer=answers.get(spec.id),
        routes=tuple(routes),
        escalations=tuple(rules),
        max_reprompts=spec.max_reprompts,
        following=following,
    )


def _condition(
    text: str | None, loc: Loc, answers: Mapping[str, AnswerType], problems: Problems
) -> Condition | None:
    if text is None:
        return None
    try:
        condition = parse_condition(text)
    except ConditionError as error:
        problems.append((loc, f'"{text}" {error}'))
        return None
    problems.extend((loc, message) for message in condition_problems(condition, answers))
    return condition


def spec_from_data(data: Any) -> FlowSpec:
    """Validate plain data (parsed YAML or a snapshot) as a flow spec."""
    return FlowSpec.model_validate(data)
