"""`scale`: a point on a short scale of whole numbers."""

from __future__ import annotations

from functools import cached_property
from typing import ClassVar, Literal

from flows.answers._base import AnswerType, Loc, Parsed, Rejected, ValueKind, register
from flows.answers._words import PhraseIndex, normalise, numbers, phrase_key, words
from flows.fields import LocalTextField
from flows.texts import pick
from flows.types import Choice

_HINT = {
    "en": "Please reply with a number from {min} to {max}.",
    "es": "Responda con un número del {min} al {max}.",
}
_WIDEST = 20


@register
class ScaleAnswer(AnswerType):
    """A point on a short scale of whole numbers, such as mood from 0 to 10.

    ```yaml
    answer:
      type: scale
      min: 0
      max: 10
      labels: {0: worst, 10: best}     # optional, per language if you like
    ```

    Understands "7", "7/10", "7 out of 10", "seven", "siete", "about a 6",
    "7️⃣", and the text of a label ("several days"). Two different numbers
    ("6 or 7"), a fraction of another maximum ("3/5") or a number outside
    the scale get a re-prompt. Recorded as a whole number. Chat adapters
    get one button per point (at most 21 points).
    """

    yaml_name: ClassVar[str] = "scale"
    value_kind: ClassVar[ValueKind] = "number"

    type: Literal["scale"]
    min: int
    max: int
    labels: dict[int, LocalTextField] = {}

    def problems(self) -> list[tuple[Loc, str]]:
        if self.max <= self.min:
            return [(("max",), "must be greater than min")]
        found: list[tuple[Loc, str]] = []
        if self.max - self.min > _WIDEST:
            found.append((("max",), f"a scale has at most {_WIDEST + 1} points; use number"))
        for point in self.labels:
            if not self.min <= point <= self.max:
                found.append((("labels", point), f"{point} is outside {self.min}-{self.max}"))
        return found

    def parse(self, text: str) -> Parsed | Rejected:
        norm = normalise(text)
        found = numbers(norm)
        if not found:
            return self._parse_label(norm)
        if any(out_of is not None and out_of != self.max for _, out_of in found):
            return Rejected("out_of_range")
        values = {value for value, _ in found}
        if len(values) > 1:
            return Rejected("pick_one")
        value = values.pop()
        if value != int(value):
            return Rejected("whole_number")
        if not self.min <= value <= self.max:
            return Rejected("out_of_range")
        return Parsed(int(value))

    @cached_property
    def _label_index(self) -> PhraseIndex[int]:
        return PhraseIndex(
            {
                phrase_key(label): point
                for point, texts in self.labels.items()
                for label in texts.values()
            }
        )

    def _parse_label(self, norm: str) -> Parsed | Rejected:
        points = {point for _, _, point in self._label_index.find(words(norm))}
        if len(points) == 1:
            return Parsed(points.pop())
        return Rejected("pick_one" if points else "not_understood")

    def expected(self, language: str) -> str:
        return pick(_HINT, language).format(min=self.min, max=self.max)

    @cached_property
    def _buttons_by_language(self) -> dict[str, tuple[Choice, ...]]:
        return {}

    def buttons(self, language: str) -> tuple[Choice, ...]:
        # Built once per language: every daily check-in asks the mood question.
        built = self._buttons_by_language.get(language)
        if built is None:
            built = self._buttons_by_language[language] = tuple(
                Choice(
                    value=str(point),
                    label=f"{point} {pick(self.labels[point], language)}"
                    if point in self.labels
                    else str(point),
                    reply=str(point),
                )
                for point in range(self.min, self.max + 1)
            )
        return built
