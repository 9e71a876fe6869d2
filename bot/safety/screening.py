"""Screen one inbound message for suicide risk: the public API of the safety layer.

    >>> screen("I'm not suicidal but I want to die").to_json("...")["level"]
    'urgent'

Levels, and why each category gets the one it gets:

``urgent`` - page the on-call clinician now (crisis resources go to the patient at once).
  For text where a clinician would want to call today and asking first would waste time:
  ``direct_ideation`` ("I want to kill myself", "I'm suicidal", "end it all"),
  ``plan_means`` (stockpiled pills, "how many tylenol would it take", a noose, a gun to the
  head, a bridge, a goodbye note, a picked date), ``attempt`` (current or recent: "took all
  my pills", "I overdosed"), ``self_harm`` in progress or intended ("been cutting again",
  "want to hurt myself"), the strong forms of ``passive_death_wish`` ("wish I was dead",
  "sleep and never wake up", "don't care if I live or die"), the classic burdensomeness
  phrase ("everyone would be better off without me") and clear ``slang`` (kms, unalive
  myself, ctb, sewerslide).

``check`` - the bot asks the patient a direct safety question and flags the message for
  review; a yes, an unclear answer or silence escalates. For possible risk that is often
  innocent: vague ``hopelessness_ending`` ("I can't do this anymore", "what's the point",
  "I give up"), ambiguous wishes ("I just want to disappear", "sleep forever"), feeling like
  a burden, a bare mention of suicide (``suicide_mention``: someone else's death, a
  question), ``farewell`` without a stated reason (giving pets away, "I won't need my next
  infusion", "tell my kids I love them", putting affairs in order), and the urgent
  categories when a guard lowers them: an attempt or ideation clearly years ago, someone
  else's overdose, someone telling the patient to kill themselves, fewer thoughts ("fewer
  suicidal thoughts" are still thoughts), a hedged promise ("I probably won't hurt myself
  tonight").

``none`` - nothing found, idioms ("this headache is killing me", "dying to know"), an
  infusion's dissociation described as dying (the side-effect questions cover it), and plain
  denials ("I'm not suicidal", "no thoughts of hurting myself", "I would never hurt
  myself"). A denial silences only the phrase it denies, and not when time turns it
  around ("never had thoughts of killing myself until today").

Tie-breaks: between check and none for risky-ish text we choose check (a question costs the
patient a reply; a miss can cost a life); between urgent and check for clearly suicidal
text we choose urgent.

Screening is layered (DESIGN.md, "Safety model"): ``screen`` runs ``LAYERS`` in order and
keeps the highest level and every reason, so a later layer can only raise the result: the
optional semantic tier (``semantic_layer``, reason ``semantic_similarity``) adds ``check``
for text that reads like our risk exemplars, on whenever its extra is installed. A layer
that raises yields ``check`` with the reason ``screening_error``: a broken screener must
fall towards a human look, never to ``none``. ``reasons`` are category
names only, never message text: they are logged and stored.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.safety import rules, semantic
from bot.safety.normalize import normalize

__all__ = [
    "LAYERS",
    "Layer",
    "Level",
    "Screening",
    "max_level",
    "rules_layer",
    "screen",
    "screen_with",
    "semantic_layer",
]


class Level(enum.StrEnum):
    """How urgently a message needs a human; ordered NONE < CHECK < URGENT by ``rank``.

    The string values do not sort by urgency ("check" < "none"): compare ranks, or use
    ``max_level``.
    """

    NONE = "none"
    CHECK = "check"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """0, 1, 2 for none, check, urgent: compare levels by rank, not by string."""
        return _RANK[self]


_RANK = {Level.NONE: 0, Level.CHECK: 1, Level.URGENT: 2}


def max_level(*levels: Level) -> Level:
    """The most urgent of ``levels`` (NONE when given none)."""
    return max(levels, key=lambda level: level.rank, default=Level.NONE)


@dataclass(frozen=True, slots=True)
class Screening:
    """The verdict on one message: a level and the categories that produced it."""

    level: Level
    reasons: tuple[str, ...]

    def to_json(self, text: str) -> dict[str, object]:
        """The `checkin screen` output object for ``text``."""
        return {"text": text, "level": self.level.value, "reasons": list(self.reasons)}


NOTHING = Screening(Level.NONE, ())
LAYER_FAILED = Screening(Level.CHECK, ("screening_error",))

Layer = Callable[[str], Screening]


def rules_layer(text: str) -> Screening:
    """Match the curated phrase rules against the normalised text."""
    hits = rules.find_hits(normalize(text), rules.DEFAULT_RULES)
    if not hits:
        return NOTHING
    level = max_level(*(Level(hit.severity) for hit in hits))
    return Screening(level, tuple(hit.category for hit in hits))


SEMANTIC_CHECK = Screening(Level.CHECK, ("semantic_similarity",))


def semantic_layer(text: str) -> Screening:
    """Ask a safety question when the text reads like our risk exemplars (``semantic``).

    Only ever ``check``: a likeness score is too blunt to page a clinician on, while a
    question costs the patient one reply.
    """
    return SEMANTIC_CHECK if semantic.is_risky(text) else NOTHING


# The rules layer always runs first. The semantic tier is on whenever its optional extra is
# installed (pip install 'checkin-bot[semantic]'); without it the rules work alone.
LAYERS: tuple[Layer, ...] = (
    (rules_layer, semantic_layer) if semantic.available() else (rules_layer,)
)


def screen_with(text: str, layers: Sequence[Layer]) -> Screening:
    """Run ``layers`` in order and merge: highest level, reasons in first-seen order."""
    level = Level.NONE
    reasons: dict[str, None] = {}
    for layer in layers:
        try:
            result = layer(text)
        except Exception:  # a broken layer must fail towards a human look, never to "none"
            result = LAYER_FAILED
        level = max_level(level, result.level)
        reasons.update(dict.fromkeys(result.reasons))
    return Screening(level, tuple(reasons))


def screen(text: str) -> Screening:
    """Screen one inbound message. Never raises for any ``str``."""
    return screen_with(text, LAYERS)
