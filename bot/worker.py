"""`checkin worker`: the dispatcher, safety timers and outbox without the web app.

Any number of workers can run beside any number of web processes on one
PostgreSQL: every piece of work is a row claimed with SKIP LOCKED.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal

from bot.bootstrap import Services
from bot.logs import log
from bot.scheduler import build_scheduler


async def run_worker(services: Services) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
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
        services.outbox.stop()  # let in-flight sends finish and be recorded
        try:
            await asyncio.wait_for(sender, timeout=15)
        except TimeoutError:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
        await services.close()
        log.info("worker_stopped")
