"""Recording who did what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent


def record(
    session: AsyncSession,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str | None = None,
    **detail: Any,
) -> None:
    session.add(
        AuditEvent(at=at, actor=actor, action=action, subject=subject, detail=detail or None)
    )
