"""Words that work at every question, whatever its answer type.

- **skip** ("skip", "pass", "saltar", "omitir"): the step is skipped and
  recorded as skipped (`StepSkipped`, reason `patient_skipped`); the flow
  goes on as if the question had no answer.
- **help** ("help", "?", "ayuda", "what?", "I don't understand"): the
  question is shown again with what kind of reply is expected and how to
  skip. Asking for help does not count as a failed reply.

A command is the whole reply, so "help me sleep" is not a help request.
STOP / opt-out is handled by the host before the engine sees the text.
"""

from __future__ import annotations

from typing import Literal

from flows.answers._words import normalise

Command = Literal["skip", "help"]

_SKIP = {"skip", "skip it", "skip this", "pass", "next", "saltar", "omitir", "paso", "siguiente"}
_HELP = {
    "help", "ayuda", "what", "huh", "que", "what do you mean", "i dont understand",
    "dont understand", "no entiendo", "no comprendo", "help please", "ayudame",
}  # fmt: skip


def command_in(text: str) -> Command | None:
    """Return the command a whole reply stands for, if any."""
    stripped = text.strip()
    if stripped and set(stripped) <= {"?", "¿"}:
        return "help"
    words = normalise(stripped)
    if words in _SKIP:
        return "skip"
    if words in _HELP:
        return "help"
    return None
