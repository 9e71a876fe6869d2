"""Dispatcher throughput: N due check-ins on PostgreSQL, sent by 1 and 3 worker processes.

Seeds N patients, each with one daily check-in due now (and PHQ-9 and GAD-7
planned weeks out), starts `checkin worker` processes against the fake Twilio API
(real twilio client, loopback HTTP), and waits until every first question has
reached the fake. Prints total time, check-ins per second (overall, and after the
first delivery), duplicates at the provider (must be 0), and each check-in's wait
from the workers' start to its arrival at the provider.

    .venv/bin/python bench/dispatch.py [--rows 100000] [--workers 1 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storage.db import make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.fakes.server import BackgroundServer  # noqa: E402
from tests.fakes.twilio_api import FakeTwilio  # noqa: E402
from tests.workers import seed_due_checkins, start_worker, worker_env  # noqa: E402

# A clinic's PostgreSQL keeps its planner statistics fresh with autovacuum; where it is
# off (this CI machine), the bench stands in for it, or the plans stay those of an empty
# outbox and the claims sort every pending row.
ANALYZE_EVERY = 10
BASE = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


async def admin(statement: str, database: str | None = None) -> object:
    """Run one statement outside a transaction on the server (or one bench database);
    return its first value, if it returns rows."""
    url = make_url(BASE).set(drivername="postgresql+asyncpg")
    if database is not None:
        url = url.set(database=database)
    engine = make_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        result = await conn.execute(text(statement))
        value = result.scalar() if result.returns_rows else None
    await engine.dispose()
    return value


async def seed(url: str, rows: int, due: datetime) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    await seed_due_checkins(engine, rows, due)
    await engine.dispose()


def run(rows: int, workers: int, fake: FakeTwilio, fake_url: str, autovacuum_off: bool) -> None:
    name = f"checkin_dispatch_{uuid.uuid4().hex[:6]}"
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = make_url(BASE).set(drivername="postgresql+asyncpg", database=name)
    url_text = url.render_as_string(hide_password=False)
    due = datetime.now(UTC) - timedelta(seconds=1)
    asyncio.run(seed(url_text, rows, due))
    fake.reset()
    env = worker_env(url_text, fake, fake_url)
    start = time.monotonic()
    procs = [start_worker(env) for _ in range(workers)]
    deadline = start + 600
    analysed = start
    try:
        while len(fake.sent) < rows and time.monotonic() < deadline:
            time.sleep(0.2)
            if autovacuum_off and time.monotonic() - analysed > ANALYZE_EVERY:
                asyncio.run(admin("ANALYZE", database=name))
                analysed = time.monotonic()
        time.sleep(2)  # give any duplicate a chance to show up
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
    elapsed = time.monotonic() - start
    sent = list(fake.sent)
    counts = Counter(m.to for m in sent)
    duplicates = sum(c - 1 for c in counts.values() if c > 1)
    # Every row was due before the workers started (seeding takes a while): the lag is
    # counted from their start, so it is the dispatcher's own, not the seeding's.
    lags = sorted(m.received_at - start for m in sent)
    print(f"{workers} worker(s), {rows} due check-ins on PostgreSQL")
    print(f"  delivered {len(counts)} of {rows}; duplicates at the provider: {duplicates}")
    finish = (max(m.received_at for m in sent) - start) if sent else float("nan")
    print(f"  time to last delivery {finish:.1f} s = {len(counts) / finish:.0f} check-ins/s")
    if len(sent) > 1:
        first = min(m.received_at for m in sent) - start
        steady = len(counts) / (finish - first)
        print(f"  first delivery after {first:.1f} s (start-up); then {steady:.0f} check-ins/s")
    if lags:
        p99 = lags[min(len(lags) - 1, int(0.99 * len(lags)))]
        print(
            f"  lag workers' start -> provider: p50 {statistics.median(lags):.1f} s, p99 {p99:.1f} s"
        )
    print(f"  (wall time including shutdown: {elapsed:.1f} s)")
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 3])
    args = parser.parse_args()
    autovacuum_off = asyncio.run(admin("SHOW autovacuum")) == "off"
    if autovacuum_off:
        print(f"(autovacuum is off here: the bench runs ANALYZE every {ANALYZE_EVERY} s)")
    fake = FakeTwilio()
    server = BackgroundServer(fake.app()).start()
    try:
        for workers in args.workers:
            run(args.rows, workers, fake, server.url, autovacuum_off)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
