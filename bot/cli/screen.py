"""`checkin screen`: screen messages from stdin, one JSON verdict per line on stdout.

    $ printf 'feeling ok\\nI want to die\\n' | checkin screen
    {"text": "feeling ok", "level": "none", "reasons": []}
    {"text": "I want to die", "level": "urgent", "reasons": ["direct_ideation", ...]}

Every input line gets exactly one output line (a blank line screens as "none"), flushed at
once, so the command can sit in a pipe and answer message by message. Only a line feed
ends a message: a bare carriage return (old Mac text, some SMS exports) stays inside it.

``--explain`` adds what each tier said: the tiers in force (and whether screening is
degraded), the rules' categories, and the model's level, its four probabilities and the
window of the message that decided it.
"""

from __future__ import annotations

import io
import json
import sys
from typing import Annotated, BinaryIO, TextIO

import typer

from bot.safety import model_tier

__all__ = ["screen_command", "screen_lines"]


def explain(text: str) -> dict[str, object]:
    """What each tier made of ``text``, for ``--explain``."""
    from bot.safety.screening import model_words, rules_layer

    status = model_tier.status()
    model = model_tier.load()
    out: dict[str, object] = {
        **status.to_json(),
        "rules": list(rules_layer(text).reasons),
    }
    words = model_words(text)
    if model is None:
        return out
    if words is None:
        out["model"] = {"level": "none", "skipped": "a command, a page code or numbers only"}
        return out
    verdict = model.verdict(words)
    out["model"] = {
        "level": verdict.level,
        "probabilities": dict(
            zip(("none", "review", "check", "urgent"), verdict.probabilities, strict=True)
        ),
        "window": verdict.window,
    }
    return out


def screen_lines(source: BinaryIO, sink: TextIO, *, explained: bool = False) -> None:
    """Screen each line of ``source``; write one JSON object per line to ``sink``."""
    from bot.safety.screening import screen  # compiling the rules: only when screening

    # Bytes in, decoded leniently: a stray invalid byte must not stop the remaining messages.
    lines = io.TextIOWrapper(source, encoding="utf-8", errors="replace", newline="\n")
    try:
        for line in lines:
            text = line.removesuffix("\n").removesuffix("\r")
            verdict = screen(text).to_json(text)
            if explained:
                verdict["explain"] = explain(text)
            # ASCII-escaped JSON stays valid whatever the terminal's encoding is.
            sink.write(json.dumps(verdict) + "\n")
            sink.flush()
    finally:
        lines.detach()  # leave the caller's stream open


def screen_command(
    explained: Annotated[
        bool, typer.Option("--explain", help="Add which tiers ran and what each found.")
    ] = False,
) -> None:
    """Screen messages read from stdin, one per line, printing one JSON object per line."""
    status = model_tier.status()
    if status.degraded:
        typer.echo(f"warning: screening is degraded, rules only: {status.problem}", err=True)
    screen_lines(sys.stdin.buffer, sys.stdout, explained=explained)
