"""Load errors that name the file, the line and the field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flows.answers._base import Loc
from flows.yaml_marks import Lines


@dataclass(frozen=True, order=True)
class FlowError:
    """One problem in a flow file: `daily.yaml:14 steps[2].answer.max: must be ...`."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where} {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class FlowLoadError(Exception):
    """Raised when flows cannot be loaded; `errors` lists every problem."""

    def __init__(self, errors: Iterable[FlowError]) -> None:
        self.errors = sorted(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


def field_name(loc: Loc) -> str:
    """Return ("steps", 2, "answer", "max") as "steps[2].answer.max"."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def locate(loc: Loc, data: Any, lines: Lines) -> tuple[Loc, int]:
    """Return the field path as written and its line.

    A path never goes deeper than the value the author wrote: `ask: "..."`
    is reported as `ask`, not `ask.en`. A missing field takes its parent's
    line.
    """
    shown: list[str | int] = []
    current = data
    for part in loc:
        if not isinstance(current, dict | list):
            break  # the author wrote a plain value here
        shown.append(part)
        current = _child(current, part)
    path = tuple(shown)
    path = tuple(shown)
    for size in range(len(path), -1, -1):
        if path[:size] in lines:
            return path, lines[path[:size]]
    return path, 1


def _child(container: dict[Any, Any] | list[Any], part: str | int) -> Any:
    if isinstance(container, dict):
        return container.get(part)
    if isinstance(part, int) and 0 <= part < len(container):
        return container[part]
    return None
