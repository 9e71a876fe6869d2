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
  a burden, ``farewell`` without a stated reason (giving pets away, "I won't need my next
  infusion", "tell my kids I love them", putting affairs in order), and the urgent
  categories when a guard lowers them: someone telling the patient to kill themselves,
  fewer thoughts ("fewer suicidal thoughts" are still thoughts), a hedged promise ("I
  probably won't hurt myself tonight").

``review`` - a clinician should read it, but nobody is paged and the patient is not asked:
  a third person's suicide or thoughts (a friend, the news, a film), the patient's own
  attempt or thoughts clearly in the past, thoughts that have stopped since treatment, a
  bare mention of suicide (``suicide_mention``). It lands on the dashboard's review list.
  The rules give it through their past, recovered and third-person guards (a return
  anywhere in the message, "it's every day again", turns the past and recovered guards
  off); the learned model gives it too.

``none`` - nothing found, idioms ("this headache is killing me", "dying to know"), an
  infusion's dissociation described as dying (the side-effect questions cover it), and plain
  denials ("I'm not suicidal", "no thoughts of hurting myself", "I would never hurt
  myself"). A denial silences only the phrase it denies, and not when time turns it
  around ("never had thoughts of killing myself until today").

Tie-breaks: between check and none for risky-ish text we choose check (a question costs the
patient a reply; a miss can cost a life); between urgent and check for clearly suicidal
text we choose urgent.

Screening is layered (DESIGN.md, "Safety model"): ``screen`` runs ``LAYERS`` in order and
keeps the highest level and every reason, so a later layer can only raise the result. The
rules come first and stay a floor for explicit phrases (only a scoped denial, inside the
rules, lowers a rule hit); then the learned risk model (``model_layer``, ``risk_model.py``),
in every install, which may raise a message to ``urgent`` at a calibrated high score,
``check`` in the uncertain band and ``review`` for third-person and past mentions (reasons
``model_high_risk``, ``model_possible_risk``, ``model_review``). If the model could not
load, the rules screen alone and ``model_tier.status()`` says so everywhere it is shown. A
layer that raises yields ``check`` with the reason ``screening_error``: a broken screener
must fall towards a human look, never to ``none``. ``reasons`` are category names only,
never message text: they are logged and stored.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot import metrics
from bot.safety import codes, model_tier, rules
from bot.safety.cleaning import repair
from bot.safety.normalize import normalize

__all__ = [
    "LAYERS",
    "Layer",
    "Level",
    "Screening",
    "max_level",
    "model_layer",
    "model_level",
    "rules_layer",
    "screen",
    "screen_with",
]


class Level(enum.StrEnum):
    """How urgently a message needs a human; NONE < REVIEW < CHECK < URGENT by ``rank``.

    The string values do not sort by urgency ("check" < "none"): compare ranks, or use
    ``max_level``.
    """

    NONE = "none"
    REVIEW = "review"
    CHECK = "check"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """0 to 3 for none, review, check, urgent: compare levels by rank, not by string."""
        return _RANK[self]


_RANK = {Level.NONE: 0, Level.REVIEW: 1, Level.CHECK: 2, Level.URGENT: 3}


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
    """Match the curated phrase rules against the repaired, normalised text."""
    hits = rules.find_hits(normalize(repair(text)), rules.DEFAULT_RULES)
    if not hits:
        return NOTHING
    level = max_level(*(Level(hit.severity) for hit in hits))
    return Screening(level, tuple(hit.category for hit in hits))


MODEL_REASONS = {
    Level.URGENT: "model_high_risk",
    Level.CHECK: "model_possible_risk",
    Level.REVIEW: "model_review",
}


# A bot command with at most one word after it ("/start K7Q2XP", "/help"): the model was
# trained on people's words, and a random link code is noise to it. The rules still read it.
_COMMAND = re.compile(r"\s*/[A-Za-z]\w*(?:@\w+)?(?:\s+\S+)?\s*")


def model_layer(text: str) -> Screening:
    """The learned model's level for ``text``; nothing when it could not load (degraded)."""
    words = model_words(text)
    if words is None:
        return NOTHING
    model = model_tier.load()
    if model is None:
        metrics.SCREENED_WITHOUT_MODEL.inc()
        return NOTHING
    level = _level_of(words, model.verdict(words).level)
    return Screening(level, (MODEL_REASONS[level],)) if level is not Level.NONE else NOTHING


# Only digits and the marks between them ("0", "3/10", "1 2 0"): an answer to a question.
_NUMBERS = re.compile(r"[\s\d.,/:;+#-]*\d[\s\d.,/:;+#-]*")


def model_words(text: str) -> str | None:
    """What the model reads of ``text``: None when it has nothing to read.

    A bot command with one word after it is left to the rules; so is a reply of numbers
    only ("0", "3/10"): it has no words for the model to read, and it answers a question
    whose flow judges it (a PHQ-9 item 9 above 0, the safety question, a low mood all
    escalate or follow up there), while "0", the commonest PHQ-9 answer, would otherwise
    draw a safety question. Of a clinician's ``ACK <code>`` or ``RESOLVE <code> <note>``
    it reads the note only: the random code is not words either, and from a number that
    is not a clinician's it had drawn a safety question (once in three) or a page. A bare
    "ACK" or "RESOLVE" has nothing for it either ("RESOLVE" alone read as possible risk).
    """
    if _COMMAND.fullmatch(text) or _NUMBERS.fullmatch(text):
        return None
    command = codes.parse_command(text)
    if command is not None and not command.note:
        return None  # "ACK 357456", or a bare "RESOLVE"
    if command is not None and command.code is not None:
        return model_words(command.note)
    return text


def model_level(text: str, verdict: str) -> Level:
    """What screening makes of the model's verdict on ``model_words(text)`` (the report
    uses it too): nothing where the model has nothing to read. One word is too little to
    page on ("REVOKE" read as urgent), so it asks the safety question instead, which an
    SMS keyword still beats. Risk words alone ("suicidal", "kms") are the rules' to page on.
    """
    words = model_words(text)
    return Level.NONE if words is None else _level_of(words, verdict)


def _level_of(words: str, verdict: str) -> Level:
    """The verdict on ``words`` (what the model read), an urgent one word capped at check."""
    level = Level(verdict)
    if level is Level.URGENT and len(words.split()) < 2:
        return Level.CHECK
    return level


# The rules first (a floor, and microseconds), then the model.
LAYERS: tuple[Layer, ...] = (rules_layer, model_layer)


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
