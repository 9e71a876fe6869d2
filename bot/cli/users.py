"""`checkin user add`: staff accounts for the dashboard."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli._common import fail, run_in_session

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from storage.models import StaffUser

# Kept in step with storage.models.StaffRole (a test checks): the help and the role check
# need no database code.
ROLES = ("admin", "staff", "clinician", "flow_editor")

app = typer.Typer(help="Staff accounts for the dashboard.", no_args_is_help=True)


@app.command("add")
def user_add(
    email: Annotated[str, typer.Option(help="Sign-in email")],
    role: Annotated[str, typer.Option(help="admin, staff, clinician or flow_editor")],
    clinician_id: Annotated[
        int | None,
        typer.Option(help="The clinician this account acts as (needed to acknowledge)"),
    ] = None,
) -> None:
    """Add a staff account; the password is asked for (never an argument), twice."""
    if role not in ROLES:
        raise fail(f"--role: use one of {', '.join(ROLES)}")
    password = _password()
    from bot.accounts import AccountError, create_user

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
    typer.echo(f"Added {email.strip().lower()} as {role} (user id {user_id}).", err=True)


def _password() -> str:
    """Asked twice at a terminal; piped in, the first line (and a second must match it)."""
    from bot.accounts import MIN_PASSWORD_LENGTH

    if sys.stdin.isatty():
        typed: str = typer.prompt(
            f"Password (at least {MIN_PASSWORD_LENGTH} characters)",
            hide_input=True,
            confirmation_prompt=True,
        )
        return typed
    lines = sys.stdin.read().splitlines()
    if not lines:
        raise fail("no password on stdin (pipe it in, or run at a terminal to be asked)")
    if len(lines) > 1 and lines[1] != lines[0]:
        raise fail("the two passwords on stdin differ")
    return lines[0]


@app.command("list")
def user_list() -> None:
    """List staff accounts: id, email, role, linked clinician, active."""
    from sqlalchemy import select

    from storage.models import StaffUser

    async def work(session: AsyncSession) -> list[StaffUser]:
        return list((await session.scalars(select(StaffUser).order_by(StaffUser.id))).all())

    users = run_in_session(work)
    if not users:
        typer.echo("No staff accounts yet: `checkin user add` creates one.")
        return
    typer.echo("id\temail\trole\tclinician\tactive")
    for u in users:
        clinician = str(u.clinician_id) if u.clinician_id is not None else "-"
        typer.echo(f"{u.id}\t{u.email}\t{u.role}\t{clinician}\t{'yes' if u.active else 'no'}")
