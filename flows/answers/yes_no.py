"""`yes_no`: a yes or a no, read generously and, when unsure, as yes."""

from __future__ import annotations

from typing import ClassVar, Literal

from flows.answers._base import AnswerType, Parsed, Rejected, ValueKind, register
from flows.answers._words import PhraseIndex, normalise, phrase_key, words
from flows.texts import pick
from flows.types import Choice

_YES = (
    "y", "yes", "yeah", "yea", "yep", "yup", "ya", "yah", "ye", "yess", "sure", "definitely",
    "absolutely", "correct", "true", "affirmative", "of course", "uh huh", "si", "claro",
    "cierto", "por supuesto", "asi es",
)  # fmt: skip
_NO = (
    "n", "no", "nope", "nah", "naw", "nop", "never", "negative", "not", "not really",
    "not at all", "no way", "none", "nothing", "i have not", "i havent", "havent", "i did not",
    "didnt", "i dont", "dont", "nunca", "para nada", "nada", "tampoco", "en absoluto",
)  # fmt: skip
# Hedges count as yes: on a safety question "sometimes" or "a little" is a
# yes that a clinician must see, and a missed yes costs more than a call.
_HEDGE = (
    "sometimes", "a little", "a bit", "little bit", "maybe", "kind of", "kinda", "sort of",
    "sorta", "somewhat", "occasionally", "at times", "now and then", "on and off",
    "here and there", "once or twice", "not sure", "unsure", "idk", "i dont know", "dont know",
    "possibly", "perhaps", "probably", "rarely", "barely", "not much", "not a lot", "a veces",
    "un poco", "quizas", "quiza", "tal vez", "mas o menos", "no se", "no estoy seguro",
    "no estoy segura", "puede ser", "algo",
)  # fmt: skip

_PHRASES = PhraseIndex(
    {
        **{phrase_key(p): "yes" for p in _YES},
        **{phrase_key(p): "no" for p in _NO},
        **{phrase_key(p): "hedge" for p in _HEDGE},
    }
)
_HINT = {"en": "Please reply YES or NO.", "es": "Responda SÍ o NO."}
_LABELS = {"yes": {"en": "Yes", "es": "Sí"}, "no": {"en": "No", "es": "No"}}


@register
class YesNoAnswer(AnswerType):
    """A yes or a no.

    ```yaml
    answer: {type: yes_no}
    ```

    Understands "y", "yes", "yeah", "yep", "sure", "sí", "👍", "✅" as yes
    and "n", "no", "nope", "nah", "not really", "never", "nada", "👎", "❌"
    as no. Hedges - "sometimes", "a little", "maybe", "kind of", "not
    sure", "a veces", "un poco", "tal vez" - are recorded as **yes** with
    the note "hedged", and so is an answer holding both a yes and a no
    (note "mixed"): a clinician would rather review a doubtful yes than
    miss one. Recorded as the word `yes` or `no`, so conditions read
    `safety == yes`.
    """

    yaml_name: ClassVar[str] = "yes_no"
    value_kind: ClassVar[ValueKind] = "word"

    type: Literal["yes_no"]

    def parse(self, text: str) -> Parsed | Rejected:
        tags = {tag for _, _, tag in _PHRASES.find(words(normalise(text)))}
        if "hedge" in tags:
            return Parsed("yes", note="hedged")
        if tags == {"yes", "no"}:
            return Parsed("yes", note="mixed")
        if tags:
            return Parsed(tags.pop())
        return Rejected("not_understood")

    def expected(self, language: str) -> str:
        return pick(_HINT, language)

    def buttons(self, language: str) -> tuple[Choice, ...]:
        return tuple(
            Choice(value=word, label=pick(_LABELS[word], language), reply=word)
            for word in ("yes", "no")
        )

    def literals(self) -> frozenset[str]:
        return frozenset({"yes", "no"})
