"""The durable outbox: every outbound message is a row first, then a send."""

from bot.outbox.queue import enqueue
from bot.outbox.worker import OutboxWorker

__all__ = ["OutboxWorker", "enqueue"]
