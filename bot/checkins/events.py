"""Apply the flow engine's events: one table of handlers, one small function each."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

import flows
from bot.outbox import enqueue
from bot.outbox.queue import OutboxMessage, outbox_row
from bot.safety.escalation import open_or_join
from bot.services import Services
from storage.models import Answer, FlowSession, Message, Patient, Priority, Score


@dataclass
class TurnContext:
    session: AsyncSession
    services: Services
    patient: Patient
    flow_session: FlowSession
    now: datetime
    message: Message | None  # the reply that caused this turn; None for a timer tick
    trigger: str  # part of each outbound idempotency key
    sent: int = field(default=0)
    # Set: outbound rows are collected here for one bulk insert instead of one each.
    queued: list[dict[str, Any]] | None = None


def _buttons(choices: tuple[flows.Choice, ...]) -> dict[str, Any] | None:
    if not choices:
        return None
    return {"buttons": [[c.label, c.reply] for c in choices]}


async def _send(ctx: TurnContext, text: str, extra: dict[str, Any] | None = None) -> None:
    ctx.sent += 1
    patient = ctx.patient
    channel = "telegram" if patient.channel == "telegram" and patient.telegram_chat_id else "sms"
    address = patient.telegram_chat_id if channel == "telegram" else patient.phone
    assert address is not None
    message = OutboxMessage(
        key=f"flow:{ctx.flow_session.id}:{ctx.trigger}:{ctx.sent}",
        channel=channel,
        address=address,
        body=text,
        now=ctx.now,
        purpose="checkin",
        priority=Priority.REPLY if ctx.message is not None else Priority.ROUTINE,
        patient_id=patient.id,
        extra=extra,
    )
    if ctx.queued is not None:
        ctx.queued.append(outbox_row(**message))  # the caller inserts a batch's at once
    else:
        await enqueue(ctx.session, **message)


async def question_asked(ctx: TurnContext, event: flows.QuestionAsked) -> None:
    await _send(ctx, event.text, _buttons(event.choices))


async def message_said(ctx: TurnContext, event: flows.MessageSaid) -> None:
    await _send(ctx, event.text)


async def answer_rejected(ctx: TurnContext, event: flows.AnswerRejected) -> None:
    await _send(ctx, event.reprompt_text, _buttons(event.choices))


async def reminder_due(ctx: TurnContext, event: flows.ReminderDue) -> None:
    await _send(ctx, event.text, _buttons(event.choices))


async def answer_recorded(ctx: TurnContext, event: flows.AnswerRecorded) -> None:
    fs = ctx.flow_session
    ctx.session.add(
        Answer(
            patient_id=ctx.patient.id,
            session_id=fs.id,
            flow_id=fs.flow_id,
            flow_version=fs.flow_version,
            step_id=event.step_id,
            value=event.value,
            raw_text=event.raw_text,
            message_id=ctx.message.id if ctx.message else None,
            recorded_at=ctx.now,
            created_at=ctx.now,
        )
    )


async def score_computed(ctx: TurnContext, event: flows.ScoreComputed) -> None:
    ctx.session.add(
        Score(
            patient_id=ctx.patient.id,
            session_id=ctx.flow_session.id,
            name=event.name,
            total=int(event.total),
            band=event.band,
            missing=list(event.missing),
            recorded_at=ctx.now,
            created_at=ctx.now,
        )
    )


async def escalation_requested(ctx: TurnContext, event: flows.EscalationRequested) -> None:
    """A structured answer (PHQ-9 item 9, the safety question, a red flag) escalates."""
    if ctx.message is None:
        return  # escalations come from replies; a tick carries no answer
    fs = ctx.flow_session
    await open_or_join(
        ctx.session,
        ctx.services.escalation,
        patient=ctx.patient,
        message=ctx.message,
        now=ctx.now,
        kind=event.risk,
        reasons=[f"flow:{fs.flow_id}:{event.step_id}", event.reason],
        # In the clinician's words (the flow's own reason), not step ids.
        detail=f'answered "{ctx.message.body[:160]}" ({event.reason}).',
    )


async def ignore(ctx: TurnContext, event: flows.Event) -> None:
    """Recorded in the session state already; nothing to send or store."""


Handler = Callable[[TurnContext, Any], Awaitable[None]]

HANDLERS: dict[type[flows.Event], Handler] = {
    flows.QuestionAsked: question_asked,
    flows.MessageSaid: message_said,
    flows.AnswerRejected: answer_rejected,
    flows.ReminderDue: reminder_due,
    flows.AnswerRecorded: answer_recorded,
    flows.ScoreComputed: score_computed,
    flows.EscalationRequested: escalation_requested,
    flows.FlowStarted: ignore,
    flows.StepSkipped: ignore,
    flows.FlowCompleted: ignore,
    flows.FlowExpired: ignore,
    flows.FlowAborted: ignore,
}


async def apply(ctx: TurnContext, events: list[flows.Event]) -> None:
    for event in events:
        await HANDLERS[type(event)](ctx, event)
