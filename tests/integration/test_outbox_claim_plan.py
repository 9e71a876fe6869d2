"""The outbox claim reads a short stretch of its index, however many texts are waiting.

A clinic's 09:00 batch queues thousands of first questions with one send time.
The claim orders pending rows by priority, send time and id (pages first); its
index holds all four, so a claim stops after one batch. Before migration 0008
the index lacked the id, and every claim read and sorted every waiting row
(42 ms a claim at 40,000 waiting, against 0.2 ms with the index).
The plan is checked on the statement the worker really sends, with its parameters.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import event, insert

from bot.clock import ManualClock
from bot.services import Services
from storage.db import on_postgres
from storage.models import OutboxItem, Priority

WAITING = 20_000


async def test_a_claim_reads_the_claim_index_without_sorting_the_backlog(
    services: Services, clock: ManualClock
) -> None:
    now = clock()
    async with services.sessions() as session, session.begin():
        rows = [
            {
                "idempotency_key": f"flow:{n}:start:{n}:1",
                "channel": "sms",
                "address": f"+1415{3000000 + n:07d}",
                "body": "Hi, how is your mood today from 0 (worst) to 10 (best)?",
                "priority": Priority.ROUTINE,
                "purpose": "checkin",
                "next_attempt_at": now - timedelta(seconds=1),
                "created_at": now,
            }
            for n in range(WAITING)
        ]
        await session.execute(insert(OutboxItem), rows)
        postgres = on_postgres(session)
    async with services.engine.connect() as conn:
        await conn.exec_driver_sql("ANALYZE")
        await conn.commit()

    claims: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM outbox_items" in statement and "ORDER BY" in statement:
            claims.append((statement, parameters))

    event.listen(services.engine.sync_engine, "before_cursor_execute", capture)
    try:
        claimed = await services.outbox._claim(urgent_only=False)  # noqa: SLF001
    finally:
        event.remove(services.engine.sync_engine, "before_cursor_execute", capture)
    assert len(claimed) == 100
    assert len(claims) == 1

    statement, parameters = claims[0]
    explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
    async with services.engine.connect() as conn:
        plan = "\n".join(
            str(row[-1]) for row in await conn.exec_driver_sql(explain + statement, parameters)
        )
    assert "ix_outbox_claim" in plan, plan
    if postgres:
        assert "Sort" not in plan and "Seq Scan" not in plan, plan
    else:
        assert "TEMP B-TREE" not in plan, plan
