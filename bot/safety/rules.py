"""The rules layer of screening: curated phrase patterns, matched on normalised text.

The data lives in ``patterns.yaml`` (see its header for the authoring rules); this module
compiles it once at import and matches it. Pure: no I/O after import, no clock.

How a message is judged:

* Every **category** (``direct_ideation``, ``plan_means`` ...) has an ``urgent`` and a
  ``check`` list. All patterns of one list are compiled into one alternation, so a message
  costs about two regex scans per category.
* A **guard** (an idiom such as "dying to know", or a denial such as "I'm not suicidal")
  matches a span of the text. A risk match is changed by a guard only when the guard's span
  contains the whole risk match, so a guard can never touch a different risky phrase
  elsewhere in the message ("I'm not suicidal but I want to die" stays urgent). A guard caps
  the match at ``none`` (silenced), ``review`` (someone else's act, or the patient's own
  clearly years ago) or ``check`` (a hedged promise, "I probably won't hurt myself
  tonight"), optionally only for some categories. When a guarded match is found, the
  search resumes one character later, so a guard cannot hide an overlapping unguarded
  match of the same list.
* A guard may name ``unless`` patterns: when one matches anywhere in the message the guard
  is off. A past or recovered guard reads one sentence, and "It stopped for a while. As of
  Tuesday it's every day again." turns it around from the next one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Literal, cast

import yaml

from bot.safety.normalize import squeeze

__all__ = ["CATEGORIES", "Hit", "RuleSet", "Severity", "find_hits", "load_rules"]

Severity = Literal["review", "check", "urgent"]
Cap = Literal["none", "review", "check"]
_SEVERITIES: tuple[Severity, ...] = ("urgent", "check", "review")
_SEVERITY_RANK = {"review": 1, "check": 2, "urgent": 3}


def _higher(a: Severity, b: Severity | None) -> Severity:
    return a if b is None or _SEVERITY_RANK[a] >= _SEVERITY_RANK[b] else b


_MACRO = re.compile(r"%([A-Z_]+)%")
# In a regex source: an escape ("\b", kept whole) or a run of letters (squeezed).
_ESCAPE_OR_LETTERS = re.compile(r"\\.|[a-z]+")


@dataclass(frozen=True, slots=True)
class Hit:
    """One category found in a message, at the severity left after guards."""

    category: str
    severity: Severity


@dataclass(frozen=True, slots=True)
class _PatternList:
    category: str
    severity: Severity
    regex: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class _Guard:
    name: str
    cap: Cap
    categories: frozenset[str] | None  # None: applies to every category
    regex: re.Pattern[str]
    unless: re.Pattern[str] | None  # matched anywhere in the message, the guard is off


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Compiled patterns and guards, in category order."""

    categories: tuple[str, ...]
    lists: tuple[_PatternList, ...]
    guards: tuple[_Guard, ...]


def _expand(source: str, macros: Mapping[str, str]) -> str:
    for _ in range(5):  # macros may use macros; five levels is plenty and stops cycles
        expanded = _MACRO.sub(lambda m: macros[m.group(1)], source)
        if expanded == source:
            break
        source = expanded
    if _MACRO.search(source):
        raise ValueError(f"macro left unexpanded in pattern: {source}")
    return _ESCAPE_OR_LETTERS.sub(lambda m: m[0] if m[0][0] == "\\" else squeeze(m[0]), source)


def _compile(patterns: list[str], macros: Mapping[str, str]) -> re.Pattern[str]:
    body = "|".join(f"(?:{_expand(p, macros)})" for p in patterns)
    return re.compile(rf"\b(?:{body})\b")


def load_rules(source: str) -> RuleSet:
    """Compile a patterns YAML document; raises ValueError or re.error on bad data."""
    data = yaml.safe_load(source)
    macros = {str(k): str(v) for k, v in data.get("macros", {}).items()}
    lists: list[_PatternList] = []
    for category, levels in data["categories"].items():
        unknown = set(levels) - set(_SEVERITIES)
        if unknown:
            raise ValueError(f"{category}: unknown level(s) {sorted(unknown)}")
        for severity in _SEVERITIES:
            if levels.get(severity):
                regex = _compile([str(p) for p in levels[severity]], macros)
                lists.append(_PatternList(str(category), severity, regex))
    guards: list[_Guard] = []
    for name, guard in data["guards"].items():
        cap = str(guard.get("cap", "none"))
        if cap not in ("none", "review", "check"):
            raise ValueError(f"guard {name}: cap must be none, review or check, not {cap}")
        only = guard.get("categories")
        categories = frozenset(str(c) for c in only) if only else None
        if categories and not categories <= set(data["categories"]):
            raise ValueError(f"guard {name}: unknown categories {sorted(categories)}")
        regex = _compile([str(p) for p in guard["patterns"]], macros)
        unless = guard.get("unless")
        undo = _compile([str(p) for p in unless], macros) if unless else None
        guards.append(_Guard(str(name), cast(Cap, cap), categories, regex, undo))
    return RuleSet(tuple(str(c) for c in data["categories"]), tuple(lists), tuple(guards))


def _spans(regex: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Every match, including ones that start inside an earlier match."""
    pos = 0
    while (match := regex.search(text, pos)) is not None:
        yield match
        pos = match.start() + 1


def _cap_for(
    category: str, start: int, end: int, guard_spans: list[tuple[int, int, _Guard]]
) -> Cap | None:
    """The cap set by the guards that contain [start, end), or None when none does.

    Where guards that cap differently all contain a match, the highest cap wins (check over
    review over none): when two readings disagree, the safer one wins.
    """
    caps = {
        g.cap
        for g_start, g_end, g in guard_spans
        if g_start <= start and end <= g_end and (g.categories is None or category in g.categories)
    }
    if not caps:
        return None
    order: tuple[Cap, ...] = ("check", "review")
    return next((cap for cap in order if cap in caps), "none")


def _lower(severity: Severity) -> Severity:
    """A check cap: urgent becomes check; check and review stay what they are."""
    return "check" if severity == "urgent" else severity


def find_hits(normalized: str, rules: RuleSet) -> list[Hit]:
    """Categories matched in already-normalised text, strongest severity per category."""
    # Guards are matched only once a risk pattern has matched: most messages match none.
    guard_spans: list[tuple[int, int, _Guard]] | None = None
    found: dict[str, Severity] = {}
    for plist in rules.lists:
        if found.get(plist.category) == "urgent":
            continue
        for match in _spans(plist.regex, normalized):
            if guard_spans is None:
                guard_spans = [
                    (m.start(), m.end(), g)
                    for g in rules.guards
                    if g.unless is None or g.unless.search(normalized) is None
                    for m in _spans(g.regex, normalized)
                ]
            cap = _cap_for(plist.category, match.start(), match.end(), guard_spans)
            if cap is None:
                found[plist.category] = _higher(plist.severity, found.get(plist.category))
                break
            if cap != "none":
                capped: Severity = "review" if cap == "review" else _lower(plist.severity)
                found[plist.category] = _higher(capped, found.get(plist.category))
    return [Hit(c, found[c]) for c in rules.categories if c in found]


def _load_default() -> RuleSet:
    source = resources.files("bot.safety").joinpath("patterns.yaml").read_text(encoding="utf-8")
    return load_rules(source)


DEFAULT_RULES = _load_default()
CATEGORIES = DEFAULT_RULES.categories
