"""The full inbound path for a flow reply: store, screen, advance the flow, queue the next question.

In process, through `bot.conversation.handle_inbound` exactly as a webhook
calls it; sending is left out (the outbox is measured by its own benchmark).
Each of N patients starts the daily check-in and answers all of it.

    .venv/bin/python bench/inbound_reply.py [--patients 200] [--db sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._pg import create_database, drop_database  # noqa: E402
from bot.bootstrap import build_services  # noqa: E402
from bot.channels.base import InboundMessage  # noqa: E402
from bot.checkins.runner import start_flow  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.conversation import handle_inbound  # noqa: E402
from bot.logs import configure_logging  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Patient  # noqa: E402

REPLIES = ["about a 7", "ok", "3", "nausea and headache", "no"]


async def measure(url: str, patients: int) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    await engine.dispose()
    services = build_services(load_settings(_env_file=None, database_url=url))
    phones = [f"+1415300{i:04d}" for i in range(patients)]
    async with services.sessions() as session, session.begin():
        for i, phone in enumerate(phones):
            patient = Patient(name=f"Patient {i}", phone=phone, timezone="America/New_York")
            session.add(patient)
            await session.flush()
            await start_flow(session, services, patient, "daily-checkin", now=datetime.now(UTC))
    timings = []
    start = time.perf_counter()
    for reply in REPLIES:
        for phone in phones:
            inbound = InboundMessage(
                "sms", f"SM{uuid.uuid4().hex}", phone, reply, datetime.now(UTC)
            )
            began = time.perf_counter()
            await handle_inbound(services, inbound)
            timings.append((time.perf_counter() - began) * 1000)
    elapsed = time.perf_counter() - start
    timings.sort()
    p99 = timings[int(0.99 * (len(timings) - 1))]
    print(
        f"  {len(timings)} replies: {len(timings) / elapsed:.0f} replies/s sequential, "
        f"p50 {statistics.median(timings):.2f} ms, p99 {p99:.2f} ms per reply"
    )
    await services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    configure_logging("json", logging.WARNING)  # keep per-message log lines out of the figures
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            print("SQLite")
            asyncio.run(measure(f"sqlite+aiosqlite:///{tmp}/reply.db", args.patients))
    if args.db in ("postgres", "both"):
        url, name = asyncio.run(create_database("checkin_reply"))
        print("PostgreSQL")
        try:
            asyncio.run(measure(url, args.patients))
        finally:
            asyncio.run(drop_database(name))


if __name__ == "__main__":
    main()
