"""Pydantic field types shared by the flow schema and the answer types."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

from flows.types import FALLBACK_LANGUAGE

_LANGUAGE_CODE = re.compile(r"[a-z]{2}(-[A-Z]{2})?")


def _as_languages(value: Any) -> Any:
    # A plain string serves every language; store it under the fallback.
    if isinstance(value, str):
        return {FALLBACK_LANGUAGE: value}
    return value


def _check_languages(value: dict[str, str]) -> dict[str, str]:
    for code in value:
        if not _LANGUAGE_CODE.fullmatch(code):
            raise ValueError(f'"{code}" is not a language code such as "en" or "es"')
    if FALLBACK_LANGUAGE not in value:
        raise ValueError("needs an English (en) text, the fallback for other languages")
    for code, text in value.items():
        if not text.strip():
            raise ValueError(f"the {code} text is empty")
    return value


# Written as "text" or {en: "text", es: "texto"}; always stored as the dict.
LocalTextField = Annotated[
    dict[str, str], BeforeValidator(_as_languages), AfterValidator(_check_languages)
]

_NAME = re.compile(r"[a-z][a-z0-9_]*")


def check_name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError(
            "must start with a lower-case letter and use only a-z, 0-9 and _ "
            "(it is used as a name in conditions)"
        )
    return value


# Step ids and choice values appear in conditions, so they must be names.
NameField = Annotated[str, AfterValidator(check_name)]
