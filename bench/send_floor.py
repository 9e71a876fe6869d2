"""The CPU one Twilio send costs, with no database: the floor under bench/dispatch.py.

Sends N texts through the service's own Twilio sender (the real twilio client,
16 at a time, as the outbox does) to the fake Twilio API on loopback, and prints
the sends per second and the CPU time per send of the client (this process's
main thread) and of the fake (its server thread). Whatever the dispatcher and
the outbox do around a send comes on top of these, on the same cores.

    .venv/bin/python bench/send_floor.py [--sends 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.channels.base import OutboundMessage  # noqa: E402
from bot.channels.twilio_sms import TwilioSender  # noqa: E402
from tests.fakes.server import BackgroundServer  # noqa: E402
from tests.fakes.twilio_api import FakeTwilio  # noqa: E402

CONCURRENCY = 16  # the outbox's sends in flight per lane
BODY = "Hi Alex, how is your mood today from 0 (worst) to 10 (best)?"


async def measure(fake: FakeTwilio, url: str, sends: int) -> None:
    sender = TwilioSender(
        account_sid=fake.account_sid,
        auth_token=fake.auth_token,
        from_number="+14152000000",
        messaging_service_sid=None,
        api_base_url=url,
        status_callback="http://127.0.0.1:8000/webhooks/twilio/status",
    )
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(n: int) -> None:
        message = OutboundMessage(
            channel="sms",
            address=f"+1415{3000000 + n:07d}",
            body=BODY,
            idempotency_key=f"floor:{n}",
            buttons=(),
        )
        async with limit:
            await sender.send(message)

    try:
        await asyncio.gather(*(one(n) for n in range(200)))  # warm the pool
        fake.reset()
        start, client, total = time.perf_counter(), time.thread_time(), time.process_time()
        await asyncio.gather(*(one(n) for n in range(sends)))
        elapsed = time.perf_counter() - start
        client = time.thread_time() - client
        total = time.process_time() - total
    finally:
        await sender.aclose()
    print(f"{sends} sends to the fake Twilio API, {CONCURRENCY} at a time, no database")
    print(f"  {elapsed:.2f} s = {sends / elapsed:.0f} sends/s; reached the fake: {len(fake.sent)}")
    print(
        f"  CPU per send: client {1000 * client / sends:.3f} ms, "
        f"fake {1000 * (total - client) / sends:.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=10_000)
    args = parser.parse_args()
    fake = FakeTwilio()
    server = BackgroundServer(fake.app()).start()
    try:
        asyncio.run(measure(fake, server.url, args.sends))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
