"""How people text, reduced to tokens: case, accents, emoji, "yesss", number words."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")

# Emoji that stand for an answer. Keycap digits ("7️⃣") survive NFKC as the
# digit plus two marks, which the accent stripping below removes.
_EMOJI_WORDS = {
    "👍": " yes ",
    "👌": " yes ",
    "✅": " yes ",
    "✔": " yes ",
    "☑": " yes ",
    "👎": " no ",
    "❌": " no ",
    "✖": " no ",
    "🚫": " no ",
    "🔟": " 10 ",
}
_NOT_TEXT = re.compile(r"[^a-z0-9./,\s]")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower-case ASCII words and digits: "Sííí 👍, about a 7/10!" -> "si yes about a 7/10"."""
    if text.isascii():
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKC", text)
        for emoji, word in _EMOJI_WORDS.items():
            text = text.replace(emoji, word)
        text = unicodedata.normalize("NFD", text.casefold())
        text = "".join(c for c in text if not unicodedata.combining(c))
    # "don't" -> "dont" so contractions stay one word.
    text = text.replace("'", "").replace("\u2019", "")
    text = text.replace("&", " and ").replace("+", " and ")
    text = _NOT_TEXT.sub(" ", text)
    # Runs of three or more letters are emphasis ("yesss", "noooo").
    text = _REPEATS.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """Return the word and digit tokens of normalised text ("1,3" -> ["1", "3"])."""
    return re.findall(r"[a-z]+|\d+", text)


def phrase_key(text: str) -> tuple[str, ...]:
    return tuple(words(normalise(text)))


class PhraseIndex(Generic[T]):
    """Phrases to look for in tokens, indexed by their first word.

    Matching runs left to right and takes the longest phrase at each
    position, so "severe headache" wins over "headache" and "not sure"
    over "not".
    """

    def __init__(self, phrases: Mapping[tuple[str, ...], T]) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], T]]] = {}
        for phrase, tag in phrases.items():
            if phrase:
                self._by_first.setdefault(phrase[0], []).append((phrase, tag))
        for candidates in self._by_first.values():
            candidates.sort(key=lambda candidate: len(candidate[0]), reverse=True)

    def find(self, tokens: Sequence[str]) -> list[tuple[int, int, T]]:
        """Return non-overlapping (start, end, tag) matches in order."""
        found: list[tuple[int, int, T]] = []
        i = 0
        while i < len(tokens):
            for phrase, tag in self._by_first.get(tokens[i], ()):
                end = i + len(phrase)
                if tuple(tokens[i:end]) == phrase:
                    found.append((i, end, tag))
                    i = end
                    break
            else:
                i += 1
        return found


_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19,
    "cero": 0, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12,
    "trece": 13, "catorce": 14, "quince": 15, "dieciseis": 16, "diecisiete": 17,
    "dieciocho": 18, "diecinueve": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
    "veinte": 20, "treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60,
    "setenta": 70, "ochenta": 80, "noventa": 90,
}  # fmt: skip
# "one" is a pronoun as often as a number: "no one cares" is not a 1.
_PRONOUN_BEFORE_ONE = {"no", "any", "some", "every", "each", "the", "this", "that", "which"}
_OUT_OF = {("/",), ("out", "of"), ("of",), ("de",), ("sobre",)}
_MAX_DIGITS = 15
_HALF = {("and", "a", "half"), ("y", "media"), ("y", "medio")}


def _number_tokens(text: str, decimal_comma: bool) -> list[str]:
    if decimal_comma:
        text = re.sub(r"(\d),(\d{1,2})(?!\d)", r"\1.\2", text)
    return re.findall(r"\d+(?:\.\d+)?|[a-z]+|/", text)


def _word_value(tokens: list[str], i: int) -> tuple[float, int] | None:
    """Read a number written in words at tokens[i]: (value, tokens used)."""
    word = tokens[i]
    if word in _TENS:
        value, used = float(_TENS[word]), 1
        rest = tokens[i + 1 : i + 3]
        if rest[:1] and rest[0] in _UNITS and 0 < _UNITS[rest[0]] < 10:
            return value + _UNITS[rest[0]], 2
        if rest[:1] == ["y"] and len(rest) == 2 and rest[1] in _UNITS:
            return value + _UNITS[rest[1]], 3
        return value, used
    if word.startswith("veinti") and word[6:] in _UNITS:
        return 20.0 + _UNITS[word[6:]], 1
    if word in _UNITS:
        if word == "one" and i > 0 and tokens[i - 1] in _PRONOUN_BEFORE_ONE:
            return None
        return float(_UNITS[word]), 1
    return None


def numbers(text: str, *, decimal_comma: bool = False) -> list[tuple[float, float | None]]:
    """Return (number, out_of) pairs in normalised text: "7/10" -> [(7, 10)].

    Number words in English and Spanish count ("seven", "siete"), as does
    "and a half" / "y media".
    """
    tokens = _number_tokens(text, decimal_comma)
    values: list[float | str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token[0].isdigit():
            # A run of digits nobody means as an answer (and that would
            # overflow a float) is read as a word, i.e. ignored.
            values.append(float(token) if len(token) <= _MAX_DIGITS else token)
            i += 1
            continue
        read = _word_value(tokens, i)
        if read is None:
            values.append(token)
            i += 1
            continue
        values.append(read[0])
        i += read[1]
    found: list[tuple[float, float | None]] = []
    i = 0
    while i < len(values):
        value = values[i]
        if isinstance(value, str):
            i += 1
            continue
        for half in _HALF:
            if tuple(values[i + 1 : i + 1 + len(half)]) == half:
                value += 0.5
                i += len(half)
        out_of = None
        for joint in _OUT_OF:
            after = values[i + 1 : i + 1 + len(joint) + 1]
            complete = len(after) == len(joint) + 1 and tuple(after[:-1]) == joint
            if complete and isinstance(after[-1], float):
                out_of = after[-1]
                i += len(joint) + 1
                break
        found.append((value, out_of))
        i += 1
    return found
