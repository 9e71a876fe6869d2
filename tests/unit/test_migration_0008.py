"""Migration 0008 swaps the outbox's due index for the claim's, and back on downgrade."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Connection, create_engine, inspect

from storage.migrate import alembic_config


def _outbox_indexes(conn: Connection) -> dict[str, list[str | None]]:
    return {ix["name"]: ix["column_names"] for ix in inspect(conn).get_indexes("outbox_items")}


def test_the_outbox_claim_index_goes_in_and_comes_out(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'clinic.db'}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
        indexes = _outbox_indexes(conn)
        assert indexes["ix_outbox_claim"] == ["status", "priority", "next_attempt_at", "id"]
        assert "ix_outbox_due" not in indexes

        command.downgrade(alembic_config(conn), "0007")
        indexes = _outbox_indexes(conn)
        assert indexes["ix_outbox_due"] == ["status", "priority", "next_attempt_at"]
        assert "ix_outbox_claim" not in indexes
    engine.dispose()
