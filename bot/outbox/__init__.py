"""The durable outbox: every outbound message is a row first, then a send."""

from bot.outbox.queue import enqueue, reply_to
from bot.outbox.worker import OutboxWorker

__all__ = ["OutboxWorker", "enqueue", "reply_to"]
