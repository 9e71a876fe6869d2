"""Conditions on earlier answers, as written in `next` and `escalate_if`.

```yaml
next:
  - {if: "mood <= 3", goto: low_mood}
  - {if: "sleep == poor and anxiety >= 7", goto: rough_night}
  - {if: "side_effects contains nausea or not (safety == no)", goto: follow_up}
  - {goto: thanks}
escalate_if: "phq9_9 > 0"
```

A comparison is `STEP OPERATOR VALUE`, where STEP is the id of a question
step. Numbers (`scale`, `number`) take `==`, `!=`, `<`, `<=`, `>`, `>=`.
Words (`yes_no`, `choice`) take `==` and `!=` with one of the step's values
(`yes`, `no`, or a choice name). `multi_choice` takes `contains NAME`, and
`== NAME` for exactly that one option. Any step can be compared with
`skipped` (true when the patient skipped it or it could not be read) and
with `unreadable` (true only when the re-prompts ran out, not when the
patient chose to skip): `safety == unreadable` catches an unclear answer
to a safety question. Combine with `and`, `or`, `not` and parentheses;
`and` binds tighter than `or`.

Apart from `skipped` and `unreadable`, a comparison with a step that has no answer (not
reached, or skipped) is false whatever the operator, `!=` included; so
`not (safety == no)` is true for a skipped safety question while
`safety != no` is not. Conditions are read by a small parser when the flow
is loaded (never run as code), so a typo is a load error with its line.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TypeAlias

from flows.types import Value

SKIPPED = "skipped"
UNREADABLE = "unreadable"
NO_ANSWER_WORDS = (SKIPPED, UNREADABLE)
_TOKEN = re.compile(r"\s*(?:(<=|>=|==|!=|<|>)|(\(|\))|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*))")
_NUMERIC_OPS: dict[str, Callable[[float, float], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_KEYWORDS = {"and", "or", "not", "contains"}


class ConditionError(ValueError):
    """A condition that cannot be parsed; the message is for staff."""


@dataclass(frozen=True)
class Compare:
    name: str
    op: str
    literal: float | str


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    inner: Condition


Condition: TypeAlias = Compare | AllOf | AnyOf | Not


def _tokenise(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            found = text[position:].strip()[:1]
            raise ConditionError(f'unexpected "{found}" at column {position + 1}')
        kinds = ("op", "paren", "number", "word")
        kind = next(k for k, group in zip(kinds, match.groups(), strict=True) if group)
        tokens.append((kind, match.group(match.lastindex or 0)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenise(text)
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def take(self, what: str) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise ConditionError(f"ends where {what} was expected")
        token = self.tokens[self.at]
        self.at += 1
        return token

    def parse(self) -> Condition:
        if not self.tokens:
            raise ConditionError("is empty")
        condition = self.either()
        if self.peek() is not None:
            raise ConditionError(f'unexpected "{self.peek()}" (missing "and" or "or"?)')
        return condition

    def either(self) -> Condition:
        parts = [self.both()]
        while self.peek() == "or":
            self.at += 1
            parts.append(self.both())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def both(self) -> Condition:
        parts = [self.single()]
        while self.peek() == "and":
            self.at += 1
            parts.append(self.single())
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def single(self) -> Condition:
        kind, text = self.take("a comparison")
        if text == "not":
            return Not(self.single())
        if text == "(":
            inner = self.either()
            if self.take('")"')[1] != ")":
                raise ConditionError('is missing ")"')
            return inner
        if kind != "word" or text in _KEYWORDS:
            raise ConditionError(f'expected a step id, found "{text}"')
        op_kind, op = self.take("an operator")
        if op_kind != "op" and op != "contains":
            raise ConditionError(f'expected an operator such as "==" or "<=" after "{text}"')
        value_kind, value = self.take(f'a value after "{op}"')
        if value_kind == "number":
            return Compare(text, op, float(value))
        if value_kind == "word" and value not in _KEYWORDS:
            return Compare(text, op, value)
        raise ConditionError(f'expected a value after "{op}", found "{value}"')


def parse_condition(text: str) -> Condition:
    """Return the parsed condition, or raise ConditionError."""
    return _Parser(text).parse()


def comparisons(condition: Condition) -> list[Compare]:
    """Return every comparison inside a condition, for load-time checks."""
    if isinstance(condition, Compare):
        return [condition]
    if isinstance(condition, Not):
        return comparisons(condition.inner)
    return [c for part in condition.parts for c in comparisons(part)]


def evaluate(
    condition: Condition, answers: Mapping[str, Value], unreadable: Collection[str] = ()
) -> bool:
    """Return whether the condition holds for the answers so far.

    `unreadable` names the steps skipped because no reply could be read.
    """
    if isinstance(condition, AllOf):
        return all(evaluate(part, answers, unreadable) for part in condition.parts)
    if isinstance(condition, AnyOf):
        return any(evaluate(part, answers, unreadable) for part in condition.parts)
    if isinstance(condition, Not):
        return not evaluate(condition.inner, answers, unreadable)
    return _compare(condition, answers, unreadable)


def _compare(c: Compare, answers: Mapping[str, Value], unreadable: Collection[str]) -> bool:
    if c.name not in answers:
        return False
    value = answers[c.name]
    if c.literal == SKIPPED:
        return (value is None) == (c.op == "==")
    if c.literal == UNREADABLE:
        return (c.name in unreadable) == (c.op == "==")
    if value is None:
        return False
    if isinstance(c.literal, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return _NUMERIC_OPS[c.op](float(value), c.literal)
    if isinstance(value, list):
        if c.op == "contains":
            return c.literal in value
        return (value == [c.literal]) == (c.op == "==")
    if isinstance(value, str) and c.op in ("==", "!="):
        return (value == c.literal) == (c.op == "==")
    return False
