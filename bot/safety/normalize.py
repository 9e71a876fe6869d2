"""Turn a raw patient message into the canonical form the safety rules match.

The rules in ``patterns.yaml`` are written against this form, never against raw text, so
every spelling trick a person (or a phone keyboard) uses is handled once, here:

    >>> normalize("I'm sooo t1red, I just wanna d!e... 7/10 pain")
    'i am so tired , i just want to die . 7 10 pain'

Steps, in order (each one says why it sits where it does):

1. Repair UTF-8 that was decoded as Latin-1 ("don\\u00e2\\x80\\x99t"): SMS gateways and CSV
   exports do this, and it would otherwise split words at the apostrophe.
2. Drop zero-width and bidi marks (used inside words to dodge filters), NFKC, casefold, strip
   accents (Spanish "está" -> "esta"), turn other control characters into spaces.
3. Join letters spelled out with separators ("s u i c i d e", "k.i.l.l").
4. Per word: undo leetspeak ("su1c1de", "k!ll", "h@ng") and censoring ("s*icide", "d*e").
   Words that are only digits, or a number with a unit ("10mg", "3rd", "4am"), are left
   alone, so mood scores such as "3" or "7/10" keep their digits.
5. Expand contractions while the apostrophe still tells "i'll" from "ill".
6. Punctuation: sentence marks become " . ", commas " , " (so a rule's gap of ``\\w+`` words
   never runs across a clause); the laughing faces become "lol" (a rule reads a laugh the
   same typed or drawn); every other symbol and emoji becomes a space.
7. Squeeze every run of one repeated letter to a single letter ("diieee" -> "die", "kill" ->
   "kil"). Rules are squeezed the same way when compiled, so authors write "kill" and it
   matches "kil", "kill" and "killlll" alike. A few words whose double letter is what tells
   them apart ("noose" vs "nose") are listed in ``words.yaml`` and keep it.
8. Word table (``words.yaml``): texting forms and misspellings (wanna, im, dont, myslef), then
   a one-edit fuzzy match for the two words that matter most ("suicide", "myself").
"""

from __future__ import annotations

import re
import unicodedata
from importlib import resources

import yaml

__all__ = ["normalize", "squeeze"]

_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf]{1,3}")
_ZERO_WIDTH = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")
_CONTROL = re.compile("[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f]")
_APOSTROPHES = str.maketrans(dict.fromkeys("\u2018\u2019\u201b\u02bc\u02b9\u0060\u00b4\u2032", "'"))
_SPELLED_OUT = re.compile(r"(?<![a-z0-9])(?:[a-z][ .\-_*]){3,}[a-z](?![a-z0-9])")
_NON_LETTER = re.compile(r"[^a-z]")
# A word with a letter and a leet or mask character; plain words skip the per-word work.
_CODED_WORD = re.compile(
    r"(?<![\w@$!|*#])(?=[\w@$!|*#]*[0-9@$!|*#])(?=[\w@$!|*#]*[a-z])[\w@$!|*#]+"
)
_HAS_LETTER = re.compile(r"[a-z]")
# "10mg", "3rd", "4am", "2x", "covid19": numbers that keep their digits.
_NUMBER_WITH_UNIT = re.compile(r"\d+[a-z]{0,4}|[a-z]+\d{2,}")
_LEET = str.maketrans("0134579@$!|", "oieastgasii")
_CONTRACTIONS = [
    (re.compile(r"\bo\.?d\.?'e?d\b"), "overdosed"),  # else "od'd" -> "od would"
    (re.compile(r"\bo\.?d\.?'ing\b"), "overdosing"),
    (re.compile(r"\b(can|ca)'t\b"), "can not"),
    (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"\bain't\b"), "am not"),
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"\bi'm\b"), "i am"),
    (re.compile(r"\b(it|that|what|there|here|he|she|who|everything|nothing|life)'s\b"), r"\1 is"),
    (re.compile(r"'re\b"), " are"),
    (re.compile(r"'ll\b"), " will"),
    (re.compile(r"'ve\b"), " have"),
    (re.compile(r"'d\b"), " would"),
    (re.compile(r"'"), ""),
]
_CLAUSE_END = re.compile(r"[.!?;:\u2026\n\r\u2028\u2029]+")
_COMMA = re.compile(r",+")
_OTHER_PUNCT = re.compile(r"[^\w\s.,]|_")
_LAUGHING = re.compile("[\U0001f602\U0001f923\U0001f606\U0001f639]+")
_SQUEEZE = re.compile(r"([a-z])\1+")
_SPACES = re.compile(r"\s+")
# Correct spellings (English and Spanish) that the fuzzy step must leave alone.
_FUZZY_TARGETS = {
    "suicide": ("suicides", "suicided", "suicida", "suicidas", "suicidio", "suicidar"),
    "suicidal": ("suicidality", "suicidarme", "suicidarse"),
    "myself": (),
}
_FUZZY_KEEP = frozenset(w for target, keep in _FUZZY_TARGETS.items() for w in (target, *keep))
_FUZZY_CANDIDATE = re.compile(r"\b(?:s[uiea]|m[yei])[a-z]{3,8}\b")

