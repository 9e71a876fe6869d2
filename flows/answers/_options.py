"""Options for `choice` and `multi_choice`, and reading which ones a reply names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

from flows.answers._base import Loc
from flows.answers._words import PhraseIndex, normalise, phrase_key, words
from flows.fields import LocalTextField, check_name
from flows.texts import pick

NONE_VALUE = "none"
_NONE = object()
_ALL = object()
_NONE_PHRASES = (
    "none", "none of those", "none of them", "none of the above", "nothing", "no", "nope",
    "nah", "neither", "no symptoms", "all good", "nada", "ninguno", "ninguna",
    "ninguno de esos", "ninguna de esas", "ningun", "nothing at all",
)  # fmt: skip
_ALL_PHRASES = ("all", "all of them", "all of those", "all of the above", "todos", "todas")
# A named option right after one of these was denied ("no nausea").
_NEGATIONS = {
    "no", "not", "without", "sin", "ni", "never", "nunca", "dont", "didnt", "havent",
    "hasnt", "arent", "isnt", "wasnt", "nor",
}  # fmt: skip
# ...unless the denial ended first ("no nausea but headache").
_SCOPE_ENDS = {"but", "pero", "except", "excepto", "although", "though", "only", "solo", "sino"}


def _as_option(value: Any) -> Any:
    # `nausea: "1"` is shorthand for `nausea: {reply: "1"}`.
    if isinstance(value, str | int):
        return {"reply": str(value)}
    return value


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reply: str
    label: LocalTextField | None = None
    also: list[str] = []


OptionField = Annotated[Option, BeforeValidator(_as_option)]


def option_problems(options: Mapping[str, Option]) -> list[tuple[Loc, str]]:
    """Return naming and duplicate-reply problems, located under `choices`."""
    found: list[tuple[Loc, str]] = []
    if len(options) < 2:
        found.append((("choices",), "needs at least two choices"))
    seen: dict[tuple[str, ...], str] = {}
    for value, option in options.items():
        try:
            check_name(value)
        except ValueError as error:
            found.append((("choices", value), f'"{value}" {error}'))
        key = phrase_key(option.reply)
        if not key:
            found.append((("choices", value, "reply"), "must contain a letter or digit"))
        elif key in seen:
            found.append(
                (
                    ("choices", value, "reply"),
                    f'"{option.reply}" is already the reply for {seen[key]}',
                )
            )
        seen[key] = value
    return found


def label(value: str, option: Option, language: str) -> str:
    return pick(option.label, language) if option.label else value.replace("_", " ")


def listing(options: Mapping[str, Option], language: str) -> str:
    """Return "1 nausea, 2 dizziness" (or just the labels if replies are words)."""
    parts = []
    for value, option in options.items():
        name = label(value, option, language)
        same = phrase_key(option.reply) == phrase_key(name)
        parts.append(name if same else f"{option.reply} {name}")
    return ", ".join(parts)


@dataclass(frozen=True)
class Selection:
    values: tuple[str, ...]
    said_none: bool
    unknown_numbers: bool
    # Whether the options found account for the reply: at most one word beyond them and
    # the filler people add ("pretty good", "ok i guess"). "not great tbh, kept waking up"
    # names OK in two words of six, which is a guess.
    sure: bool = True


# Words that say nothing about which option was meant.
_FILLER = {
    "i", "im", "it", "its", "was", "is", "a", "an", "the", "and", "so", "just", "pretty",
    "really", "very", "quite", "kinda", "kind", "of", "sort", "bit", "little", "tbh", "lol",
    "um", "uh", "hmm", "thanks", "thank", "you", "thx", "ty", "today", "last", "night",
    "slept", "sleep", "felt", "feel", "feeling", "overall", "mostly", "fairly", "guess",
    "think", "muy", "un", "poco", "bastante", "gracias", "hoy", "anoche", "dormi", "me",
    "senti", "como", "yo", "y", "pues", "bueno",
}  # fmt: skip


class OptionReader:
    """Finds the options a reply names, by reply ("1"), name, label or synonym."""

    def __init__(self, options: Mapping[str, Option]) -> None:
        self._order = list(options)
        self._replies = {phrase_key(o.reply): v for v, o in options.items()}
        marker: object = NONE_VALUE if NONE_VALUE in options else _NONE
        phrases: dict[tuple[str, ...], object] = {phrase_key(p): marker for p in _NONE_PHRASES}
        phrases.update({phrase_key(p): _ALL for p in _ALL_PHRASES})
        for value, option in options.items():
            names = [value, value.replace("_", " "), *option.also]
            names += list(option.label.values()) if option.label else []
            if not option.reply.strip().isdigit():
                names.append(option.reply)
            phrases.update({phrase_key(n): value for n in names if phrase_key(n)})
        self._phrases = PhraseIndex(phrases)
        self._single_digits = all(len(k) == 1 and k[0].isdigit() for k in self._replies)

    def read(self, text: str) -> Selection:
        tokens = words(normalise(text))
        picked: list[object] = []
        taken = [False] * len(tokens)
        for start, end, tag in self._phrases.find(tokens):
            taken[start:end] = [True] * (end - start)
            if tag in (_NONE, NONE_VALUE) or not self._denied(tokens, start):
                picked.append(tag)
        unknown = False
        for i, token in enumerate(tokens):
            if taken[i] or not token.isdigit():
                continue
            value = self._replies.get((token,))
            if value is not None:
                picked.append(value)
            elif self._single_digits and all((d,) in self._replies for d in token):
                picked.extend(self._replies[(d,)] for d in token)  # "13" meaning 1 and 3
            else:
                unknown = True
        said_none = _NONE in picked or NONE_VALUE in picked
        by_number = any((t,) in self._replies for t in tokens if t.isdigit())
        extra = [t for i, t in enumerate(tokens) if not taken[i] and not t.isdigit()]
        extra = [t for t in extra if t not in _FILLER]
        sure = by_number or len(extra) <= 1
        return Selection(self._resolve(picked), said_none, unknown, sure)

    def _denied(self, tokens: list[str], start: int) -> bool:
        for token in reversed(tokens[max(0, start - 3) : start]):
            if token in _SCOPE_ENDS:
                return False
            if token in _NEGATIONS:
                return True
        return False

    def _resolve(self, picked: list[object]) -> tuple[str, ...]:
        if _ALL in picked:
            picked += [v for v in self._order if v != NONE_VALUE]
        named = {p for p in picked if isinstance(p, str)}
        if len(named) > 1:
            named.discard(NONE_VALUE)  # "1, 3 and nothing else" names 1 and 3
        return tuple(v for v in self._order if v in named)
