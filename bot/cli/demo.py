"""`checkin demo seed`: synthetic patients with six weeks of history, for the sandbox."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from bot.cli._common import database_or_exit, fail, settings_or_exit

app = typer.Typer(help="Demo data for the sandbox.", no_args_is_help=True)


@app.command("seed")
def demo_seed(
    force: Annotated[
        bool, typer.Option(help="Add them even beside patients that are not demo ones")
    ] = False,
) -> None:
    """Add five demo patients with six weeks of history (never beside real channels)."""
    from bot.bootstrap import build_services
    from bot.demo import DEMO, DemoRefused, seed_history

    settings = settings_or_exit()
    database_or_exit(settings.database_url)

    async def main() -> list[int]:
        services = build_services(settings)
        try:
            return await seed_history(services, force=force)
        finally:
            await services.close()

    try:
        added = asyncio.run(main())
    except DemoRefused as exc:
        raise fail(str(exc)) from None
    if not added:
        typer.echo("The demo patients are already there.")
        return
    typer.echo(f"Added {len(added)} demo patients: " + ", ".join(d.name for d in DEMO))
    typer.echo("See them at /admin/patients (sign in first) and the sandbox at /sandbox.")
