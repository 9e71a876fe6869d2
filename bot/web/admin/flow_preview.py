"""Playing a flow in the page: the pure engine replayed from the replies typed so far.

Nothing is stored and nothing is sent. The page carries the flow id and version,
the language, the start time and the replies in a hidden field signed with the
session secret; each answer replays the conversation from the start on the same
definition, so the transcript needs no storage either.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

import flows
from bot.safety.reason_words import what_screening_does
from bot.safety.screening import screen

MAX_REPLIES = 100  # a preview is a walk through a flow, not a place to paste a book
# Without SESSION_SECRET, previews last as long as this process (like logins do).
_FALLBACK_KEY = secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Line:
    who: str  # "bot": what the patient would read; "you": the reply; "note": for staff
    text: str


@dataclass(frozen=True)
class Preview:
    flow_id: str
    version: int
    language: str
    started: datetime
    replies: tuple[str, ...] = ()

    def context(
        self, clinic_name: str, clinic_phone: str, emergency_number: str | None = None
    ) -> flows.Context:
        return flows.Context(
            language=self.language,
            first_name="Alex",
            infusion_number=3,
            clinic_name=clinic_name,
            clinic_phone=clinic_phone or None,
            emergency_number=emergency_number,
        )


def _serializer(secret: str | None) -> URLSafeSerializer:
    return URLSafeSerializer(secret or _FALLBACK_KEY, salt="flow-preview")


def sign(preview: Preview, secret: str | None) -> str:
    return str(
        _serializer(secret).dumps(
            {
                "flow": preview.flow_id,
                "version": preview.version,
                "language": preview.language,
                "started": preview.started.isoformat(),
                "replies": list(preview.replies),
            }
        )
    )


def unsign(token: str, secret: str | None) -> Preview | None:
    """The preview in a signed field, or None if it was tampered with or is unreadable."""
    try:
        data: Any = _serializer(secret).loads(token)
        return Preview(
            flow_id=str(data["flow"]),
            version=int(data["version"]),
            language=str(data["language"]),
            started=datetime.fromisoformat(data["started"]),
            replies=tuple(str(r) for r in data["replies"]),
        )
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def play(flow: flows.Flow, preview: Preview, context: flows.Context) -> tuple[bool, list[Line]]:
    """Replay the conversation; return whether it still waits for a reply, and its lines."""
    now = preview.started  # the clock stands still: a preview never expires mid-play
    state, events = flows.start(flow, now=now, context=context)
    lines = _lines(events)
    for reply in preview.replies:
        if not state.active:
            break
        lines.append(Line("you", reply))
        found = screen(reply)
        said = what_screening_does(found.level.value, found.reasons)
        if said:
            lines.append(Line("note", said))
        state, events = flows.advance(flow, state, reply, now=now, context=context)
        lines += _lines(events)
    return state.active, lines


def _lines(events: list[flows.Event]) -> list[Line]:
    out: list[Line] = []
    for event in events:
        match event:
            case flows.QuestionAsked(text=text) | flows.MessageSaid(text=text):
                out.append(Line("bot", text))
            case flows.AnswerRejected(reprompt_text=text):
                out.append(Line("bot", text))
            case flows.AnswerRecorded(step_id=step, value=value, note=note):
                shown = ", ".join(value) if isinstance(value, list) else str(value)
                out.append(
                    Line("note", f"recorded {step} = {shown}" + (f" ({note})" if note else ""))
                )
            case flows.StepSkipped(step_id=step, reason=reason):
                out.append(Line("note", f"skipped {step} ({reason.replace('_', ' ')})"))
            case flows.EscalationRequested(risk=risk, reason=reason):
                out.append(
                    Line(
                        "note",
                        f"ESCALATION ({risk.replace('_', ' ')}): {reason}. In a real "
                        "conversation the on-call clinician would be paged now.",
                    )
                )
            case flows.ScoreComputed(name=name, total=total, band=band):
                out.append(Line("note", f"score {name} = {total:g} ({band or 'incomplete'})"))
            case flows.FlowCompleted() | flows.FlowExpired() | flows.FlowAborted():
                out.append(Line("note", event.kind.replace("_", " ")))
    return out
