"""Putting messages on the outbox inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.inserts import insert_ignoring_conflict
from storage.models import OutboxItem, Priority


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
