"""Texts in several languages with `{variables}`, and how they are rendered.

```yaml
ask: "How did you sleep?"              # one text for every language
ask:
  en: "Hi {first_name}, how did you sleep?"
  es: "Hola {first_name}, ¿cómo durmió?"
```

A text is a plain string or one string per language; English (`en`) is
required and is the fallback for a language the flow does not have
(`es-MX` uses `es` first). Labels in `choices` and `labels` work the same.

Variables: `{first_name}`, `{infusion_number}`, `{clinic_phone}` and
`{clinic_name}`. Any other name in braces is a load error; write `{{` and
`}}` for a literal brace. When the service does not know a value, the text
still goes out: `{first_name}` and `{infusion_number}` are dropped with the
punctuation around them tidied ("Hi {first_name}, ..." becomes "Hi, ..."),
and `{clinic_phone}` / `{clinic_name}` read "your clinic" (write
"call {clinic_phone}", or in Spanish "llame al {clinic_phone}").

Keep each SMS prompt within two SMS segments where you can: 306 plain
characters, but only 134 once the text has a character outside the GSM
alphabet (á, í, ó, ú, a long dash, an emoji). List options compactly:
"1 nausea, 2 dizziness, 3 none".
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from flows.types import FALLBACK_LANGUAGE, KNOWN_VARIABLES, Context

LocalText = Mapping[str, str]

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")

# What a missing variable turns into. An empty string drops the word and
# tidies the punctuation around it ("Hi {first_name}, ..." -> "Hi, ...").
_MISSING: dict[str, dict[str, str]] = {
    "clinic_phone": {"en": "your clinic", "es": "consultorio"},  # read after "call" / "llame al"
    "clinic_name": {"en": "your clinic", "es": "su clínica"},
    # Read after "call" / "llame al": never another country's number.
    "emergency_number": {"en": "your local emergency number", "es": "número de emergencias"},
}
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.!?;:])")
_DOUBLE_SPACE = re.compile(r"[ \t]{2,}")
_LEADING_PUNCT = re.compile(r"^[,;:]\s*", re.MULTILINE)
_COMMA_BEFORE_STOP = re.compile(r"[,;:]\s*([.!?])")


def pick(text: LocalText, language: str) -> str:
    """Return the text in `language` ("es-MX" falls back to "es"), else English."""
    code = language.strip().lower()
    for candidate in (language, code, code.split("-")[0], FALLBACK_LANGUAGE):
        if candidate in text:
            return text[candidate]
    return next(iter(text.values()), "")


def template_problems(template: str) -> list[str]:
    """Return what is wrong with a template's placeholders (empty when fine)."""
    problems = []
    for match in _PLACEHOLDER.finditer(template):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        name = match.group(1)
        if name is None:
            problems.append('has an unmatched brace (write "{{" or "}}" for a literal brace)')
        elif name not in KNOWN_VARIABLES:
            known = ", ".join("{" + v + "}" for v in sorted(KNOWN_VARIABLES))
            problems.append(f"unknown variable {{{name}}} (known: {known})")
    return problems


def render(text: LocalText, context: Context) -> str:
    """Return the text in the patient's language with variables filled in.

    Never raises on a missing value: a text must still go out when the host
    does not know, say, the patient's first name.
    """
    template = pick(text, context.language)
    blanked = False

    def fill(match: re.Match[str]) -> str:
        nonlocal blanked
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        name = match.group(1)
        value = context.variable(name) if name else None
        if value is not None and value.strip():
            return value
        fallback = _MISSING.get(name or "", {})
        replacement = pick(fallback, context.language) if fallback else ""
        blanked = blanked or not replacement
        return replacement

    rendered = _PLACEHOLDER.sub(fill, template)
    if blanked:
        rendered = _SPACE_BEFORE_PUNCT.sub(r"\1", rendered)
        rendered = _COMMA_BEFORE_STOP.sub(r"\1", rendered)
        rendered = _DOUBLE_SPACE.sub(" ", rendered)
        rendered = _LEADING_PUNCT.sub("", rendered)
    return rendered.strip()
