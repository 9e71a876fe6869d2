"""`handle_inbound`: the one path every inbound message takes, whatever its channel.

Screening and storing happen here; what the message then leads to is the table of
handlers in ``bot/routing/routes.py``.

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

from bot import metrics
from bot.channels.base import InboundMessage
from bot.logs import log
from bot.phones import mask
from bot.routing import routes
from bot.safety.screening import Screening
from bot.services import Services
from storage.db import on_postgres
from storage.inserts import insert_ignoring_conflict
from storage.models import Clinician, Message, Patient


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
    message_id = await _store(session, inbound, screening, patient, now)
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
    clinician = await _clinician_for(session, inbound) if patient is None else None
    handled = await routes.route(
        routes.Inbound(services, session, message, screening, patient, clinician, now)
    )
    return InboundResult(message_id, False, screening.level.value, handled.escalation_id)


async def _store(
    session: AsyncSession,
    inbound: InboundMessage,
    screening: Screening,
    patient: Patient | None,
    now: datetime,
) -> int | None:
    """Insert the inbound row with its screening; None when the provider id is a repeat."""
    return await insert_ignoring_conflict(
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
