"""Conversation flows: a pure engine and the clinic's flow library.

The host (the service in `bot/`) calls:

    library = flows.load_library(flows_dir)          # or flows.builtin_library()
    flow = library.get("daily-checkin")              # newest version
    state, events = flows.start(flow, now=now, context=context)
    ...
    flow = library.get(saved.flow_id, saved.flow_version)   # the version it started on
    state, events = flows.advance(flow, saved, text, now=now, context=context)

and stores `state.to_dict()`; see docs/flows.md for authors.
"""

from flows._run import Turn
from flows.engine import advance, escalated, next_wakeup, reminder_due, start
from flows.errors import FlowError, FlowLoadError
from flows.events import (
    EVENT_TYPES,
    AnswerRecorded,
    AnswerRejected,
    EscalationRequested,
    Event,
    FlowAborted,
    FlowCompleted,
    FlowExpired,
    FlowStarted,
    MessageSaid,
    QuestionAsked,
    ReminderDue,
    ScoreComputed,
    StepSkipped,
)
from flows.library import FlowConflict, FlowLibrary, UnknownFlow, builtin_library, load_library
from flows.loader import check_path, from_snapshot, load_flow, parse_flow
from flows.model import Flow
from flows.state import SessionState, StateError
from flows.types import DEFAULT_LIMITS, KNOWN_VARIABLES, Choice, Context, Limits, Value

__all__ = [
    "DEFAULT_LIMITS",
    "EVENT_TYPES",
    "KNOWN_VARIABLES",
    "AnswerRecorded",
    "AnswerRejected",
    "Choice",
    "Context",
    "EscalationRequested",
    "Event",
    "Flow",
    "FlowAborted",
    "FlowCompleted",
    "FlowConflict",
    "FlowError",
    "FlowExpired",
    "FlowLibrary",
    "FlowLoadError",
    "FlowStarted",
    "Limits",
    "MessageSaid",
    "QuestionAsked",
    "ReminderDue",
    "ScoreComputed",
    "SessionState",
    "StateError",
    "StepSkipped",
    "Turn",
    "UnknownFlow",
    "Value",
    "advance",
    "escalated",
    "builtin_library",
    "check_path",
    "from_snapshot",
    "load_flow",
    "load_library",
    "next_wakeup",
    "parse_flow",
    "reminder_due",
    "start",
]
