"""`checkin serve`: web app, scheduler and outbox worker in one process."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
import uvicorn

from bot.app import create_app
from bot.bootstrap import build_services
from bot.cli._common import settings_or_exit
from bot.logs import configure_logging
from bot.worker import run_worker


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
) -> None:
    """Run the service."""
    settings = settings_or_exit()
    configure_logging(settings.log_format)
    if settings.sandbox_enabled:
        typer.echo(f"sandbox channel on: open http://{host}:{port}/sandbox")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False)


def worker() -> None:
    """Run the dispatcher, escalation timers and outbox without the web app."""
    settings = settings_or_exit()
    configure_logging(settings.log_format)
    asyncio.run(run_worker(build_services(settings)))
