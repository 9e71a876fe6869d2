"""`checkin db ...`: schema migrations."""

from __future__ import annotations

import asyncio

import typer

from bot.cli._common import settings_or_exit

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command() -> None:
    """Apply Alembic migrations up to head."""
    from storage.db import make_engine
    from storage.migrate import current_revision, upgrade

    settings = settings_or_exit()

    async def main() -> str | None:
        engine = make_engine(settings.database_url)
        try:
            await upgrade(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    typer.echo(f"database at revision {asyncio.run(main())}")
