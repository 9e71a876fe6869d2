"""Telegram link codes from the command line: `--telegram` at enrollment, `telegram-link`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli._common import fail, run_in_session, settings_or_exit

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.config import Settings

# Code issuing, the models and python-telegram-bot load inside the commands that use them.


def print_link(settings: Settings, code: str) -> None:
    """Print the code, and the t.me link when the bot's username can be had from getMe."""
    from bot.channels.base import SendError
    from bot.routing.telegram_link import LINK_TTL, start_link

    hours = int(LINK_TTL.total_seconds() // 3600)
    typer.echo(f"Telegram link code: {code} (works once, for {hours} hours)")
    if not settings.telegram_enabled or not settings.telegram_bot_token:
        typer.echo(
            "No t.me link: it needs TELEGRAM_BOT_TOKEN. Until then the person can send "
            f"/start {code} to the clinic's bot."
        )
        return
    try:
        username = asyncio.run(_bot_username(settings, settings.telegram_bot_token))
    except SendError as exc:
        typer.echo(
            f"Could not ask Telegram for the bot's name ({exc.reason}). The person can send "
            f"/start {code} to the clinic's bot."
        )
        return
    typer.echo(f"Link: {start_link(username, code)}")


async def _bot_username(settings: Settings, token: str) -> str:
    from bot.channels.telegram import TelegramSender  # python-telegram-bot: only when asked

    sender = TelegramSender(
        token=token,
        api_base_url=settings.telegram_api_base_url,
        timeout=settings.provider_timeout_seconds,
    )
    try:
        return await sender.username()
    finally:
        await sender.aclose()


async def new_code_for(
    session: AsyncSession, *, patient_id: int | None = None, clinician_id: int | None = None
) -> str:
    from bot import audit
    from bot.routing.telegram_link import issue_code

    now = datetime.now(UTC)
    code = await issue_code(session, now=now, patient_id=patient_id, clinician_id=clinician_id)
    subject = f"patient:{patient_id}" if patient_id is not None else f"clinician:{clinician_id}"
    audit.record(session, at=now, actor="cli", action="telegram_code_issued", subject=subject)
    return code


def patient_link(patient_id: Annotated[int, typer.Argument(help="Patient id")]) -> None:
    """Print a new one-time Telegram link for a patient (older unused codes stop working)."""
    from storage.models import Patient

    async def work(session: AsyncSession) -> str | None:
        if await session.get(Patient, patient_id) is None:
            return None
        return await new_code_for(session, patient_id=patient_id)

    code = run_in_session(work)
    if code is None:
        raise fail(f"no patient with id {patient_id}")
    print_link(settings_or_exit(), code)


def clinician_link(clinician_id: Annotated[int, typer.Argument(help="Clinician id")]) -> None:
    """Print a new one-time Telegram link for a clinician, who is then paged there."""
    from storage.models import Clinician

    async def work(session: AsyncSession) -> str | None:
        if await session.get(Clinician, clinician_id) is None:
            return None
        return await new_code_for(session, clinician_id=clinician_id)

    code = run_in_session(work)
    if code is None:
        raise fail(f"no clinician with id {clinician_id}")
    print_link(settings_or_exit(), code)
