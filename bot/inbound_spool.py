"""A durable local spool for inbound messages the database cannot take right now.

Twilio waits 15 s for a webhook's answer and does not retry a message it got no answer
for, so a webhook stuck behind a busy database (SQLite held by a long write, a PostgreSQL
failover) would lose the message, and with it a page. ``conversation.receive`` gives the
database ``INBOUND_DEADLINE_SECONDS``; past that, or on a database error, the message is
appended to an fsync'd JSON-lines file here and the webhook answers 200. ``drain`` (the
scheduler's ``spool`` tick, every outbox tick) replays spooled messages through
``handle_inbound`` in arrival order; the provider id keeps a message that did commit
after all from being handled twice. A message that still fails stays for the next drain.

One spool per process; it holds bodies, so it lives beside the database, not in logs.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot import metrics
from bot.channels.base import InboundMessage
from bot.logs import log

__all__ = ["InboundSpool"]


class InboundSpool:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, inbound: InboundMessage) -> None:
        """Write one message and fsync it before the webhook answers."""
        line = json.dumps(
            {
                "channel": inbound.channel,
                "provider_id": inbound.provider_id,
                "address": inbound.address,
                "text": inbound.text,
                "received_at": inbound.received_at.isoformat(),
                "media_count": inbound.media_count,
            }
        )
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        metrics.SPOOLED.inc()

    def pending(self) -> list[InboundMessage]:
        with self._lock:
            if not self.path.exists():
                return []
            lines = self.path.read_text(encoding="utf-8").splitlines()
        out = []
        for line in lines:
            if line.strip():
                row = json.loads(line)
                row["received_at"] = datetime.fromisoformat(row["received_at"])
                out.append(InboundMessage(**row))
        return out

    async def drain(self, handle: Callable[[InboundMessage], Awaitable[object]]) -> int:
        """Handle every spooled message the database now takes; keep the rest."""
        waiting = self.pending()
        if not waiting:
            return 0
        done: set[tuple[str, str]] = set()
        for inbound in waiting:
            try:
                await handle(inbound)
            except SQLAlchemyError:
                break  # still unavailable: keep this one and the rest, in order
            done.add((inbound.channel, inbound.provider_id))
        self._rewrite(done)
        if done:
            log.warning("inbound_spool_drained", handled=len(done), left=len(waiting) - len(done))
        return len(done)

    def _rewrite(self, done: set[tuple[str, str]]) -> None:
        """Drop handled messages, keeping any appended meanwhile (atomic rename)."""
        with self._lock:
            rows = [
                line for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()
            ]
            keep = [line for line in rows if _key(json.loads(line)) not in done]
            fresh = self.path.with_suffix(".tmp")
            with fresh.open("w", encoding="utf-8") as handle:
                handle.write("".join(line + "\n" for line in keep))
                handle.flush()
                os.fsync(handle.fileno())
            fresh.replace(self.path)


def _key(row: dict[str, object]) -> tuple[str, str]:
    return str(row["channel"]), str(row["provider_id"])
