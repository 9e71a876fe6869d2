"""The migrations, on SQLite and PostgreSQL, from an empty database.

A clinic upgrades in place: the schema the migrations build must be the one the
code expects, every step must come back out on downgrade, and rows already
there must keep their meaning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from storage.db import make_engine
from storage.migrate import alembic_config
from storage.models import Base

KINDS = ["cadence", "daily", "post_infusion", "something_new"]


async def _run(url: str, step: Callable[[Connection], Any]) -> Any:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(step)
    finally:
        await engine.dispose()


def _upgrade(revision: str) -> Callable[[Connection], None]:
    return lambda conn: command.upgrade(alembic_config(conn), revision)


def _downgrade(revision: str) -> Callable[[Connection], None]:
    return lambda conn: command.downgrade(alembic_config(conn), revision)


def _drift(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names()) - {"alembic_version"}


async def test_the_migrated_schema_is_the_one_the_code_declares(empty_database_url: str) -> None:
    await _run(empty_database_url, _upgrade("head"))
    assert await _run(empty_database_url, _drift) == []


async def test_every_migration_comes_back_out_and_goes_in_again(empty_database_url: str) -> None:
    await _run(empty_database_url, _upgrade("head"))
    await _run(empty_database_url, _downgrade("base"))
    assert await _run(empty_database_url, _tables) == set()

    await _run(empty_database_url, _upgrade("head"))
    assert await _run(empty_database_url, _tables) == set(Base.metadata.tables)
    assert await _run(empty_database_url, _drift) == []


def _plan_rows_at_0006(conn: Connection) -> None:
    command.upgrade(alembic_config(conn), "0006")
    conn.execute(
        text(
            "INSERT INTO patients (id, name, phone, channel, timezone, checkin_time,"
            " language, status, created_at) VALUES (1, 'P', '+12025550111', 'sms',"
            " 'America/New_York', '09:00', 'en', 'active', '2026-11-27 10:00:00')"
        )
    )
    for n, kind in enumerate(KINDS):
        conn.execute(
            text(
                "INSERT INTO scheduled_checkins (patient_id, kind, flow_id, slot, due_at,"
                " status, attempts, created_at) VALUES (1, :kind, 'f', :slot,"
                " '2026-11-28 14:00:00', 'due', 0, '2026-11-27 10:00:00')"
            ),
            {"kind": kind, "slot": f"slot{n}"},
        )


def _precedence(conn: Connection) -> dict[str, int]:
    rows = conn.execute(text("SELECT kind, precedence FROM scheduled_checkins ORDER BY id"))
    return {kind: precedence for kind, precedence in rows.all()}


async def test_0007_gives_rows_planned_before_it_the_precedence_of_their_kind(
    empty_database_url: str,
) -> None:
    """Rows due tomorrow start in the same order as before the upgrade: post-infusion
    first, then the daily check-in, then questionnaires and anything else."""
    await _run(empty_database_url, _plan_rows_at_0006)
    await _run(empty_database_url, _upgrade("head"))
    assert await _run(empty_database_url, _precedence) == {
        "cadence": 2,
        "daily": 1,
        "post_infusion": 0,
        "something_new": 2,
    }


def _outbox_indexes(conn: Connection) -> dict[str, list[str | None]]:
    return {ix["name"]: ix["column_names"] for ix in inspect(conn).get_indexes("outbox_items")}


async def test_0008_swaps_the_outbox_due_index_for_the_claim_index_and_back(
    empty_database_url: str,
) -> None:
    await _run(empty_database_url, _upgrade("head"))
    indexes = await _run(empty_database_url, _outbox_indexes)
    assert indexes["ix_outbox_claim"] == ["status", "priority", "next_attempt_at", "id"]
    assert "ix_outbox_due" not in indexes

    await _run(empty_database_url, _downgrade("0007"))
    indexes = await _run(empty_database_url, _outbox_indexes)
    assert indexes["ix_outbox_due"] == ["status", "priority", "next_attempt_at"]
    assert "ix_outbox_claim" not in indexes


LZ4_AVAILABLE = (
    "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)"
)
SNAPSHOT_COMPRESSION = (
    "SELECT attcompression::text FROM pg_attribute"
    " WHERE attrelid = 'flow_sessions'::regclass AND attname = 'flow_snapshot'"
)


def _snapshot_compression(conn: Connection) -> str:
    """'l' for lz4, 'p' for pglz, '' for the server's default."""
    return str(conn.execute(text(SNAPSHOT_COMPRESSION)).scalar_one())


async def test_0009_sets_the_snapshot_compression_to_lz4_and_back(
    empty_database_url: str,
) -> None:
    if empty_database_url.startswith("sqlite"):
        pytest.skip("SQLite stores the text as it is; 0009 does nothing there")
    await _run(empty_database_url, _upgrade("0008"))
    if await _run(empty_database_url, lambda c: c.execute(text(LZ4_AVAILABLE)).first()) is None:
        pytest.skip("this PostgreSQL was built without lz4")
    assert await _run(empty_database_url, _snapshot_compression) == ""

    await _run(empty_database_url, _upgrade("0009"))
    assert await _run(empty_database_url, _snapshot_compression) == "l"

    await _run(empty_database_url, _downgrade("0008"))
    assert await _run(empty_database_url, _snapshot_compression) == "p"
