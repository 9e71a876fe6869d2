"""Which channel a page takes, and where it goes when that channel fails for good.

A clinician who linked a Telegram chat is paged there first: the page
carries an Acknowledge button, one tap instead of typing a code. A page (or
a crisis message to a patient) that fails for good on one channel is sent
again on the person's other channel; when no channel is left, the ladder
moves to the next rung at once instead of waiting out the rung's minutes,
and a crisis message nobody could deliver is told to every clinician paged
for the escalation (they must reach the patient another way), with an audit
row.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.channels.base import SendError
from bot.logs import log
from bot.outbox import enqueue
from storage.models import (
    Clinician,
    Escalation,
    EscalationPage,
    EscalationState,
    OutboxItem,
    Patient,
    Priority,
)

ACK_LABEL = "Acknowledge"
FALLBACK_PURPOSES = ("page", "crisis", "relay", "alert")
ESCALATION_PURPOSES = ("page", "crisis", "relay")  # nothing to do once it is resolved
VIA = ":via:"  # marks a fallback's idempotency key: a fallback never falls back again

Route = tuple[str, str, dict[str, Any] | None]  # channel, address, outbox extra


def ack_buttons(code: str) -> dict[str, Any]:
    """The button whose tap sends `ACK <code>`, exactly as typing it would."""
    return {"buttons": [[ACK_LABEL, f"ACK {code}"]]}


def page_route(clinician: Clinician, escalation: Escalation, *, telegram: bool) -> Route:
    """Telegram first for a clinician with a linked chat (when Telegram is on), else SMS."""
    if telegram and clinician.telegram_chat_id:
        return "telegram", clinician.telegram_chat_id, _buttons_for(escalation)
    return "sms", clinician.phone, None


def clinician_route(clinician: Clinician, *, telegram: bool) -> tuple[str, str]:
    """Where any other message to a clinician goes (a relay, an alert): the same route as
    their pages, and the same fallback to the other channel when it fails for good."""
    if telegram and clinician.telegram_chat_id:
        return "telegram", clinician.telegram_chat_id
    return "sms", clinician.phone


class FallbackOnFailure:
    """An outbox failure hook: re-send a failed page or crisis message on the other channel."""

    def __init__(self, channels: Iterable[str]) -> None:
        self._channels = frozenset(channels)

    async def __call__(
        self, session: AsyncSession, item: OutboxItem, error: SendError, now: datetime
    ) -> None:
        if item.purpose not in FALLBACK_PURPOSES:
            return
        escalation = None
        if item.escalation_id is not None:
            escalation = await session.get(Escalation, item.escalation_id)
        if item.purpose in ESCALATION_PURPOSES and (
            escalation is None or escalation.state == EscalationState.RESOLVED
        ):
            return
        route = None if VIA in item.idempotency_key else await self._other(session, item)
        if route is None:
            if escalation is not None and item.purpose == "page":
                await _move_ladder_on(session, item, escalation, now)
            elif escalation is not None and item.purpose == "crisis":
                await _crisis_undeliverable(session, item, escalation, error, now)
            else:
                log.error("send_failed_no_other_channel", item=item.id, purpose=item.purpose)
            return
        channel, address, extra = route
        new_id = await enqueue(
            session,
            key=f"{item.idempotency_key}{VIA}{channel}",
            channel=channel,
            address=address,
            body=item.body,
            now=now,
            purpose=item.purpose,
            priority=item.priority,
            max_attempts=item.max_attempts,
            patient_id=item.patient_id,
            clinician_id=item.clinician_id,
            escalation_id=item.escalation_id,
            extra=extra if item.purpose == "page" and channel == "telegram" else None,
        )
        if new_id is None:
            return
        first = await _page_row(session, item) if escalation is not None else None
        if escalation is not None and first is not None:
            session.add(
                EscalationPage(
                    escalation_id=escalation.id,
                    clinician_id=first.clinician_id,
                    role=first.role,
                    round=first.round,
                    channel=channel,
                    outbox_item_id=new_id,
                    created_at=now,
                )
            )
        audit.record(
            session,
            at=now,
            actor="system",
            action=f"{item.purpose}_fallback",
            subject=f"escalation:{escalation.id}"
            if escalation is not None
            else f"clinician:{item.clinician_id}",
            from_channel=item.channel,
            to_channel=channel,
            error=error.reason[:200],
        )
        log.warning(
            "send_fallback", item=item.id, purpose=item.purpose, to_channel=channel, new_item=new_id
        )

    async def _other(self, session: AsyncSession, item: OutboxItem) -> Route | None:
        person: Clinician | Patient | None = None
        if item.clinician_id is not None:
            person = await session.get(Clinician, item.clinician_id)
        elif item.patient_id is not None:
            person = await session.get(Patient, item.patient_id)
        if person is None:
            return None
        if item.channel == "sms" and "telegram" in self._channels and person.telegram_chat_id:
            escalation = (
                await session.get(Escalation, item.escalation_id)
                if item.escalation_id is not None and item.purpose == "page"
                else None
            )
            buttons = _buttons_for(escalation) if escalation is not None else None
            return "telegram", person.telegram_chat_id, buttons
        if item.channel == "telegram" and "sms" in self._channels:
            return "sms", person.phone, None
        return None


def _buttons_for(escalation: Escalation) -> dict[str, Any] | None:
    # Once acknowledged, a re-page asks for RESOLVE with a note: no button for that.
    return ack_buttons(escalation.code) if escalation.state == EscalationState.OPEN else None


async def _page_row(session: AsyncSession, item: OutboxItem) -> EscalationPage | None:
    return await session.scalar(
        select(EscalationPage).where(EscalationPage.outbox_item_id == item.id)
    )


async def _move_ladder_on(
    session: AsyncSession, item: OutboxItem, escalation: Escalation, now: datetime
) -> None:
    """Every channel to this rung's clinician failed: page the next rung on the next tick."""
    page = await _page_row(session, item)
    if page is None or escalation.state != EscalationState.OPEN:
        return
    current = escalation.ladder["levels"][escalation.level_index]["target"]
    if page.round != escalation.round or page.role != current:
        return  # a stale page from a rung the ladder has already left
    if escalation.next_page_at is None or escalation.next_page_at > now:
        escalation.next_page_at = now
    audit.record(
        session,
        at=now,
        actor="system",
        action="page_undeliverable",
        subject=f"escalation:{escalation.id}",
        clinician=page.clinician_id,
    )
    log.warning("page_undeliverable", escalation=escalation.id, clinician=page.clinician_id)


