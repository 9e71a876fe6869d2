"""`number`: a quantity, optionally within a range."""

from __future__ import annotations

from typing import ClassVar, Literal

from flows.answers._base import AnswerType, Loc, Parsed, Rejected, ValueKind, register
from flows.answers._words import normalise, numbers, words
from flows.texts import pick

_HINT = {"en": "Please reply with a number", "es": "Responda con un número"}
_RANGE = {"en": " from {min} to {max}", "es": " del {min} al {max}"}
_ZERO_WORDS = {"none", "nothing", "nada", "ninguno", "ninguna", "zero", "cero", "no"}


def _plain(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


@register
class NumberAnswer(AnswerType):
    """A quantity, such as hours slept or times vomited.

    ```yaml
    answer:
      type: number
      min: 0          # optional
      max: 24         # optional
      integer: false  # true to refuse "7.5"
    ```

    Understands "7", "7.5", "7,5", "about 6 hours", "seven and a half",
    "siete y media", and "none" / "nada" as 0. Two different numbers
    ("6 or 7", "6-7") get a re-prompt asking for one. Recorded as a whole
    number when it is one, else as a decimal.
    """

    yaml_name: ClassVar[str] = "number"
    value_kind: ClassVar[ValueKind] = "number"

    type: Literal["number"]
    min: float | None = None
    max: float | None = None
    integer: bool = False

    def problems(self) -> list[tuple[Loc, str]]:
        if self.min is not None and self.max is not None and self.max <= self.min:
            return [(("max",), "must be greater than min")]
        return []

    def parse(self, text: str) -> Parsed | Rejected:
        norm = normalise(text)
        found = numbers(norm, decimal_comma=True)
        if not found:
            if words(norm) and set(words(norm)) <= _ZERO_WORDS:
                return self._check(0.0)
            return Rejected("not_understood")
        values = {value for value, _ in found}
        if len(values) > 1:
            return Rejected("pick_one")
        return self._check(values.pop())

    def _check(self, value: float) -> Parsed | Rejected:
        if self.integer and value != int(value):
            return Rejected("whole_number")
        if (self.min is not None and value < self.min) or (
            self.max is not None and value > self.max
        ):
            return Rejected("out_of_range")
        return Parsed(int(value) if value == int(value) else value)

    def expected(self, language: str) -> str:
        hint = pick(_HINT, language)
        if self.min is not None and self.max is not None:
            hint += pick(_RANGE, language).format(min=_plain(self.min), max=_plain(self.max))
        return hint + "."
