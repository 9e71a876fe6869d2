"""On PostgreSQL, the definition each conversation keeps is compressed with lz4.

Every started check-in stores its flow's definition (5-7 kB), so a clinic's
09:00 batch writes thousands of them; lz4 costs the server about a third of
the CPU of the default. What is stored reads back as the same flow.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

import flows
from bot.clock import ManualClock
from bot.scheduler import tick_checkins
from bot.services import Services
from storage.db import on_postgres
from storage.models import FlowSession
from tests.builders import enroll_patient
from tests.integration.test_migrations import LZ4_AVAILABLE


async def test_a_started_check_in_keeps_its_definition_compressed_with_lz4(
    services: Services, clock: ManualClock
) -> None:
    async with services.sessions() as session:
        if not on_postgres(session):
            pytest.skip("SQLite keeps the text as it is")
        available = await session.scalar(text(LZ4_AVAILABLE))
    if available is None:
        pytest.skip("this PostgreSQL was built without lz4")
    clock.now = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    await enroll_patient(services)
    await tick_checkins(services)  # plans tomorrow's daily check-in
    clock.now = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)  # 09:00 in New York
    await tick_checkins(services)

    async with services.sessions() as session:
        fs = await session.scalar(select(FlowSession))
        method = await session.scalar(
            text("SELECT pg_column_compression(flow_snapshot) FROM flow_sessions")
        )
    assert fs is not None and fs.flow_snapshot is not None
    assert method == "lz4"
    stored = flows.from_snapshot(fs.flow_snapshot)
    assert stored.snapshot() == services.flows.get("daily-checkin").snapshot()