async def _crisis_undeliverable(
    session: AsyncSession, item: OutboxItem, escalation: Escalation, error: SendError, now: datetime
) -> None:
    """No channel could take the patient's crisis message: the paged clinicians must know."""
    audit.record(
        session,
        at=now,
        actor="system",
        action="crisis_undeliverable",
        subject=f"escalation:{escalation.id}",
        channel=item.channel,
        error=error.reason[:200],
    )
    log.error("crisis_undeliverable", escalation=escalation.id, channel=item.channel)
    paged = await session.scalars(
        select(Clinician)
        .join(EscalationPage, EscalationPage.clinician_id == Clinician.id)
        .where(EscalationPage.escalation_id == escalation.id)
        .distinct()
    )
    body = (
        f"Code {escalation.code}: the crisis message to {item.address} could NOT be delivered"
        f" ({error.reason[:80]}). Please reach the patient another way."
    )
    for clinician in paged:
        channel, address, _ = page_route(clinician, escalation, telegram=False)
        await enqueue(
            session,
            key=f"crisis-undelivered:{item.id}:{clinician.id}",
            channel=channel,
            address=address,
            body=body,
            now=now,
            purpose="relay",
            priority=Priority.PAGE,
            clinician_id=clinician.id,
            escalation_id=escalation.id,
        )
