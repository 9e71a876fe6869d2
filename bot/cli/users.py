"""`checkin user add`: staff accounts for the dashboard."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import MIN_PASSWORD_LENGTH, AccountError, create_user
from bot.cli._common import fail, run_in_session
from storage.models import StaffRole

app = typer.Typer(help="Staff accounts for the dashboard.", no_args_is_help=True)


@app.command("add")
def user_add(
    email: Annotated[str, typer.Option(help="Sign-in email")],
    role: Annotated[str, typer.Option(help="admin, staff or clinician")],
    clinician_id: Annotated[
        int | None,
        typer.Option(help="The clinician this account acts as (needed to acknowledge)"),
    ] = None,
) -> None:
    """Add a staff account; the password is asked for (never an argument), twice."""
    if role not in StaffRole.ALL:
        raise fail(f"--role: use one of {', '.join(StaffRole.ALL)}")
    password: str = typer.prompt(
        f"Password (at least {MIN_PASSWORD_LENGTH} characters)",
        hide_input=True,
        confirmation_prompt=True,
    )

    async def work(session: AsyncSession) -> int:
        user = await create_user(
            session,
            email=email,
            password=password,
            role=role,
            clinician_id=clinician_id,
            now=datetime.now(UTC),
        )
        return user.id

    try:
        user_id = run_in_session(work)
    except AccountError as exc:
        raise fail(str(exc)) from None
    typer.echo(user_id)
