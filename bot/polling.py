"""`checkin serve --polling`: fetch updates with getUpdates, for a machine Telegram cannot call.

Each update takes the same path as a webhook's (`handle_inbound`), and it is
confirmed to Telegram (the next `offset`) only after it is committed, so a
crash or a database error re-fetches it instead of losing it.
"""

from __future__ import annotations

import asyncio

from bot.channels.base import SendError
from bot.channels.telegram import TelegramSender
from bot.channels.telegram_updates import MalformedUpdate, parse_update
from bot.conversation import handle_inbound
from bot.logs import log
from bot.services import Services

WAIT_SECONDS = 25  # long poll: Telegram holds the request open until an update arrives
RETRY_SECONDS = 5.0


async def poll_once(services: Services, sender: TelegramSender, offset: int | None) -> int | None:
    """Fetch and handle one batch; return the offset that confirms what was handled."""
    for raw in await sender.fetch_updates(offset, WAIT_SECONDS):
        update_id = raw.get("update_id")
        try:
            update = parse_update(raw, services.clock())
        except MalformedUpdate:
            log.warning("telegram_update_malformed")
            update = None
        if update is not None:
            result = await handle_inbound(services, update.inbound)
            if not result.duplicate:
                await sender.acknowledge_tap(update)
        if isinstance(update_id, int):
            offset = update_id + 1
    return offset


async def poll_forever(services: Services) -> None:
    """Poll until cancelled; a failed batch is fetched again after a pause."""
    sender = services.senders.get("telegram")
    if not isinstance(sender, TelegramSender):
        return
    offset: int | None = None
    while True:
        try:
            await sender.delete_webhook()  # getUpdates is refused while a webhook is set
            break
        except SendError as exc:
            log.error("telegram_delete_webhook_failed", error=exc.reason)
            await asyncio.sleep(RETRY_SECONDS)
    log.info("telegram_polling_started")
    while True:
        try:
            offset = await poll_once(services, sender, offset)
        except Exception as exc:  # the poller must outlive one bad batch
            log.error("telegram_poll_failed", error=type(exc).__name__)
            await asyncio.sleep(RETRY_SECONDS)
