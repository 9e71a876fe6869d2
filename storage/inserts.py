"""INSERT ... ON CONFLICT DO NOTHING on both SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import on_postgres
from storage.models import Base, table_of


async def insert_ignoring_conflict(
    session: AsyncSession, model: type[Base], values: dict[str, Any], conflict_on: list[str]
) -> int | None:
    """Insert a row unless one with the same `conflict_on` columns exists.

    Returns the new row's id, or None when the row already existed: this is
    how a provider's retried webhook or a re-claimed job stays a no-op.
    """
    insert = postgresql.insert if on_postgres(session) else sqlite.insert
    statement = (
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict_on)
        .returning(model.__table__.c.id)
    )
    result = await session.execute(statement)
    row = result.first()
    return int(row[0]) if row is not None else None


async def insert_many_ignoring_conflict(
    session: AsyncSession, model: type[Base], rows: list[dict[str, Any]], conflict_on: list[str]
) -> None:
    """Insert many rows in one round trip, skipping any that would conflict.

    Every row names the same columns. The statement is built on the table, not the
    mapped class: Core's executemany, without the ORM's bulk machinery on top."""
    if not rows:
        return
    insert = postgresql.insert if on_postgres(session) else sqlite.insert
    statement = insert(table_of(model)).on_conflict_do_nothing(index_elements=conflict_on)
    await session.execute(statement, rows)
