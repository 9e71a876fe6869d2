"""Putting messages on the outbox inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NotRequired, TypedDict, Unpack

from sqlalchemy.ext.asyncio import AsyncSession

from storage.inserts import insert_ignoring_conflict, insert_many_ignoring_conflict
from storage.models import Message, OutboxItem, Priority


class OutboxMessage(TypedDict):
    """One outbound message as callers describe it (keyword arguments of `enqueue`)."""

    key: str
    channel: str
    address: str
    body: str
    now: datetime
    purpose: NotRequired[str]
    priority: NotRequired[int]
    max_attempts: NotRequired[int]
    patient_id: NotRequired[int | None]
    clinician_id: NotRequired[int | None]
    escalation_id: NotRequired[int | None]
    extra: NotRequired[dict[str, Any] | None]


def outbox_row(**message: Unpack[OutboxMessage]) -> dict[str, Any]:
    """The outbox row for one message, to insert now or with others (`enqueue_many`)."""
    now = message["now"]
    return {
        "idempotency_key": message["key"],
        "channel": message["channel"],
        "address": message["address"],
        "body": message["body"],
        "purpose": message.get("purpose", "reply"),
        "priority": message.get("priority", Priority.REPLY),
        "max_attempts": message.get("max_attempts", 8),
        "patient_id": message.get("patient_id"),
        "clinician_id": message.get("clinician_id"),
        "escalation_id": message.get("escalation_id"),
        "extra": message.get("extra"),
        "next_attempt_at": now,
        "created_at": now,
    }


async def enqueue(session: AsyncSession, **message: Unpack[OutboxMessage]) -> int | None:
    """Queue one message (see `outbox_row`); a repeated `key` is ignored (returns None)."""
    return await insert_ignoring_conflict(
        session, OutboxItem, outbox_row(**message), ["idempotency_key"]
    )


async def enqueue_many(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Queue many messages in one round trip; repeated keys are ignored."""
    await insert_many_ignoring_conflict(session, OutboxItem, rows, ["idempotency_key"])


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
