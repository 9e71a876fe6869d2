"""Inbound SMS webhook throughput beside the persist-and-ack floor, same load, same database.

Runs, one after the other on loopback, for each database kind:

1. the floor (``../shared/perf/floor_app.py``): the least work a correct, no-loss Twilio
   webhook can do (check the signature, commit one row, answer empty TwiML);
2. the service (``checkin serve``: web app, scheduler and outbox worker in one process,
   replies sent to a fake Twilio API over loopback HTTP), with the load generator's From
   numbers enrolled as patients, so every message is a patient's reply: screened (rules
   and the risk model), stored, routed, and answered through the outbox.

Both get the same signed requests from ``../shared/perf/loadgen.py`` (its raw client, closed
loop), and the bench prints each one's requests per second and latency, and the ratio of
the service's throughput to the floor's: a time alone is not stable on a shared 2-core
machine, a ratio measured in one run is.

    .venv/bin/python bench/inbound_vs_floor.py [--db sqlite|postgres|both] [--n 2000]
        [--concurrency 32] [--patients 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.escalation_latency import enroll, free_port, prepare_database  # noqa: E402
from tests.fakes.server import BackgroundServer  # noqa: E402
from tests.fakes.twilio_api import FakeTwilio  # noqa: E402

PERF = ROOT.parent / "shared" / "perf"
SIGN_BASE = "https://checkin.bench.test"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
CHECKIN = str(ROOT / ".venv" / "bin" / "checkin")


def pool(patients: int) -> list[str]:
    out = subprocess.run(
        [PYTHON, str(PERF / "loadgen.py"), "--print-pool", "--from-pool", str(patients)],
        check=True,
        capture_output=True,
        text=True,
    )
    return [line.split(",")[0].strip() for line in out.stdout.splitlines() if line.strip()]


def wait_ready(url: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{url}: the server exited ({proc.returncode})")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url}: not ready after {seconds:.0f} s")


def load(port: int, token: str, args: argparse.Namespace, label: str) -> dict[str, object]:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [
                PYTHON,
                str(PERF / "loadgen.py"),
                "--url",
                f"http://127.0.0.1:{port}/webhooks/twilio/sms",
                "--sign-base",
                SIGN_BASE,
                "--token",
                token,
                "--from-pool",
                str(args.patients),
                "--n",
                str(args.n),
                "--concurrency",
                str(args.concurrency),
                "--client",
                "raw",
                "--label",
                label,
                "--json",
                out.name,
            ],
            check=False,
            stdout=subprocess.DEVNULL,
        )
        figures: dict[str, object] = json.loads(Path(out.name).read_text())
        return figures


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def floor(kind: str, args: argparse.Namespace, tmp: Path) -> dict[str, object]:
    url = prepare_database(kind, tmp / "floor")
    port, token = free_port(), "floor-secret"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PUBLIC_BASE_URL": SIGN_BASE,
        "TWILIO_AUTH_TOKEN": token,
    }
    proc = subprocess.Popen(
        [PYTHON, str(PERF / "floor_app.py"), "--port", str(port), "--reset"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}/", proc)
        return load(port, token, args, f"floor {kind}")
    finally:
        stop(proc)


def service(kind: str, args: argparse.Namespace, tmp: Path) -> dict[str, object]:
    fake = FakeTwilio()
    fake_server = BackgroundServer(fake.app()).start()
    url = prepare_database(kind, tmp / "service")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PUBLIC_BASE_URL": SIGN_BASE,
        "TWILIO_ACCOUNT_SID": fake.account_sid,
        "TWILIO_AUTH_TOKEN": fake.auth_token,
        "TWILIO_FROM_NUMBER": "+14152000000",
        "TWILIO_API_BASE_URL": fake_server.url,
        "INBOUND_SPOOL_PATH": str(tmp / f"spool-{kind}.jsonl"),
        "LOG_FORMAT": "json",
    }
    subprocess.run([CHECKIN, "db", "upgrade"], env=env, check=True, capture_output=True)
    asyncio.run(enroll(url, pool(args.patients)))
    proc = subprocess.Popen(
        [CHECKIN, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}/readyz", proc)
        figures = load(port, fake.auth_token, args, f"service {kind}")
        figures["replies_at_provider"] = len(fake.sent)
        return figures
    finally:
        stop(proc)
        fake_server.stop()


def line(name: str, figures: dict[str, object]) -> str:
    latency = figures["latency_ms"]
    assert isinstance(latency, dict)
    statuses = figures["statuses"]
    return (
        f"  {name:<8} {figures['req_per_s']:>8} req/s   p50 {latency['p50']:>7} ms   "
        f"p99 {latency['p99']:>7} ms   HTTP {statuses}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--patients", type=int, default=100)
    args = parser.parse_args()
    if not (PERF / "loadgen.py").is_file():
        raise SystemExit(f"needs ../shared/perf (loadgen.py, floor_app.py); not found at {PERF}")
    for kind in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "floor").mkdir()
            (Path(tmp) / "service").mkdir()
            low = floor(kind, args, Path(tmp))
            ours = service(kind, args, Path(tmp))
        ratio = float(str(ours["req_per_s"])) / max(float(str(low["req_per_s"])), 1e-9)
        print(f"{kind}: {args.n} signed inbound SMS, concurrency {args.concurrency}, raw client")
        print(line("floor", low))
        print(line("service", ours))
        print(
            f"  ratio {ratio:.2f} of the floor; replies at the provider {ours['replies_at_provider']}"
        )


if __name__ == "__main__":
    main()
