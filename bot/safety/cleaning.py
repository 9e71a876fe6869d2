"""Repair the text a patient sent before anything reads it: the rules, the model, storage.

    >>> repair("I donâ€™t want to be here")
    "I don't want to be here"
    >>> for_model("cant do this 🔫")
    'cant do this water pistol'

``repair`` undoes what gateways, copy-paste and phones do to text on the way here:

- UTF-8 read as Windows-1252 or Latin-1 ("donâ€™t", "cafÃ©"), fixed by ftfy, which knows
  the encodings' real tables instead of a guess at byte ranges;
- NUL and other control characters (PostgreSQL refuses NUL in text), lone surrogates (a
  broken emoji in a JSON update cannot be encoded at all), zero-width and bidi marks used
  inside words; a bare carriage return is a line break.

``for_model`` is what the learned model reads, at training and at run time alike (one
function, so the two never drift): the repaired text with emoji spelled out in words, since
the model's vocabulary has none of them ("pill", "knife", "water pistol" it does know).
"""

from __future__ import annotations

import re

import emoji
import ftfy

__all__ = ["for_model", "repair"]

_ZERO_WIDTH = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]")
_SPACES = re.compile(r"[ \t]+")


def repair(text: str) -> str:
    """``text`` as the patient meant it: mojibake fixed, unstorable characters replaced."""
    text = _SURROGATE.sub("\ufffd", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub(" ", text)
    # ftfy before the zero-width clean-up: "í" read as Windows-1252 is "Ã" and a soft
    # hyphen, which that clean-up would strip, leaving nothing to repair. ftfy also turns
    # curly quotes straight, which the rules and the model both expect.
    return _ZERO_WIDTH.sub("", ftfy.fix_text(text, normalization="NFC"))


def for_model(text: str) -> str:
    """The model's input: repaired, emoji as words, runs of spaces squeezed."""
    spelled = emoji.demojize(repair(text), delimiters=(" ", " "))
    return _SPACES.sub(" ", spelled.replace("_", " ")).strip()
