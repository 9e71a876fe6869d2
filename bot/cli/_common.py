"""Helpers shared by CLI commands: settings, a session, clear errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

from bot.config import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

# SQLAlchemy and Alembic are imported where a command reaches the database, not here:
# `checkin <command> --help` and a command refused for a bad option never load them.

T = TypeVar("T")


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None


def fail(message: str) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(1)


def missing_database(url: str) -> str | None:
    """Why a SQLite URL names no database yet (never creating the file), else None."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.get_backend_name().startswith("sqlite") or not parsed.database:
        return None
    path = Path(parsed.database)
    if parsed.database == ":memory:" or path.is_file():
        return None
    return (
        f"No database at {path.resolve()} (DATABASE_URL={url}). Run `checkin db upgrade` "
        "to create it, or set DATABASE_URL to the clinic's database."
    )


async def database_problem(url: str) -> str | None:
    """Why the database cannot serve a command yet, in one line; None when it can."""
    from storage.db import make_engine
    from storage.migrate import current_revision, head_revision

    if (missing := missing_database(url)) is not None:
        return missing
    engine = make_engine(url)
    try:
        current, head = await current_revision(engine), head_revision()
    finally:
        await engine.dispose()
    if current == head:
        return None
    found = f"is at migration {current}" if current else "has no checkin-bot tables"
    return f"The database {found}; this version needs {head}: run `checkin db upgrade` (DATABASE_URL={url})."


def database_or_exit(url: str) -> None:
    if (problem := asyncio.run(database_problem(url))) is not None:
        typer.secho(problem, fg=typer.colors.RED, err=True)
        raise typer.Exit(2)


def run_in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction: committed if it returns, rolled back if it raises.

    A database that is missing or not at the migrations' head stops the command with one
    line saying so (and never creates an empty SQLite file)."""
    from storage.db import make_engine, make_sessionmaker

    settings = settings_or_exit()
    database_or_exit(settings.database_url)

    async def main() -> T:
        engine = make_engine(settings.database_url)
        try:
            async with make_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(main())
