"""`Services`: everything a request, a sweep or a command works with, built once.

The composition root (``bot/bootstrap.py``) builds it from settings; this module only
describes it, so the code that uses services imports nothing that builds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

if TYPE_CHECKING:
    import flows
    from bot.channels.base import Sender
    from bot.clock import Clock
    from bot.config import Settings
    from bot.inbound_spool import InboundSpool
    from bot.outbox import OutboxWorker
    from bot.safety.escalation import EscalationSettings
    from bot.safety.screener import Screener


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    senders: Mapping[str, Sender]
    outbox: OutboxWorker
    escalation: EscalationSettings
    safety_check_window: timedelta
    flows: flows.FlowLibrary
    spool: InboundSpool  # where INBOUND_SPOOL_PATH points; only build_services makes one
    screener: Screener
    extras: dict[str, object] = field(default_factory=dict)

    async def close(self) -> None:
        for sender in self.senders.values():
            aclose = getattr(sender, "aclose", None)
            if aclose is not None:
                await aclose()
        await self.engine.dispose()
