"""`multi_choice`: all the options that apply."""

from __future__ import annotations

from functools import cached_property
from typing import ClassVar, Literal

from flows.answers._base import AnswerType, Loc, Parsed, Rejected, ValueKind, register
from flows.answers._options import OptionField, OptionReader, label, listing, option_problems
from flows.texts import pick
from flows.types import Choice

_HINT = {
    "en": "Reply with all that apply, e.g. 1,3: {options}.",
    "es": "Responda con todas las que correspondan, p. ej. 1,3: {options}.",
}


@register
class MultiChoiceAnswer(AnswerType):
    """All the options that apply (or none).

    ```yaml
    answer:
      type: multi_choice
      choices:
        nausea: {reply: "1", also: [nauseous, queasy, vomiting, "threw up"]}
        dizziness: {reply: "2", also: [dizzy, lightheaded]}
        headache: "3"
        none: "4"              # optional; "none of those" picks it
    ```

    Understands "1,3", "1 and 3", "1 3", "13" (when every reply is one
    digit), "nausea and headache", "all of them", and "none", "none of
    those", "nothing", "no", "nada". A denied option is left out ("no
    nausea but a headache" is `[headache]`). Naming `none` together with
    other options keeps the others. A number that is not an option gets a
    re-prompt. Recorded as a list of value names (`[nausea, headache]`; an
    empty list for "none" when the step has no `none` choice); conditions
    read `side_effects contains nausea`, or `side_effects == none` for
    exactly none.
    """

    yaml_name: ClassVar[str] = "multi_choice"
    value_kind: ClassVar[ValueKind] = "words"

    type: Literal["multi_choice"]
    choices: dict[str, OptionField]

    @cached_property
    def _reader(self) -> OptionReader:
        return OptionReader(self.choices)

    def problems(self) -> list[tuple[Loc, str]]:
        return option_problems(self.choices)

    def parse(self, text: str) -> Parsed | Rejected:
        selection = self._reader.read(text)
        if selection.unknown_numbers:
            return Rejected("not_an_option")
        if selection.values or selection.said_none:
            return Parsed(list(selection.values))
        return Rejected("not_understood")

    def expected(self, language: str) -> str:
        return pick(_HINT, language).format(options=listing(self.choices, language))

    def buttons(self, language: str) -> tuple[Choice, ...]:
        return tuple(
            Choice(value=value, label=label(value, option, language), reply=option.reply)
            for value, option in self.choices.items()
        )

    def literals(self) -> frozenset[str]:
        return frozenset(self.choices)
