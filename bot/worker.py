"""`checkin worker`: the dispatcher, safety timers and outbox without the web app.

Any number of workers can run beside any number of web processes on one
PostgreSQL: every piece of work is a row claimed with SKIP LOCKED.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal

from bot import flow_versions
from bot.logs import log
from bot.scheduler import build_scheduler
from bot.services import Services

STOP_GRACE_SECONDS = 15


async def stop_outbox(services: Services, sender: asyncio.Task[None]) -> None:
    """Let in-flight sends finish and be recorded; cancel only if that takes too long.

    Cancelling a send mid-transaction can leave a database connection half
    closed, which on SQLite's single connection hangs the shutdown.
    """
    services.outbox.stop()
    try:
        await asyncio.wait_for(sender, timeout=STOP_GRACE_SECONDS)
    except TimeoutError:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender


async def run_worker(services: Services) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await flow_versions.sync_or_log(services)
    scheduler = build_scheduler(services)
    scheduler.start()
    sender = asyncio.create_task(
        services.outbox.run_forever(services.settings.outbox_tick_seconds), name="outbox"
    )
    log.info("worker_started")
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        await stop_outbox(services, sender)
        await services.close()
        log.info("worker_stopped")
