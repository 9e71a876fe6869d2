"""The registry of step kinds: `ask` and `say` map to what entering them does."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from flows._run import Run
    from flows.model import Step

# Entering a step returns True when the flow must wait for the patient.
EnterStep: TypeAlias = "Callable[[Run, Step], bool]"

STEP_KINDS: dict[str, EnterStep] = {}


def step_kind(name: str) -> Callable[[EnterStep], EnterStep]:
    """Register a step kind under its YAML key; its docstring is its reference."""

    def register(enter: EnterStep) -> EnterStep:
        STEP_KINDS[name] = enter
        return enter

    return register
