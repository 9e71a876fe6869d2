"""Dispatcher throughput: N due check-ins on PostgreSQL, sent by 1 and 3 worker processes.

Seeds N patients, each with one daily check-in due now (and PHQ-9 and GAD-7
planned weeks out), starts `checkin worker` processes against the fake Twilio API
(real twilio client, loopback HTTP), and waits until every first question has
reached the fake. Prints total time, check-ins per second (overall, and after the
first delivery), duplicates at the provider (must be 0), and each check-in's wait
from the workers' start to its arrival at the provider.

With `--probes K`, a `checkin serve` process (web app; its own dispatcher idle) runs
beside the workers, and once the check-ins are going out, K patients whose check-ins
are in the run each text "I want to kill myself", one every half second, as signed
Twilio webhooks. It prints how long each webhook took to answer and how long until
the on-call clinician's page reached the provider: what a patient who writes during
the clinic's 09:00 batch waits for, while the batches hold their patients' rows.

`--batch-size` sets the workers' DISPATCH_BATCH_SIZE, to measure that trade-off.

    .venv/bin/python bench/dispatch.py [--rows 100000] [--workers 1 3] [--probes 40]
        [--batch-size 100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.escalation_latency import free_port, percentile  # noqa: E402
from bot.config import Settings  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.fakes.server import BackgroundServer  # noqa: E402
from tests.fakes.twilio_api import FakeTwilio, SentSms  # noqa: E402
from tests.workers import (  # noqa: E402
    CHECKIN,
    phone,
    seed_due_checkins,
    seed_on_call,
    start_worker,
    worker_env,
)

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


# Not one of the seeded patients' numbers (+1415 2000000 onwards).
ON_CALL = "+14159990001"
PROBE_EVERY = 0.5  # seconds between two patients' messages


async def seed(url: str, rows: int, due: datetime) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    await seed_due_checkins(engine, rows, due)
    await seed_on_call(engine, ON_CALL)
    await engine.dispose()


class Probes:
    """Patients texting a risk message while the batch goes out, from a thread."""

    def __init__(self, count: int, rows: int, base: str, fake: FakeTwilio) -> None:
        self.count, self.base, self.fake = count, base, fake
        self.patients = random.Random(11).sample(range(rows), min(count, rows))
        self.sent_at: dict[int, float] = {}
        self.answered: list[float] = []
        self.errors = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        validator = RequestValidator(self.fake.auth_token)
        url = self.base + "/webhooks/twilio/sms"
        while not self.fake.sent:  # until the check-ins are going out
            time.sleep(0.05)
        with httpx.Client(base_url=self.base, timeout=60) as http:
            for n, patient in enumerate(self.patients):
                params = {
                    "MessageSid": f"SM{uuid.uuid4().hex}",
                    "From": phone(patient),
                    "To": "+14152000000",
                    "Body": f"I want to kill myself (probe {n})",
                }
                headers = {"X-Twilio-Signature": validator.compute_signature(url, params)}
                self.sent_at[n] = time.monotonic()
                response = http.post("/webhooks/twilio/sms", data=params, headers=headers)
                self.answered.append((time.monotonic() - self.sent_at[n]) * 1000)
                self.errors += response.status_code != 200
                time.sleep(PROBE_EVERY)

    def report(self) -> None:
        self.thread.join(timeout=60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(self.pages()) < len(self.sent_at):
            time.sleep(0.1)
        pages = self.pages()
        waits = [(at - self.sent_at[n]) * 1000 for n, at in pages.items() if n in self.sent_at]
        print(
            f"  patients texting during the batch: {len(self.sent_at)} risk messages, "
            f"non-200: {self.errors}, pages at the provider: {len(pages)}"
        )
        if self.answered:
            print(
                f"    webhook answered ms: p50 {statistics.median(self.answered):.0f}  "
                f"p95 {percentile(self.answered, 0.95):.0f}  max {max(self.answered):.0f}"
            )
        if waits:
            print(
                f"    message -> page at the provider ms: p50 {statistics.median(waits):.0f}  "
                f"p95 {percentile(waits, 0.95):.0f}  max {max(waits):.0f}"
            )

    def pages(self) -> dict[int, float]:
        found: dict[int, float] = {}
        for message in list(self.fake.sent):
            match = re.search(r"\(probe (\d+)\)", message.body)
            if message.to == ON_CALL and match:
                found.setdefault(int(match.group(1)), message.received_at)
        return found


TICK = os.sysconf("SC_CLK_TCK")


def machine_busy() -> float:
    """CPU seconds all cores spent busy since boot: user, nice, system, irq and softirq
    (not idle, disk waits, time stolen by the hypervisor, nor guests counted twice)."""
    user, nice, system, _idle, _iowait, irq, softirq = (
        int(v) for v in Path("/proc/stat").read_text().split()[1:8]
    )
    return (user + nice + system + irq + softirq) / TICK


def process_cpu(pid: int) -> float:
    """CPU seconds one process has used (user and system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def start_web(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """`checkin serve` for the patients' webhooks; the workers do the dispatching."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web_env = {**env, "PUBLIC_BASE_URL": base, "CHECKIN_TICK_SECONDS": "3600"}
    proc = subprocess.Popen(
        [CHECKIN, "serve", "--port", str(port)],
        env=web_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            if httpx.get(base + "/readyz").status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("checkin serve did not become ready")


def run(
    rows: int,
    workers: int,
    fake: FakeTwilio,
    fake_url: str,
    autovacuum_off: bool,
    args: argparse.Namespace,
) -> None:
    probes = args.probes
    name = f"checkin_dispatch_{uuid.uuid4().hex[:6]}"
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = make_url(BASE).set(drivername="postgresql+asyncpg", database=name)
    url_text = url.render_as_string(hide_password=False)
    due = datetime.now(UTC) - timedelta(seconds=1)
    asyncio.run(seed(url_text, rows, due))
    fake.reset()
    env = worker_env(url_text, fake, fake_url)
    if args.batch_size is not None:
        env["DISPATCH_BATCH_SIZE"] = str(args.batch_size)
    procs: list[subprocess.Popen[bytes]] = []
    probing: Probes | None = None
    probed: frozenset[str] = frozenset()
    if probes:
        web, base = start_web(env)
        procs.append(web)
        probing = Probes(probes, rows, base, fake)
        probing.thread.start()
        probed = frozenset(phone(patient) for patient in probing.patients)
    expected = rows - len(probed)
    start = time.monotonic()
    dispatchers = [start_worker(env) for _ in range(workers)]
    procs += dispatchers
    deadline = start + 600
    analysed = start
    # CPU counted from the first delivery on: the start-up (imports, connections) apart.
    started: tuple[int, float, float, float] | None = None
    try:
        while (done := len(checkins(fake, probed))) < expected and time.monotonic() < deadline:
            if started is None and done:
                cpu = sum(process_cpu(proc.pid) for proc in dispatchers)
                started = (done, machine_busy(), sum(os.times()[:2]), cpu)
            time.sleep(0.2)
            if autovacuum_off and time.monotonic() - analysed > ANALYZE_EVERY:
                asyncio.run(admin("ANALYZE", database=name))
                analysed = time.monotonic()
        finished = (
            len(checkins(fake, probed)),
            machine_busy(),
            sum(os.times()[:2]),
            sum(process_cpu(proc.pid) for proc in dispatchers),
        )
        time.sleep(2)  # give any duplicate a chance to show up
        if probing is not None:
            probing.report()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
    elapsed = time.monotonic() - start
    sent = checkins(fake, probed)
    counts = Counter(m.to for m in sent)
    duplicates = sum(c - 1 for c in counts.values() if c > 1)
    # Every row was due before the workers started (seeding takes a while): the lag is
    # counted from their start, so it is the dispatcher's own, not the seeding's.
    lags = sorted(m.received_at - start for m in sent)
    batch = env.get("DISPATCH_BATCH_SIZE", Settings.model_fields["dispatch_batch_size"].default)
    print(f"{workers} worker(s), {rows} due check-ins on PostgreSQL, batch size {batch}")
    print(f"  delivered {len(counts)} of {expected}; duplicates at the provider: {duplicates}")
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
    if started is not None and finished[0] > started[0]:
        n, machine, bench, dispatching = (b - a for a, b in zip(started, finished, strict=True))
        per = 1000 / n
        print(
            f"  CPU per check-in after start-up: {machine * per:.2f} ms on the machine "
            f"({os.cpu_count()} cores) = workers {dispatching * per:.2f} + this process "
            f"(fake Twilio) {bench * per:.2f} + the rest (PostgreSQL"
            f"{', web' if probes else ''}) {(machine - dispatching - bench) * per:.2f}"
        )
    print(f"  (wall time including shutdown: {elapsed:.1f} s)")
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def checkins(fake: FakeTwilio, probed: frozenset[str]) -> list[SentSms]:
    """What reached the patients, not counting the pages to the clinician on call nor
    the patients who texted a risk message (their crisis message may come first, and
    their open escalation then holds the check-in back)."""
    return [m for m in list(fake.sent) if m.to != ON_CALL and m.to not in probed]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 3])
    parser.add_argument(
        "--probes", type=int, default=0, help="patients who text a risk message during the run"
    )
    parser.add_argument("--batch-size", type=int, default=None, help="DISPATCH_BATCH_SIZE")
    args = parser.parse_args()
    autovacuum_off = asyncio.run(admin("SHOW autovacuum")) == "off"
    if autovacuum_off:
        print(f"(autovacuum is off here: the bench runs ANALYZE every {ANALYZE_EVERY} s)")
    fake = FakeTwilio()
    server = BackgroundServer(fake.app()).start()
    try:
        for workers in args.workers:
            run(args.rows, workers, fake, server.url, autovacuum_off, args)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
