"""Answer types, one per module, each registered under its YAML name."""

from flows.answers import choice, multi_choice, number, scale, text, yes_no
from flows.answers._base import ANSWER_TYPES, AnswerType, Parsed, Rejected

__all__ = [
    "ANSWER_TYPES",
    "AnswerType",
    "Parsed",
    "Rejected",
    "choice",
    "multi_choice",
    "number",
    "scale",
    "text",
    "yes_no",
]
