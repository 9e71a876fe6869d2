"""The base every answer type extends, and the registry of YAML type names."""

from __future__ import annotations

from typing import ClassVar, Literal, NamedTuple, TypeAlias, TypeVar

from pydantic import BaseModel, ConfigDict

from flows.types import Choice, Value

ValueKind: TypeAlias = Literal["number", "word", "words", "text"]
Loc: TypeAlias = tuple[str | int, ...]


class Parsed(NamedTuple):
    value: Value
    note: str | None = None
    # False when the reading is a guess from part of a longer reply ("not great tbh, kept
    # waking up" read as OK): the flow asks the patient once before recording it.
    sure: bool = True


class Rejected(NamedTuple):
    # A key of flows.messages.PHRASES, shown before the answer's hint.
    problem: str


class AnswerType(BaseModel):
    """An `answer:` block: its YAML fields, and how replies are read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    yaml_name: ClassVar[str]
    # What conditions may compare the value with: numbers, one word, a set
    # of words (multi choice) or free text (only `== skipped`).
    value_kind: ClassVar[ValueKind]

    def problems(self) -> list[tuple[Loc, str]]:
        """Return checks across fields, each (field path below `answer`, message)."""
        return []

    def parse(self, text: str) -> Parsed | Rejected:
        raise NotImplementedError

    def expected(self, language: str) -> str:
        """Return one sentence telling the patient what kind of reply works."""
        raise NotImplementedError

    def describe(self, value: Value, language: str) -> str:
        """Return a recorded value in the patient's words, to read back to them."""
        return str(value)

    def buttons(self, language: str) -> tuple[Choice, ...]:
        """Return the buttons a chat adapter may show (none by default)."""
        return ()

    def literals(self) -> frozenset[str]:
        """Return the words a condition may compare this answer with."""
        return frozenset()


ANSWER_TYPES: dict[str, type[AnswerType]] = {}

A = TypeVar("A", bound=type[AnswerType])


def register(cls: A) -> A:
    """Make an answer type available under its YAML name."""
    ANSWER_TYPES[cls.yaml_name] = cls
    return cls
