"""The sandbox channel: delivery is the outbound row itself, shown at /sandbox."""

from __future__ import annotations

import uuid

from bot.channels.base import OutboundMessage


class SandboxSender:
    """Accept every message; the sandbox page reads them from the messages table."""

    async def send(self, message: OutboundMessage) -> str:
        return f"SB{uuid.uuid4().hex}"