_DATA = yaml.safe_load(
    resources.files("bot.safety").joinpath("words.yaml").read_text(encoding="utf-8")
)
# Kept words are marked by upper-casing their double letters ("nOOse"): the squeeze only
# touches lowercase, and the text is casefolded, so lowercasing afterwards restores them.
_KEEP_MARKS = {
    _SQUEEZE.sub(r"\1", str(w)): re.sub(r"([a-z])\1", lambda m: m[0].upper(), str(w))
    for w in _DATA["keep_doubles"]
}
_KEEP_RE = re.compile(
    r"\b(?:"
    + "|".join(re.sub(r"([a-z])\1", r"\1{2,}", str(w)) for w in _DATA["keep_doubles"])
    + r")\b"
)


def squeeze(text: str) -> str:
    """Collapse each run of one repeated ASCII letter to one letter, except in kept words."""
    marked, kept = _KEEP_RE.subn(lambda m: _KEEP_MARKS[_SQUEEZE.sub(r"\1", m[0])], text)
    squeezed = _SQUEEZE.sub(r"\1", marked)
    return squeezed.lower() if kept else squeezed


_DIGIT_WORDS = {str(k): str(v) for k, v in _DATA["digit_words"].items()}
_WORDS = {squeeze(str(k)): squeeze(str(v)) for k, v in _DATA["words"].items()}
_MASKABLE = tuple(str(w) for w in _DATA["maskable"])
_WORDS_RE = re.compile(
    r"\b(?:" + "|".join(re.escape(k) for k in sorted(_WORDS, key=len, reverse=True)) + r")\b"
)


def _repair_mojibake(match: re.Match[str]) -> str:
    chunk = match.group(0)
    try:
        return chunk.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return chunk


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _unmask(word: str) -> str:
    shape = re.compile("".join("[a-z]{1,3}" if c in "*#" else re.escape(c) for c in word))
    fits = [w for w in _MASKABLE if shape.fullmatch(w)]
    return fits[0] if len(fits) == 1 else word


def _decode_word(match: re.Match[str]) -> str:
    token = match.group(0)
    # "!" and "|" at the edges are punctuation ("help!"), not leet.
    core = token.strip("!|")
    if core in _DIGIT_WORDS:
        return token.replace(core, _DIGIT_WORDS[core], 1)
    if not core or not _HAS_LETTER.search(core) or _NUMBER_WITH_UNIT.fullmatch(core):
        return token
    decoded = core.translate(_LEET)
    if "*" in decoded or "#" in decoded:
        decoded = _unmask(decoded)
    return token.replace(core, decoded, 1)


def _one_edit_apart(a: str, b: str) -> bool:
    """Whether a and b differ by at most one insert, delete, replace or adjacent swap."""
    if abs(len(a) - len(b)) > 1:
        return False
    i = 0
    while i < len(a) and i < len(b) and a[i] == b[i]:
        i += 1
    return (
        a[i + 1 :] == b[i + 1 :]
        or a[i + 1 :] == b[i:]
        or a[i:] == b[i + 1 :]
        or (a[i : i + 2] == b[i : i + 2][::-1] and a[i + 2 :] == b[i + 2 :])
    )


def _fix_spelling(match: re.Match[str]) -> str:
    word = match.group(0)
    if word in _FUZZY_KEEP:
        return word
    for target in _FUZZY_TARGETS:
        if word[0] == target[0] and _one_edit_apart(word, target):
            return target
    return word


def normalize(text: str) -> str:
    """Return the canonical matching form of ``text`` (see the module docstring)."""
    text = _ZERO_WIDTH.sub("", _MOJIBAKE.sub(_repair_mojibake, text))
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).casefold()
    text = _strip_accents(_CONTROL.sub(" ", text))
    text = _SPELLED_OUT.sub(lambda m: _NON_LETTER.sub("", m.group(0)), text)
    text = _CODED_WORD.sub(_decode_word, text)
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    text = _CLAUSE_END.sub(" . ", text)
    text = _OTHER_PUNCT.sub(" ", _COMMA.sub(" , ", _LAUGHING.sub(" lol ", text)))
    text = squeeze(_SPACES.sub(" ", text))
    text = _WORDS_RE.sub(lambda m: _WORDS[m.group(0)], text)
    return _FUZZY_CANDIDATE.sub(_fix_spelling, text).strip()
