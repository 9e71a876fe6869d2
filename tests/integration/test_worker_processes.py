"""Three real `checkin worker` processes share 10,000 due check-ins on PostgreSQL; one
is killed with SIGKILL mid-batch. Every check-in reaches the provider exactly once.

What each process does with a batch: claim due rows (FOR UPDATE SKIP LOCKED), start the
conversations and queue their first questions in one transaction, then lease and send
the outbox rows. A SIGKILL rolls back the dispatch transaction (its row locks go with
the connection: another worker claims the rows), and leaves its leased outbox rows to
run out: the next worker asks Twilio whether each one went out before sending it.

ROWS is 10,000: on a 2-core machine shared with other work the run takes about a
minute and a half (set CHECKIN_WORKER_TEST_ROWS to try other sizes).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.db import make_engine
from storage.models import FlowSession, OutboxItem, ScheduledCheckin
from tests.fakes.twilio_api import FakeTwilio
from tests.workers import phone, seed_due_checkins, start_worker, worker_env

ROWS = int(os.environ.get("CHECKIN_WORKER_TEST_ROWS", "10000"))
LEASE_SECONDS = 5
DEADLINE_SECONDS = 240


async def _seed(url: str, due: datetime) -> None:
    engine = make_engine(url)
    try:
        await seed_due_checkins(engine, ROWS, due)
    finally:
        await engine.dispose()


async def _counts(url: str) -> tuple[int, int, int, int]:
    """(check-ins sent, conversations started for them, first questions queued, sent)."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            seeded = ScheduledCheckin.slot == "daily:seeded"
            sent = await conn.scalar(
                select(func.count()).where(seeded, ScheduledCheckin.status == "sent")
            )
            started = await conn.scalar(
                select(func.count(FlowSession.id.distinct()))
                .join(ScheduledCheckin, FlowSession.scheduled_checkin_id == ScheduledCheckin.id)
                .where(seeded)
            )
            queued = await conn.scalar(select(func.count()).select_from(OutboxItem))
            delivered = await conn.scalar(select(func.count()).where(OutboxItem.status == "sent"))
    finally:
        await engine.dispose()
    return int(sent or 0), int(started or 0), int(queued or 0), int(delivered or 0)


def _wait(fake: FakeTwilio, count: int, deadline: float) -> None:
    while len({m.to for m in list(fake.sent)}) < count and time.monotonic() < deadline:
        time.sleep(0.2)


def test_three_workers_send_each_check_in_once_even_when_one_is_killed_mid_batch(
    database_url: str,
    fake_twilio: FakeTwilio,
    fake_twilio_server: tuple[FakeTwilio, str],
    tmp_path: Path,
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("several worker processes share work through PostgreSQL row locks")
    due = datetime.now(UTC) - timedelta(seconds=1)
    asyncio.run(_seed(database_url, due))
    env = worker_env(
        database_url, fake_twilio, fake_twilio_server[1], OUTBOX_LEASE_SECONDS=str(LEASE_SECONDS)
    )
    logs = [(tmp_path / f"worker{n}.log").open("wb") for n in range(3)]
    workers = [start_worker(env, log) for log in logs]
    deadline = time.monotonic() + DEADLINE_SECONDS
    try:
        _wait(fake_twilio, ROWS // 4, deadline)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(timeout=10)
        _wait(fake_twilio, ROWS, deadline)
        time.sleep(LEASE_SECONDS + 3)  # the killed worker's leases run out; resends would show
    finally:
        for worker in workers[1:]:
            worker.terminate()
        for worker in workers[1:]:
            worker.wait(timeout=30)
        for log in logs:
            log.close()

    killed_log = (tmp_path / "worker0.log").read_text()
    assert workers[0].returncode == -signal.SIGKILL
    assert '"checkins_dispatched"' in killed_log  # it was working when it was killed
    texts = Counter(m.to for m in fake_twilio.sent)
    assert set(texts) == {phone(i) for i in range(ROWS)}  # every check-in arrived...
    assert [to for to, n in texts.items() if n > 1] == []  # ...and none twice
    assert asyncio.run(_counts(database_url)) == (ROWS, ROWS, ROWS, ROWS)
