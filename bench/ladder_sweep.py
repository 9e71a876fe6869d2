"""Ladder sweep: how long one safety tick takes with many escalations due at once.

Opens N escalations (default 1,000, one per patient, through the service's own
`open_or_join`), then time-travels a ManualClock past each rung's wait and times
`tick_safety` (the scheduler's safety tick: every due escalation pages its next
rung, in batches of 500, one transaction each) over T ticks. The rota is a shift
for `primary`, a weekly rotation for `backup` and nobody for `director` (an empty
rung, skipped), so each sweep resolves all three kinds of target. With `--voice`
the ladder also rings from round 2. Pages are only queued, not sent: this times the
sweep, not the provider.

    .venv/bin/python bench/ladder_sweep.py [--db sqlite|postgres|both] [--open 1000]
        [--ticks 20] [--voice]

PostgreSQL uses TEST_POSTGRES_URL (default: the local server, database test).

Measured on 2026-11-27, 2 shared cores, load average 1-3, 1,000 due per tick, 10 ticks:
tick p50 / p99 SQLite 1,535 / 1,672 ms, PostgreSQL 1,278 / 1,419 ms (with --voice:
2,992 / 3,243 and 2,096 / 2,438 ms). The sweep before per-batch prefetching and the
per-sweep target memo: SQLite 8,657 / 10,503 ms, PostgreSQL 6,231 / 7,040 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import structlog

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._pg import create_database, drop_database  # noqa: E402
from bot.bootstrap import build_services  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.logs import configure_logging  # noqa: E402
from bot.safety.escalation import open_or_join  # noqa: E402
from bot.scheduler import tick_safety  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import (  # noqa: E402
    Clinician,
    Message,
    OnCallRotation,
    OnCallShift,
    Patient,
)

START = datetime(2026, 11, 27, 15, tzinfo=UTC)
VOICE_LADDER = """
levels:
  - {target: primary, wait_minutes: 5}
  - {target: backup, wait_minutes: 5}
  - {target: director, wait_minutes: 5}
voice_after_rounds: 1
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def seed(services_url: str, n: int, ladder: Path | None) -> list[float]:
    clock = ManualClock(START)
    settings = load_settings(
        _env_file=None,
        database_url=services_url,
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="bench-token",  # noqa: S106 - nothing is sent
        twilio_from_number="+14152000000",
        escalation_ladder=ladder,
    )
    services = build_services(settings, clock=clock)
    try:
        async with services.sessions() as session, session.begin():
            primary = Clinician(name="Bench Primary", phone="+14152009991")
            backups = [
                Clinician(name=f"Bench Backup {i}", phone=f"+1415200999{i + 2}") for i in range(3)
            ]
            session.add_all([primary, *backups])
            await session.flush()
            session.add(
                OnCallShift(
                    role="primary", clinician_id=primary.id, starts_at=START - timedelta(days=1)
                )
            )
            session.add(
                OnCallRotation(
                    role="backup",
                    clinician_ids=[b.id for b in backups],
                    handover_weekday=0,
                    handover_time="09:00",
                    timezone="America/New_York",
                    starts_at=START - timedelta(days=30),
                )
            )
        async with services.sessions() as session, session.begin():
            for i in range(n):
                patient = Patient(
                    name=f"Patient {i}", phone=f"+1415300{i:04d}", timezone="America/New_York"
                )
                session.add(patient)
                await session.flush()
                message = Message(
                    direction="in",
                    channel="sms",
                    provider_id=f"SMbench{i}",
                    address=patient.phone,
                    patient_id=patient.id,
                    body="I want to kill myself",
                    created_at=START,
                )
                session.add(message)
                await session.flush()
                await open_or_join(
                    session,
                    services.escalation,
                    patient=patient,
                    message=message,
                    reasons=["direct_ideation"],
                    now=START,
                )
        timings = []
        for _ in range(TICKS):
            clock.advance(minutes=5, seconds=1)
            began = time.perf_counter()
            moved = await tick_safety(services)
            timings.append((time.perf_counter() - began) * 1000)
            if moved != n:
                print(f"  ! a tick moved {moved} of {n} due escalations")
        return timings
    finally:
        await services.close()


TICKS = 20


async def run(kind: str, n: int, voice: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ladder = None
        if voice:
            ladder = Path(tmp) / "ladder.yaml"
            ladder.write_text(VOICE_LADDER, encoding="utf-8")
        name = None
        if kind == "sqlite":
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        else:
            url, name = await create_database("checkin_sweep")
        try:
            engine = make_engine(url)
            await upgrade(engine)
            await engine.dispose()
            timings = await seed(url, n, ladder)
        finally:
            if name is not None:
                await drop_database(name)
    per = [t / n * 1000 for t in timings]
    print(
        f"{kind}: {n} open escalations due every tick, {len(timings)} ticks"
        f"{' (voice from round 2)' if voice else ''}"
    )
    print(
        f"  tick (sweep all due) ms: p50 {statistics.median(timings):.0f}  "
        f"p99 {percentile(timings, 0.99):.0f}  max {max(timings):.0f}"
    )
    print(f"  per escalation us: p50 {statistics.median(per):.0f}  p99 {percentile(per, 0.99):.0f}")


def main() -> None:
    global TICKS
    # Logs are still rendered (their cost is part of a sweep) but not printed.
    configure_logging("json")
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(open(os.devnull, "w")))  # noqa: SIM115
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--open", type=int, default=1000, help="open escalations")
    parser.add_argument("--ticks", type=int, default=TICKS)
    parser.add_argument("--voice", action="store_true", help="ladder rings from round 2")
    args = parser.parse_args()
    TICKS = args.ticks
    for kind in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        asyncio.run(run(kind, args.open, args.voice))


if __name__ == "__main__":
    main()
