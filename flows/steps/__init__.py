"""Step kinds, each in its own module and registered under its YAML key."""

from flows.steps import ask, say  # noqa: E402  (registers the kinds)
from flows.steps._registry import STEP_KINDS, step_kind

__all__ = ["STEP_KINDS", "ask", "say", "step_kind"]
