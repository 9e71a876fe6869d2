"""Outbox throughput, and how long a page waits behind a flood of routine messages.

Queues N routine messages, starts one outbox worker (in process, real twilio
client to the fake Twilio API on loopback, no rate limit), queues one page
after the first routine message has left, and prints: routine messages/s,
the page's wait from enqueue to the provider, and where in the send order it
landed.

    .venv/bin/python bench/outbox_throughput.py [--messages 10000] [--db sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._pg import create_database, drop_database  # noqa: E402
from bot.bootstrap import build_services  # noqa: E402
from bot.clock import system_clock  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.logs import configure_logging  # noqa: E402
from bot.outbox import enqueue  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import OutboxItem, Priority  # noqa: E402
from tests.fakes.server import BackgroundServer  # noqa: E402
from tests.fakes.twilio_api import FakeTwilio  # noqa: E402

PAGE_TO = "+14159990000"


async def measure(url: str, n: int, fake: FakeTwilio, fake_url: str) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    now = system_clock()
    async with engine.begin() as conn:
        for start in range(0, n, 5000):
            await conn.execute(
                insert(OutboxItem),
                [
                    {
                        "idempotency_key": f"r{i}",
                        "channel": "sms",
                        "address": f"+1415{i:07d}",
                        "body": f"Hi, how is your mood today? ({i})",
                        "priority": Priority.ROUTINE,
                        "purpose": "checkin",
                        "status": "pending",
                        "attempts": 0,
                        "max_attempts": 6,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                    for i in range(start, min(n, start + 5000))
                ],
            )
    await engine.dispose()
    settings = load_settings(
        _env_file=None,
        database_url=url,
        twilio_account_sid=fake.account_sid,
        twilio_auth_token=fake.auth_token,
        twilio_from_number="+14152000000",
        twilio_api_base_url=fake_url,
        sms_rate_per_second=0,
    )
    services = build_services(settings)
    fake.reset()
    started = time.monotonic()
    worker = asyncio.create_task(services.outbox.run_forever(idle_seconds=0.2))
    while len(fake.sent) < 200:
        await asyncio.sleep(0.005)
    async with services.sessions() as session, session.begin():
        await enqueue(
            session,
            key=f"page:{uuid.uuid4().hex}",
            channel="sms",
            address=PAGE_TO,
            body="URGENT page",
            now=system_clock(),
            purpose="page",
            priority=Priority.PAGE,
        )
    queued = time.monotonic()
    services.outbox.wake()
    while len(fake.sent) < n + 1 and time.monotonic() - started < 600:
        await asyncio.sleep(0.05)
    elapsed = time.monotonic() - started
    services.outbox.stop()
    await worker
    await services.close()
    page = next(m for m in fake.sent if m.to == PAGE_TO)
    position = [m.to for m in fake.sent].index(PAGE_TO)
    print(
        f"  {len(fake.sent) - 1} routine messages in {elapsed:.1f} s = "
        f"{(len(fake.sent) - 1) / elapsed:.0f} messages/s"
    )
    print(
        f"  page queued behind {n - 200:,} routine messages: reached the provider after "
        f"{(page.received_at - queued) * 1000:.0f} ms, as message #{position + 1}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    configure_logging("json", logging.WARNING)  # keep per-message log lines out of the figures
    fake = FakeTwilio()
    server = BackgroundServer(fake.app()).start()
    try:
        if args.db in ("sqlite", "both"):
            with tempfile.TemporaryDirectory() as tmp:
                print("SQLite")
                asyncio.run(
                    measure(f"sqlite+aiosqlite:///{tmp}/o.db", args.messages, fake, server.url)
                )
        if args.db in ("postgres", "both"):
            url, name = asyncio.run(create_database("checkin_outbox"))
            print("PostgreSQL")
            try:
                asyncio.run(measure(url, args.messages, fake, server.url))
            finally:
                asyncio.run(drop_database(name))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
