"""The patient page for a patient with a year of daily check-ins: time to render it.

One patient with 365 daily check-ins (mood, sleep, side effects, the safety question),
52 weekly PHQ-9s, 20 infusions and 730 messages; the page is fetched signed in, through
the whole app (routing, session, queries, outcomes, both charts, the template), with
httpx's in-process transport. Prints p50/p99 per database, and the patients list beside
it with 200 more patients.

    .venv/bin/python bench/patient_page.py [--db sqlite|postgres|both] [--requests N]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._pg import create_database, drop_database  # noqa: E402
from bot.accounts import create_user  # noqa: E402
from bot.app import create_app  # noqa: E402
from bot.bootstrap import build_services  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from bot.config import load_settings  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import (  # noqa: E402
    Answer,
    FlowSession,
    Infusion,
    Message,
    Patient,
    Score,
)

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
PASSWORD = "a long bench password 42"
BASE = "http://127.0.0.1:8000"


async def seed(url: str) -> int:
    engine = make_engine(url)
    await upgrade(engine)
    async with engine.begin() as conn:
        patients = [
            {
                "name": f"Patient {n:03d}",
                "phone": f"+1202555{n:04d}",
                "channel": "sms",
                "timezone": "America/New_York",
                "checkin_time": "09:00",
                "language": "en",
                "status": "active",
                "created_at": NOW - timedelta(days=400),
            }
            for n in range(201)
        ]
        await conn.execute(insert(Patient), patients)
        pid = 1
        start = NOW - timedelta(days=365)
        await conn.execute(
            insert(Infusion),
            [
                {"patient_id": pid, "at": start + timedelta(days=d), "number": i + 1,
                 "status": "done", "created_at": start}
                for i, d in enumerate([0, 3, 7, 10, 14, 17, *range(30, 365, 30)])
            ],
        )  # fmt: skip
        sessions = [
            {"patient_id": pid, "flow_id": "daily-checkin", "flow_version": 1, "state": {},
             "status": "completed", "started_at": start + timedelta(days=d),
             "updated_at": start + timedelta(days=d), "created_at": start + timedelta(days=d)}
            for d in range(365)
        ] + [
            {"patient_id": pid, "flow_id": "phq9", "flow_version": 1, "state": {},
             "status": "completed", "started_at": start + timedelta(days=d, hours=1),
             "updated_at": start + timedelta(days=d, hours=1),
             "created_at": start + timedelta(days=d, hours=1)}
            for d in range(0, 364, 7)
        ]  # fmt: skip
        await conn.execute(insert(FlowSession), sessions)
        answers = []
        for d in range(365):
            at = start + timedelta(days=d, minutes=5)
            for step, value in (("mood", 3 + d % 6), ("sleep", "ok"), ("side_effects", ["none"]),
                                ("safety", "no")):  # fmt: skip
                answers.append(
                    {"patient_id": pid, "session_id": d + 1, "flow_id": "daily-checkin",
                     "flow_version": 1, "step_id": step, "value": value, "raw_text": str(value),
                     "recorded_at": at, "created_at": at}
                )  # fmt: skip
        await conn.execute(insert(Answer), answers)
        await conn.execute(
            insert(Score),
            [
                {"patient_id": pid, "session_id": 366 + w, "name": "phq9",
                 "total": max(3, 21 - w // 2), "band": "moderate", "missing": [],
                 "source": "checkin", "recorded_at": start + timedelta(days=7 * w, hours=2),
                 "created_at": start + timedelta(days=7 * w, hours=2)}
                for w in range(52)
            ],
        )  # fmt: skip
        await conn.execute(
            insert(Message),
            [
                {"patient_id": pid, "direction": "in" if i % 2 else "out", "channel": "sms",
                 "address": "+12025550000", "body": f"message {i}",
                 "created_at": start + timedelta(hours=12 * i)}
                for i in range(730)
            ],
        )  # fmt: skip
    await engine.dispose()
    return pid


async def measure(url: str, label: str, requests: int) -> None:
    patient_id = await seed(url)
    settings = load_settings(_env_file=None, database_url=url, public_base_url=BASE)
    services = build_services(settings, clock=ManualClock(NOW))
    async with services.sessions() as session, session.begin():
        await create_user(session, email="dr@bench.example", password=PASSWORD,
                          role="clinician", clinician_id=None, now=NOW)  # fmt: skip
    app = create_app(services=services, background=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        login = (await http.get("/admin/login")).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', login)
        assert token is not None
        await http.post("/admin/login", data={"email": "dr@bench.example", "password": PASSWORD,
                                              "csrf_token": token.group(1)})  # fmt: skip
        for path, name in ((f"/admin/patients/{patient_id}", "patient page"),
                           ("/admin/patients", "patients list (201)")):  # fmt: skip
            page = await http.get(path)
            assert page.status_code == 200, page.text[:300]
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                await http.get(path)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
            print(
                f"  {label:<10} {name:<20} p50 {statistics.median(times):6.1f} ms   "
                f"p99 {p99:6.1f} ms   ({len(page.content) // 1024} KiB, {requests} requests)"
            )
    await services.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    print("Patient page with a year of daily check-ins (goal: p99 <= 300 ms)")
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            await measure(f"sqlite+aiosqlite:///{tmp}/bench.db", "sqlite", args.requests)
    if args.db in ("postgres", "both"):
        url, name = await create_database("bench_page")
        try:
            await measure(url, "postgres", args.requests)
        finally:
            await drop_database(name)


if __name__ == "__main__":
    asyncio.run(main())
