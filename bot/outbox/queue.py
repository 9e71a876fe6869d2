"""Putting messages on the outbox inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.inserts import insert_ignoring_conflict
from storage.models import Message, OutboxItem, Priority


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    channel: str,
    address: str,
    body: str,
    now: datetime,
    purpose: str = "reply",
    priority: int = Priority.REPLY,
    max_attempts: int = 8,
    patient_id: int | None = None,
    clinician_id: int | None = None,
    escalation_id: int | None = None,
    extra: dict[str, Any] | None = None,
) -> int | None:
    """Queue one message; a repeated `key` is ignored (returns None)."""
    return await insert_ignoring_conflict(
        session,
        OutboxItem,
        {
            "idempotency_key": key,
            "channel": channel,
            "address": address,
            "body": body,
            "purpose": purpose,
            "priority": priority,
            "max_attempts": max_attempts,
            "patient_id": patient_id,
            "clinician_id": clinician_id,
            "escalation_id": escalation_id,
            "extra": extra,
            "next_attempt_at": now,
            "created_at": now,
        },
        ["idempotency_key"],
    )


async def reply_to(
    session: AsyncSession,
    message: Message,
    body: str,
    *,
    now: datetime,
    priority: int = Priority.REPLY,
    clinician_id: int | None = None,
) -> int | None:
    """Queue the one reply to an inbound message, on the channel and address it came from."""
    return await enqueue(
        session,
        key=f"reply:{message.id}",
        channel=message.channel,
        address=message.address,
        body=body,
        now=now,
        purpose="reply",
        priority=priority,
        patient_id=message.patient_id,
        clinician_id=clinician_id,
    )
