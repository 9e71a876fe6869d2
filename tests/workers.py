"""Many due check-ins and real `checkin worker` processes against the fake Twilio API:
shared by the multi-process test and bench/dispatch.py."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import Patient, ScheduledCheckin
from tests.fakes.twilio_api import FakeTwilio

ROOT = Path(__file__).resolve().parents[1]
CHECKIN = str(ROOT / ".venv" / "bin" / "checkin")


def phone(i: int) -> str:
    return f"+1415{2000000 + i:07d}"


# What an enrolled patient also has planned: the questionnaires on their cadence, weeks out.
LATER = (("phq9", timedelta(days=7)), ("gad7", timedelta(days=10)))


async def seed_due_checkins(engine: AsyncEngine, rows: int, due: datetime) -> None:
    """`rows` patients, each with one daily check-in due at `due` and their PHQ-9 and
    GAD-7 planned later, in bulk inserts; then the planner's statistics, as autovacuum
    would have them on a clinic's database (a table never analysed gets nested loops)."""
    async with engine.begin() as conn:
        for start in range(0, rows, 5000):
            chunk = range(start, min(rows, start + 5000))
            await conn.execute(
                insert(Patient),
                [
                    {
                        "id": i + 1,
                        "name": f"Patient {i}",
                        "phone": phone(i),
                        "channel": "sms",
                        "timezone": "America/New_York",
                        "checkin_time": "09:00",
                        "language": "en",
                        "status": "active",
                        "created_at": due,
                    }
                    for i in chunk
                ],
            )
            await conn.execute(
                insert(ScheduledCheckin),
                [
                    {
                        "patient_id": i + 1,
                        "kind": "daily",
                        "flow_id": "daily-checkin",
                        "slot": "daily:seeded",
                        "due_at": due,
                        "status": "due",
                        "attempts": 0,
                        "created_at": due,
                    }
                    for i in chunk
                ]
                + [
                    {
                        "patient_id": i + 1,
                        "kind": "cadence",
                        "flow_id": flow_id,
                        "slot": f"{flow_id}:seeded",
                        "due_at": due + after,
                        "status": "due",
                        "attempts": 0,
                        "created_at": due,
                    }
                    for i in chunk
                    for flow_id, after in LATER
                ],
            )
        await conn.execute(text("ANALYZE"))


ON_CALL = "+14152009999"


async def seed_on_call(engine: AsyncEngine, phone: str = ON_CALL) -> None:
    """One clinician, on call as primary since long ago: whom a risky message pages."""
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO clinicians (name, phone, active, created_at) "
                "VALUES ('Bench Primary', :phone, true, CURRENT_TIMESTAMP)"
            ),
            {"phone": phone},
        )
        await conn.execute(
            text(
                "INSERT INTO oncall_shifts (role, clinician_id, starts_at, created_at) "
                "SELECT 'primary', id, '2000-01-01 00:00:00', CURRENT_TIMESTAMP "
                "FROM clinicians WHERE phone = :phone"
            ),
            {"phone": phone},
        )


def worker_env(database_url: str, fake: FakeTwilio, fake_url: str, **extra: str) -> dict[str, str]:
    """A worker's environment: quiet hours off (the run may be at any hour), no send-rate
    cap (the dispatcher is measured, not the carrier), the fake Twilio API."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "TWILIO_ACCOUNT_SID": fake.account_sid,
        "TWILIO_AUTH_TOKEN": fake.auth_token,
        "TWILIO_FROM_NUMBER": "+14152000000",
        "TWILIO_API_BASE_URL": fake_url,
        "CHECKIN_TICK_SECONDS": "0.5",
        "OUTBOX_TICK_SECONDS": "0.5",
        "QUIET_HOURS_START": "00:00",
        "QUIET_HOURS_END": "00:00",
        "SMS_RATE_PER_SECOND": "0",
        # Ticks every half second for a short lag, but the whole-clinic planning sweep
        # only as often as at the default 30 s tick.
        "PLANNING_SWEEP_SECONDS": "30",
        "LOG_FORMAT": "json",
        **extra,
    }


def start_worker(env: dict[str, str], log: IO[bytes] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [CHECKIN, "worker"],
        env=env,
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
    )
