"""Engines and sessions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


class EncodedJSON(dict[str, Any]):
    """A JSON value written once and stored many times (a flow's definition, kept beside
    each conversation): the engine writes its text as given instead of encoding it again
    for every row. Treat it as read-only."""

    def __init__(self, value: dict[str, Any]) -> None:
        super().__init__(value)
        self.text = json.dumps(value)


def encode_json(value: Any) -> str:
    """The engines' JSON serializer: `EncodedJSON` as written, anything else encoded."""
    if isinstance(value, EncodedJSON):
        return value.text
    return json.dumps(value)


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Build an async engine; on SQLite create the folder and use WAL.

    WAL lets the dashboard read while the outbox worker writes, and the busy
    timeout makes a writer wait for the lock instead of failing a webhook.
    """
    parsed = make_url(url)
    kwargs.setdefault("json_serializer", encode_json)
    # A failed statement's error names its SQL, never its values: those are phone numbers
    # and message bodies, and error messages end up in logs.
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30})
        # One connection: SQLite has one writer anyway, and queueing in the pool
        # (first come, first served) beats SQLite's busy-wait backoff, which
        # sleeps up to 100 ms at a time while a page waits to be claimed.
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
        engine = create_async_engine(url, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    return create_async_engine(url, **kwargs)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def is_postgres(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"


def on_postgres(session: AsyncSession) -> bool:
    """Whether row locks (`FOR UPDATE SKIP LOCKED`) are available for claiming work."""
    bind = session.get_bind()
    return bind.dialect.name == "postgresql"
