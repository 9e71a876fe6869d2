"""`choice`: exactly one of a few options."""

from __future__ import annotations

from functools import cached_property
from typing import ClassVar, Literal

from flows.answers._base import AnswerType, Loc, Parsed, Rejected, ValueKind, register
from flows.answers._options import OptionField, OptionReader, label, listing, option_problems
from flows.texts import pick
from flows.types import Choice, Value

_HINT = {"en": "Please reply with one of: {options}.", "es": "Responda con una de: {options}."}


@register
class ChoiceAnswer(AnswerType):
    """Exactly one of a few options.

    ```yaml
    answer:
      type: choice
      choices:                 # value (a name for conditions) -> reply
        better: "1"
        same: "2"
        worse:
          reply: "3"
          label: {en: worse, es: peor}   # shown on buttons and in hints
          also: [bad, worst]             # other words that mean this option
    ```

    A reply is matched by its number ("2"), the value's name, its label in
    any language, or one of its `also` words ("about the same" matches
    `same`). Naming two options, or a number that is not an option, gets a
    re-prompt. Recorded as the value's name, so conditions read
    `response == worse`. When the option is read from a few words of a
    longer reply ("not great tbh, kept waking up"), the patient is asked
    once to confirm it ("To be sure: OK? Reply YES, or reply with your
    answer."); a second unclear reply is re-prompted like any other.
    """

    yaml_name: ClassVar[str] = "choice"
    value_kind: ClassVar[ValueKind] = "word"

    type: Literal["choice"]
    choices: dict[str, OptionField]

    @cached_property
    def _reader(self) -> OptionReader:
        return OptionReader(self.choices)

    def problems(self) -> list[tuple[Loc, str]]:
        return option_problems(self.choices)

    def parse(self, text: str) -> Parsed | Rejected:
        selection = self._reader.read(text)
        if len(selection.values) == 1:
            return Parsed(selection.values[0], sure=selection.sure)
        if len(selection.values) > 1:
            return Rejected("pick_one")
        return Rejected("not_an_option" if selection.unknown_numbers else "not_understood")

    def expected(self, language: str) -> str:
        return pick(_HINT, language).format(options=listing(self.choices, language))

    def describe(self, value: Value, language: str) -> str:
        option = self.choices.get(str(value))
        return label(str(value), option, language) if option else str(value)

    def buttons(self, language: str) -> tuple[Choice, ...]:
        return tuple(
            Choice(value=value, label=label(value, option, language), reply=option.reply)
            for value, option in self.choices.items()
        )

    def literals(self) -> frozenset[str]:
        return frozenset(self.choices)
