"""Escalation latency: signed inbound SMS -> the page's POST at the (fake) provider.

Runs the real service (`checkin serve`, uvicorn, its own process) on loopback,
with the real twilio client pointed at a local fake Twilio API. Sends N signed
webhooks, a share of them suicidal (each from a different patient, so each
opens its own escalation), and prints latency percentiles from the moment the
webhook is sent to the moment the page reaches the fake provider, plus inbound
throughput and the server's peak memory.

    .venv/bin/python bench/escalation_latency.py [--db sqlite|postgres|both]

PostgreSQL uses TEST_POSTGRES_URL (default: the local server, database test).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.server import BackgroundServer  # noqa: E402
from tests.fakes.twilio_api import FakeTwilio  # noqa: E402
from tests.workers import ON_CALL, seed_on_call  # noqa: E402

BENIGN = [
    "mood is a 6 today",
    "slept ok, a bit of nausea after the infusion",
    "this headache is killing me",
    "feeling better than last week",
    "7/10, thanks",
]
PRIMARY = ON_CALL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def prepare_database(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    base = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    name = f"checkin_bench_{uuid.uuid4().hex[:6]}"
    asyncio.run(_create_pg(base, name))
    return (
        make_url(base)
        .set(drivername="postgresql+asyncpg", database=name)
        .render_as_string(hide_password=False)
    )


async def _create_pg(base: str, name: str) -> None:
    from storage.db import make_engine

    engine = make_engine(
        make_url(base).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    async with engine.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()


async def enroll(url: str, phones: list[str], *, on_call: bool = False) -> None:
    """Active SMS patients with these phones (and the on-call rota, when asked)."""
    from storage.db import make_engine

    engine = make_engine(url)
    if on_call:
        await seed_on_call(engine, PRIMARY)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO patients (name, phone, channel, timezone, checkin_time, language, "
                "status, created_at) VALUES (:name, :phone, 'sms', 'America/New_York', '09:00', "
                "'en', 'active', CURRENT_TIMESTAMP)"
            ),
            [{"name": f"Patient {i}", "phone": phone} for i, phone in enumerate(phones)],
        )
    await engine.dispose()


async def seed(url: str, patients: int) -> None:
    await enroll(url, [f"+1415200{i:04d}" for i in range(patients)], on_call=True)


async def load(port: int, fake: FakeTwilio, n: int, risky_share: float, concurrency: int) -> None:
    base = f"http://127.0.0.1:{port}"
    validator = RequestValidator(fake.auth_token)
    rng = random.Random(7)
    plan = []
    for i in range(n):
        risky = rng.random() < risky_share
        body = f"I want to kill myself [{i}]" if risky else rng.choice(BENIGN)
        plan.append((i, risky, body))
    sent_at: dict[int, float] = {}
    limit = asyncio.Semaphore(concurrency)
    errors = 0

    async def one(http: httpx.AsyncClient, i: int, body: str) -> None:
        nonlocal errors
        params = {
            "MessageSid": f"SM{uuid.uuid4().hex}",
            "From": f"+1415200{i:04d}",
            "To": "+14152000000",
            "Body": body,
        }
        signature = validator.compute_signature(base + "/webhooks/twilio/sms", params)
        async with limit:
            sent_at[i] = time.monotonic()
            response = await http.post(
                "/webhooks/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
            )
            if response.status_code != 200:
                errors += 1

    start = time.monotonic()
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        await asyncio.gather(*(one(http, i, body) for i, _, body in plan))
    elapsed = time.monotonic() - start
    risky_ids = {i for i, risky, _ in plan if risky}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pages = [m for m in fake.sent if m.to == PRIMARY]
        if len(pages) >= len(risky_ids):
            break
        await asyncio.sleep(0.05)
    latencies = []
    for page in (m for m in fake.sent if m.to == PRIMARY):
        tag = page.body.split("[", 1)[1].split("]", 1)[0] if "[" in page.body else None
        if tag is not None and int(tag) in sent_at:
            latencies.append((page.received_at - sent_at[int(tag)]) * 1000)
    print(
        f"  inbound: {n} webhooks in {elapsed:.2f} s = {n / elapsed:.0f} msg/s, non-200: {errors}"
    )
    print(f"  pages: {len(latencies)} of {len(risky_ids)} risky messages reached the provider")
    if latencies:
        print(
            "  webhook -> page latency ms: "
            f"p50 {statistics.median(latencies):.1f}  p95 {percentile(latencies, 0.95):.1f}  "
            f"p99 {percentile(latencies, 0.99):.1f}  max {max(latencies):.1f}"
        )


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(kind: str, args: argparse.Namespace) -> None:
    fake = FakeTwilio()
    fake_server = BackgroundServer(fake.app()).start()
    with tempfile.TemporaryDirectory() as tmp:
        url = prepare_database(kind, Path(tmp))
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "TWILIO_ACCOUNT_SID": fake.account_sid,
            "TWILIO_AUTH_TOKEN": fake.auth_token,
            "TWILIO_FROM_NUMBER": "+14152000000",
            "TWILIO_API_BASE_URL": fake_server.url,
            "LOG_FORMAT": "json",
        }
        checkin = str(ROOT / ".venv" / "bin" / "checkin")
        subprocess.run([checkin, "db", "upgrade"], env=env, check=True, capture_output=True)
        asyncio.run(seed(url, args.messages))
        server = subprocess.Popen(
            [checkin, "serve", "--port", str(port), "--workers", str(args.workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            print(
                f"{kind}: {args.messages} messages, {args.risky:.0%} risky, "
                f"concurrency {args.concurrency}"
            )
            if os.environ.get("BENCH_PROFILE"):
                subprocess.Popen(
                    [
                        str(ROOT / ".venv" / "bin" / "py-spy"),
                        "record",
                        "-o",
                        os.environ["BENCH_PROFILE"],
                        "-f",
                        "raw",
                        "-p",
                        str(server.pid),
                        "-d",
                        "6",
                        "-r",
                        "50",
                    ]
                )
            asyncio.run(load(port, fake, args.messages, args.risky, args.concurrency))
            print(f"  server peak RSS: {peak_rss_mib(server.pid):.0f} MiB")
        finally:
            server.terminate()
            server.wait(timeout=10)
            fake_server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--risky", type=float, default=0.3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL)")
    args = parser.parse_args()
    for kind in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        run(kind, args)


if __name__ == "__main__":
    main()
