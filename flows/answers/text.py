"""`text`: the patient's own words."""

from __future__ import annotations

from typing import ClassVar, Literal

from flows.answers._base import AnswerType, Parsed, Rejected, ValueKind, register
from flows.texts import pick

_HINT = {"en": "Please reply in your own words.", "es": "Responda con sus propias palabras."}


@register
class TextAnswer(AnswerType):
    """The patient's own words, recorded as written.

    ```yaml
    answer: {type: text}
    ```

    Any reply with some text is recorded (trimmed); an empty one gets a
    re-prompt. "skip" and "help" still work as at every question. The
    text is not interpreted here: the host screens every message for risk
    before the engine sees it. Conditions can only test `skipped` or `unreadable`.
    """

    yaml_name: ClassVar[str] = "text"
    value_kind: ClassVar[ValueKind] = "text"

    type: Literal["text"]

    def parse(self, text: str) -> Parsed | Rejected:
        cleaned = text.strip()
        return Parsed(cleaned) if cleaned else Rejected("empty")

    def expected(self, language: str) -> str:
        return pick(_HINT, language)
