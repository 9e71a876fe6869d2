"""`checkin screen`: screen messages from stdin, one JSON verdict per line on stdout.

    $ printf 'feeling ok\\nI want to die\\n' | checkin screen
    {"text": "feeling ok", "level": "none", "reasons": []}
    {"text": "I want to die", "level": "urgent", "reasons": ["direct_ideation"]}

Every input line gets exactly one output line (a blank line screens as "none"), flushed at
once, so the command can sit in a pipe and answer message by message.
"""

from __future__ import annotations

import io
import json
import sys
from typing import BinaryIO, TextIO

from bot.safety.screening import screen

__all__ = ["screen_command", "screen_lines"]


def screen_lines(source: BinaryIO, sink: TextIO) -> None:
    """Screen each line of ``source``; write one JSON object per line to ``sink``."""
    # Bytes in, decoded leniently: a stray invalid byte must not stop the remaining messages.
    lines = io.TextIOWrapper(source, encoding="utf-8", errors="replace", newline=None)
    try:
        for line in lines:
            text = line.rstrip("\n")
            # ASCII-escaped JSON stays valid whatever the terminal's encoding is.
            sink.write(json.dumps(screen(text).to_json(text)) + "\n")
            sink.flush()
    finally:
        lines.detach()  # leave the caller's stream open


def screen_command() -> None:
    """Screen messages read from stdin, one per line, printing one JSON object per line."""
    screen_lines(sys.stdin.buffer, sys.stdout)
