"""`handle_inbound`: the one path every inbound message takes, whatever its channel.

Screening runs first, on every message, before anything looks at who sent it
or what state they are in. The message row, its screening result, any
escalation and every reply are committed in one transaction, and the outbox
worker is woken right after, so a page leaves within milliseconds and a crash
loses nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit, metrics
from bot.bootstrap import Services
from bot.channels import sms_keywords, telegram_link
from bot.channels.base import InboundMessage
from bot.checkins import runner
from bot.config import Settings
from bot.logs import log
from bot.outbox import reply_to
from bot.phones import mask
from bot.safety import acknowledge as ack
from bot.safety import escalation, safety_check
from bot.safety.crisis import crisis_lines
from bot.safety.screening import Level, Screening
from storage.db import on_postgres
from storage.inserts import insert_ignoring_conflict
from storage.models import (
    Clinician,
    Message,
    Patient,
    PatientStatus,
    Priority,
    SafetyCheckState,
)


def no_text_reply(settings: Settings) -> str:
    """The answer to a picture or voice note with no words."""
    return (
        "Sorry, I can only read text. Please reply in words. If you need help now, "
        f"{crisis_lines(settings.crisis_resources).line}."
    )


@dataclass(frozen=True)
class InboundResult:
    message_id: int | None
    duplicate: bool
    level: str
    escalation_id: int | None = None


async def receive(services: Services, inbound: InboundMessage) -> InboundResult | None:
    """What a webhook calls: handle ``inbound`` within the deadline, or spool it durably.

    None when it was spooled (``bot/inbound_spool.py``): the webhook still answers 200, and
    the message is handled, screened and paged as soon as the database takes it. A late
    attempt is left to finish rather than cancelled (a database driver may not stop until
    its own timeout); if it commits after all, the spooled copy is a duplicate and skipped.
    """
    attempt = asyncio.ensure_future(handle_inbound(services, inbound))
    done, _ = await asyncio.wait({attempt}, timeout=services.settings.inbound_deadline_seconds)
    error = attempt.exception() if done else None
    if done and not isinstance(error, SQLAlchemyError):
        return attempt.result()  # handled, or a failure that is not storage's: raised as before
    services.spool.append(inbound)
    if not done:
        _LATE.add(attempt)
        attempt.add_done_callback(_late_finished)
    log.error(
        "inbound_spooled",
        channel=inbound.channel,
        sender=mask(inbound.address),
        error=type(error).__name__ if error else "deadline",
    )
    return None


# Attempts past their deadline, kept referenced until they end.
_LATE: set[asyncio.Future[InboundResult]] = set()


def _late_finished(attempt: asyncio.Future[InboundResult]) -> None:
    _LATE.discard(attempt)
    if not attempt.cancelled() and attempt.exception() is not None:
        log.warning("inbound_late_attempt_failed", error=type(attempt.exception()).__name__)


async def drain_spool(services: Services) -> int:
    """Handle what the spool kept while the database was unavailable."""
    return await services.spool.drain(lambda inbound: handle_inbound(services, inbound))


async def handle_inbound(services: Services, inbound: InboundMessage) -> InboundResult:
    with metrics.INBOUND_LATENCY.time():
        screening = await services.screener(inbound.text)
        metrics.SCREENED.labels(screening.level.value).inc()
        async with services.sessions() as session, session.begin():
            result = await _handle(services, session, inbound, screening)
        if not result.duplicate:
            services.outbox.wake()
        return result


async def _handle(
    services: Services, session: AsyncSession, inbound: InboundMessage, screening: Screening
) -> InboundResult:
    now = services.clock()
    patient = await _patient_for(session, inbound)
    message_id = await insert_ignoring_conflict(
        session,
        Message,
        {
            "direction": "in",
            "channel": inbound.channel,
            "provider_id": inbound.provider_id,
            "address": inbound.address,
            "patient_id": patient.id if patient else None,
            "body": inbound.text,
            "raw_sha256": inbound.raw_sha256,
            "status": "received",
            "screening_level": screening.level.value,
            "screening_reasons": list(screening.reasons),
            "created_at": now,
        },
        ["channel", "provider_id"],
    )
    if message_id is None:
        log.info("inbound_duplicate", channel=inbound.channel, sender=mask(inbound.address))
        return InboundResult(None, True, screening.level.value)
    metrics.INBOUND.labels(inbound.channel).inc()
    message = await session.get(Message, message_id)
    assert message is not None
    log.info(
        "inbound_stored",
        message=message_id,
        channel=inbound.channel,
        sender=mask(inbound.address),
        level=screening.level.value,
        patient=message.patient_id,
    )
    # Telegram commands (/start <code> linking, /help, /stop): after screening and
    # storing; like SMS keywords they beat `check` but never `urgent`
    # (bot/channels/telegram_link.py).
    telegram_reply = await telegram_link.reply_before_routing(
        session, services, inbound, message, now=now
    )
    if telegram_reply is not None and screening.level != Level.URGENT:
        await _reply(session, message, now, telegram_reply)
        return InboundResult(message_id, False, screening.level.value)
    if patient is None:
        clinician = await _clinician_for(session, inbound)
        command = ack.parse_command(inbound.text)
        if clinician is not None:
            message.clinician_id = clinician.id
            await _clinician_message(services, session, clinician, message, command)
            return InboundResult(message_id, False, screening.level.value)
        if command is not None and screening.level == Level.NONE:
            audit.record(
                session,
                at=now,
                actor=f"unknown:{mask(inbound.address)}",
                action="ack_rejected",
                why="sender is not a registered clinician",
            )
    escalation_id = await _patient_message(services, session, patient, message, screening)
    return InboundResult(message_id, False, screening.level.value, escalation_id)


async def _patient_message(
    services: Services,
    session: AsyncSession,
    patient: Patient | None,
    message: Message,
    screening: Screening,
) -> int | None:
    """Act on a message from a patient, or from a number we do not know."""
    now = services.clock()
    pending = await safety_check.pending_for(session, address=message.address)
    if screening.level == Level.URGENT:
        if pending is not None:
            pending.state = SafetyCheckState.ESCALATED
        opened = await escalation.open_or_join(
            session,
            services.escalation,
            patient=patient,
            message=message,
            reasons=list(screening.reasons),
            now=now,
        )
        return opened.id
    keyword = sms_keywords.keyword_of(message.body) if message.channel == "sms" else None
    if keyword is not None:
        active = await runner.active_session(session, patient) if patient else None
        await sms_keywords.apply_keyword(
            session,
            services.settings,
            patient=patient,
            message=message,
            keyword=keyword,
            now=now,
            active_flow=active,
        )
        return None
    if pending is not None:
        await safety_check.answer(
            session, services.escalation, pending, patient=patient, message=message, now=now
        )
        return None
    open_one = await escalation.unresolved_for(session, patient=patient, address=message.address)
    if open_one is not None:
        await escalation.resend_crisis_if_due(
            session, services.escalation, open_one, message, now=now
        )
        await escalation.relay_to_holder(
            session,
            open_one,
            patient,
            message,
            now=now,
            telegram=services.escalation.telegram_pages,
        )
        # A questionnaire whose own answer paged (PHQ-9 item 9) goes on to its end, so the
        # score is kept; the clinician holding the escalation sees each reply as well.
        in_flow = await runner.active_session(session, patient) if patient else None
        if patient is not None and in_flow is not None and runner.escalated(services, in_flow):
            await runner.continue_flow(session, services, patient, in_flow, message, now=now)
        else:
            await _reply(session, message, now, "We have passed your message to the clinician.")
        return open_one.id
    if screening.level == Level.CHECK:
        await safety_check.ask(
            session,
            patient=patient,
            message=message,
            reasons=list(screening.reasons),
            window=services.safety_check_window,
            now=now,
        )
        return None
    if patient is not None and patient.status == PatientStatus.OPTED_OUT:
        return None  # screened and stored; routine replies stay off until START
    if not message.body.strip():
        # A picture or voice note with no words: ask for text rather than guess.
        await _reply(session, message, now, no_text_reply(services.settings))
        return None
    if patient is not None:
        flow_session = await runner.active_session(session, patient)
        if flow_session is not None:
            await runner.continue_flow(session, services, patient, flow_session, message, now=now)
            return None
    settings = services.settings
    if patient is None:
        phone = f" on {settings.clinic_phone}" if settings.clinic_phone else ""
        await _reply(
            session,
            message,
            now,
            f"This is {settings.clinic_name}'s check-in line. We could not match your "
            f"number. Please call us{phone}. In a crisis, "
            f"{crisis_lines(settings.crisis_resources).line}.",
        )
        return None
    # The care team's inbox, as the reply below promises (a `review` message is already
    # on the review list).
    message.for_staff = screening.level != Level.REVIEW
    await _reply(
        session,
        message,
        now,
        f"Thank you, {patient.first_name}. Your care team will see your message.",
    )
    return None


async def _clinician_message(
    services: Services,
    session: AsyncSession,
    clinician: Clinician,
    message: Message,
    command: ack.ClinicianCommand | None,
) -> None:
    now = services.clock()
    if command is None or command.code is None:
        reply = "To take a page reply ACK <code>; to close it, RESOLVE <code> <note>."
    elif command.verb == "ack":
        reply = await ack.acknowledge(
            session, services.escalation, clinician=clinician, code=command.code, now=now
        )
    else:
        reply = await ack.resolve(
            session, clinician=clinician, code=command.code, note=command.note, now=now
        )
    await reply_to(
        session, message, reply, now=now, priority=Priority.PAGE, clinician_id=clinician.id
    )


async def _reply(session: AsyncSession, message: Message, now: datetime, body: str) -> None:
    await reply_to(session, message, body, now=now)


async def _patient_for(session: AsyncSession, inbound: InboundMessage) -> Patient | None:
    """The sender's patient row, locked: one sender's messages are handled one at a time.

    Two replies arriving together would otherwise both read the same flow state and one
    answer would be lost; two risky texts would both find no open escalation and open
    two (two pages, two crisis texts). On PostgreSQL a transaction-scoped advisory lock on
    the sender's address serialises them, whether or not the number is a patient's (an
    unknown number has no row to lock), and the patient row is locked too (a patient can
    write from a phone and a Telegram chat). SQLite runs on one connection, so its
    transactions are already serial.
    """
    if on_postgres(session):
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:sender, 0))"),
            {"sender": f"{inbound.channel}:{inbound.address}"},
        )
    if inbound.channel == "telegram":
        where = Patient.telegram_chat_id == inbound.address
    else:
        where = Patient.phone == inbound.address
    query = select(Patient).where(where)
    if on_postgres(session):
        query = query.with_for_update()
    return await session.scalar(query)


async def _clinician_for(session: AsyncSession, inbound: InboundMessage) -> Clinician | None:
    if inbound.channel == "telegram":
        where = Clinician.telegram_chat_id == inbound.address
    else:
        where = Clinician.phone == inbound.address
    return await session.scalar(select(Clinician).where(where, Clinician.active.is_(True)))
