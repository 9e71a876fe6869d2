"""A throwaway PostgreSQL database per benchmark run (TEST_POSTGRES_URL, or the local server)."""

from __future__ import annotations

import os
import uuid

from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import make_engine

BASE = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


def _admin_url() -> str:
    return make_url(BASE).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


async def _run(statement: str) -> None:
    admin = make_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await admin.dispose()


async def create_database(prefix: str) -> tuple[str, str]:
    """Create an empty database; return (its URL, its name)."""
    name = f"{prefix}_{uuid.uuid4().hex[:6]}"
    await _run(f'CREATE DATABASE "{name}"')
    url = make_url(_admin_url()).set(database=name).render_as_string(hide_password=False)
    return url, name


async def drop_database(name: str) -> None:
    await _run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
