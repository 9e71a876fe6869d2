"""What an inbound message leads to: a table of handlers, tried in order.

Each handler looks at the stored, screened message and either acts on it (and says so)
or passes it on. The order is the safety order:

1. Telegram's ``/start <code>`` linking, unless the text is urgent.
2. A registered clinician's ACK and RESOLVE codes (their messages never page).
3. An urgent screening: crisis resources and a page, whatever else the message is.
4. STOP, START and HELP, the same on every channel.
5. The answer to a pending safety question.
6. The escalation in progress: relayed to its holder, crisis text resent when due.
7. A screening of ``check``: the safety question.
8. An opted-out patient: stored and screened, nothing routine is sent.
9. A picture or voice note with no words.
10. The conversation flow in progress.
11. The fallback: the care team's inbox, or "we could not match your number".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.checkins import runner
from bot.config import Settings
from bot.outbox import reply_to
from bot.phones import mask
from bot.routing import keywords, telegram_link
from bot.safety import acknowledge as ack
from bot.safety import codes, escalation, safety_check
from bot.safety.crisis import crisis_lines
from bot.safety.screening import Level, Screening
from bot.services import Services
from storage.models import (
    Clinician,
    Message,
    Patient,
    PatientStatus,
    Priority,
    SafetyCheck,
    SafetyCheckState,
)


@dataclass
class Inbound:
    """One stored, screened message and what is known of its sender."""

    services: Services
    session: AsyncSession
    message: Message
    screening: Screening
    patient: Patient | None
    clinician: Clinician | None
    now: datetime
    pending: SafetyCheck | None = None  # the safety question awaiting this sender's answer

    async def reply(self, body: str) -> None:
        await reply_to(self.session, self.message, body, now=self.now)


@dataclass(frozen=True)
class Handled:
    """A handler acted on the message; the escalation it opened or joined, if any."""

    escalation_id: int | None = None


Handler = Callable[[Inbound], Awaitable[Handled | None]]


async def route(inbound: Inbound) -> Handled:
    inbound.pending = await safety_check.pending_for(
        inbound.session, address=inbound.message.address
    )
    for handler in HANDLERS:
        handled = await handler(inbound)
        if handled is not None:
            return handled
    raise AssertionError("the fallback handles every message")  # pragma: no cover


async def telegram_start(inbound: Inbound) -> Handled | None:
    if inbound.message.channel != "telegram":
        return None
    reply = await telegram_link.reply_to_start(
        inbound.session, inbound.services, inbound.message, now=inbound.now
    )
    if reply is None or inbound.screening.level == Level.URGENT:
        return None
    await inbound.reply(reply)
    return Handled()


async def clinician_codes(inbound: Inbound) -> Handled | None:
    command = codes.parse_command(inbound.message.body)
    clinician = inbound.clinician
    if clinician is None:
        if command is not None and inbound.screening.level == Level.NONE:
            audit.record(
                inbound.session,
                at=inbound.now,
                actor=f"unknown:{mask(inbound.message.address)}",
                action="ack_rejected",
                why="sender is not a registered clinician",
            )
        return None
    inbound.message.clinician_id = clinician.id
    session, now = inbound.session, inbound.now
    if command is None or command.code is None:
        reply = "To take a page reply ACK <code>; to close it, RESOLVE <code> <note>."
    elif command.verb == "ack":
        reply = await ack.acknowledge(
            session, inbound.services.escalation, clinician=clinician, code=command.code, now=now
        )
    else:
        reply = await ack.resolve(
            session, clinician=clinician, code=command.code, note=command.note, now=now
        )
    await reply_to(
        session, inbound.message, reply, now=now, priority=Priority.PAGE, clinician_id=clinician.id
    )
    return Handled()


async def urgent(inbound: Inbound) -> Handled | None:
    if inbound.screening.level != Level.URGENT:
        return None
    if inbound.pending is not None:
        inbound.pending.state = SafetyCheckState.ESCALATED
    opened = await escalation.open_or_join(
        inbound.session,
        inbound.services.escalation,
        patient=inbound.patient,
        message=inbound.message,
        reasons=list(inbound.screening.reasons),
        now=inbound.now,
    )
    return Handled(opened.id)


async def keyword(inbound: Inbound) -> Handled | None:
    word = keywords.keyword_of(inbound.message.body)
    if word is None:
        return None
    reply = await keywords.apply(
        inbound.session,
        inbound.services.settings,
        patient=inbound.patient,
        message=inbound.message,
        keyword=word,
        now=inbound.now,
    )
    if reply is not None:
        await inbound.reply(reply)
    return Handled()


async def safety_answer(inbound: Inbound) -> Handled | None:
    if inbound.pending is None:
        return None
    await safety_check.answer(
        inbound.session,
        inbound.services.escalation,
        inbound.pending,
        patient=inbound.patient,
        message=inbound.message,
        now=inbound.now,
    )
    return Handled()


async def escalation_in_progress(inbound: Inbound) -> Handled | None:
    session, services, patient, now = (
        inbound.session,
        inbound.services,
        inbound.patient,
        inbound.now,
    )
    open_one = await escalation.unresolved_for(
        session, patient=patient, address=inbound.message.address
    )
    if open_one is None:
        return None
    await escalation.resend_crisis_if_due(
        session, services.escalation, open_one, inbound.message, now=now
    )
    await escalation.relay_to_holder(
        session,
        open_one,
        patient,
        inbound.message,
        now=now,
        telegram=services.escalation.telegram_pages,
    )
    # A questionnaire whose own answer paged (PHQ-9 item 9) goes on to its end, so the
    # score is kept; the clinician holding the escalation sees each reply as well.
    in_flow = await runner.active_session(session, patient) if patient else None
    if patient is not None and in_flow is not None and runner.escalated(services, in_flow):
        await runner.continue_flow(session, services, patient, in_flow, inbound.message, now=now)
    else:
        await inbound.reply("We have passed your message to the clinician.")
    return Handled(open_one.id)


async def safety_question(inbound: Inbound) -> Handled | None:
    if inbound.screening.level != Level.CHECK:
        return None
    await safety_check.ask(
        inbound.session,
        patient=inbound.patient,
        message=inbound.message,
        reasons=list(inbound.screening.reasons),
        window=inbound.services.safety_check_window,
        now=inbound.now,
    )
    return Handled()


async def opted_out(inbound: Inbound) -> Handled | None:
    patient = inbound.patient
    if patient is None or patient.status != PatientStatus.OPTED_OUT:
        return None
    return Handled()  # screened and stored; routine replies stay off until START


def no_text_reply(settings: Settings) -> str:
    """The answer to a picture or voice note with no words."""
    return (
        "Sorry, I can only read text. Please reply in words. If you need help now, "
        f"{crisis_lines(settings.crisis_resources).line}."
    )


async def no_text(inbound: Inbound) -> Handled | None:
    if inbound.message.body.strip():
        return None
    # A picture or voice note with no words: ask for text rather than guess.
    await inbound.reply(no_text_reply(inbound.services.settings))
    return Handled()


async def flow(inbound: Inbound) -> Handled | None:
    patient = inbound.patient
    if patient is None:
        return None
    flow_session = await runner.active_session(inbound.session, patient)
    if flow_session is None:
        return None
    await runner.continue_flow(
        inbound.session, inbound.services, patient, flow_session, inbound.message, now=inbound.now
    )
    return Handled()


async def fallback(inbound: Inbound) -> Handled | None:
    settings = inbound.services.settings
    patient = inbound.patient
    if patient is None:
        phone = f" on {settings.clinic_phone}" if settings.clinic_phone else ""
        await inbound.reply(
            f"This is {settings.clinic_name}'s check-in line. We could not match your "
            f"number. Please call us{phone}. In a crisis, "
            f"{crisis_lines(settings.crisis_resources).line}."
        )
        return Handled()
    # The care team's inbox, as the reply promises (a `review` message is already on the
    # review list).
    inbound.message.for_staff = inbound.screening.level != Level.REVIEW
    await inbound.reply(f"Thank you, {patient.first_name}. Your care team will see your message.")
    return Handled()


HANDLERS: tuple[Handler, ...] = (
    telegram_start,
    clinician_codes,
    urgent,
    keyword,
    safety_answer,
    escalation_in_progress,
    safety_question,
    opted_out,
    no_text,
    flow,
    fallback,
)
