"""`checkin serve`: web app, scheduler and outbox worker in one process."""

from __future__ import annotations

import asyncio
import functools
from typing import Annotated

import typer

from bot.cli._common import fail, settings_or_exit

# The web app, uvicorn and the worker are imported by the commands that run them, so that
# every other `checkin` command starts without them.


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    polling: Annotated[
        bool, typer.Option(help="Fetch Telegram updates by polling (no public URL needed)")
    ] = False,
    workers: Annotated[
        int, typer.Option(min=1, help="Web processes (PostgreSQL only; each also sends)")
    ] = 1,
) -> None:
    """Run the service."""
    import uvicorn

    from bot.app import create_app
    from bot.logs import configure_logging

    settings = settings_or_exit()
    configure_logging(settings.log_format)
    if settings.sandbox_enabled:
        typer.echo(f"sandbox channel on: open http://{host}:{port}/sandbox")
    proxies = settings.forwarded_allow_ips.strip()
    run = functools.partial(
        uvicorn.run,
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        # X-Forwarded-For only from FORWARDED_ALLOW_IPS (uvicorn alone would trust 127.0.0.1).
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
    )
    if workers > 1:
        if not settings.database_url.startswith("postgresql"):
            raise fail("--workers above 1 needs PostgreSQL (SQLite has one writer)")
        if polling:
            raise fail("--polling runs in one process; drop --workers")
        run("bot.app:create_app", factory=True, workers=workers)
        return
    run(create_app(settings, polling=polling))


def worker() -> None:
    """Run the dispatcher, escalation timers and outbox without the web app."""
    from bot.bootstrap import build_services
    from bot.logs import configure_logging
    from bot.worker import run_worker

    settings = settings_or_exit()
    configure_logging(settings.log_format)
    asyncio.run(run_worker(build_services(settings)))
