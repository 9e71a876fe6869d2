"""`checkin infusion ...`: record, move and cancel infusions; their check-ins follow."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

from bot.cli._common import fail, run_in_session, settings_or_exit
from bot.cli.people import has_offset, parse_when
from bot.scheduling.plan import QuietHours

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from storage.models import ScheduledCheckin

# The scheduling code and the models load inside each command (`--help` needs neither).

app = typer.Typer(help="Infusions and their post-infusion check-ins.", no_args_is_help=True)


def _print_plan(rows: list[ScheduledCheckin], zone: str) -> None:
    from zoneinfo import ZoneInfo

    for row in rows:
        local = row.due_at.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M %Z")
        note = f" ({row.reason})" if row.reason else ""
        typer.echo(f"  {row.flow_id:<24} {local}  {row.status}{note}")


@app.command("add")
def infusion_add(
    patient_id: int,
    at: Annotated[
        str,
        typer.Option(
            help="ISO 8601 time, e.g. 2026-12-01T10:00-05:00; with no offset, in the "
            "patient's own time zone"
        ),
    ],
    new_episode: Annotated[
        bool, typer.Option(help="It begins a new episode of treatment (a new induction)")
    ] = False,
) -> None:
    """Record an infusion; prints its id and the check-ins planned after it."""
    from sqlalchemy import select

    from bot import audit
    from bot.scheduling.infusions import record_infusion
    from storage.models import Patient, ScheduledCheckin

    parse_when(at, "--at", zone="UTC")  # a malformed time fails before the database is opened
    settings = settings_or_exit()
    quiet = QuietHours(*settings.quiet_hours)

    async def work(session: AsyncSession) -> tuple[int, list[ScheduledCheckin], str] | None:
        patient = await session.get(Patient, patient_id)
        if patient is None:
            return None
        when = parse_when(at, "--at", zone=patient.timezone)
        assert when is not None
        now = datetime.now(UTC)
        infusion = await record_infusion(
            session, patient, at=when, quiet=quiet, now=now, new_episode=new_episode
        )
        audit.record(
            session,
            at=now,
            actor="cli",
            action="infusion_recorded",
            subject=f"infusion:{infusion.id}",
            patient=patient.id,
        )
        rows = (
            await session.scalars(
                select(ScheduledCheckin)
                .where(ScheduledCheckin.infusion_id == infusion.id)
                .order_by(ScheduledCheckin.due_at)
            )
        ).all()
        return infusion.id, list(rows), patient.timezone

    result = run_in_session(work)
    if result is None:
        raise fail(f"no patient with id {patient_id}")
    infusion_id, rows, zone = result
    typer.echo(infusion_id)
    if not has_offset(at):
        typer.echo(f"  --at read in {zone}, the patient's time zone")
    _print_plan(rows, zone)


@app.command("move")
def infusion_move(
    infusion_id: int,
    at: Annotated[
        str, typer.Option(help="The new ISO 8601 time; with no offset, the patient's zone")
    ],
) -> None:
    """Reschedule an infusion; its unsent check-ins move with it."""
    from bot import audit
    from bot.scheduling.infusions import move_infusion
    from storage.models import Infusion, Patient

    parse_when(at, "--at", zone="UTC")  # a malformed time fails before the database is opened
    quiet = QuietHours(*settings_or_exit().quiet_hours)

    async def work(session: AsyncSession) -> tuple[datetime, str] | None:
        infusion = await session.get(Infusion, infusion_id)
        if infusion is None or infusion.status == "cancelled":
            return None
        patient = await session.get(Patient, infusion.patient_id)
        assert patient is not None
        when = parse_when(at, "--at", zone=patient.timezone)
        assert when is not None
        now = datetime.now(UTC)
        await move_infusion(session, patient, infusion, at=when, quiet=quiet, now=now)
        audit.record(
            session, at=now, actor="cli", action="infusion_moved", subject=f"infusion:{infusion.id}"
        )
        return when, patient.timezone

    moved = run_in_session(work)
    if moved is None:
        raise fail(f"no active infusion with id {infusion_id}")
    when, zone = moved
    local = when.astimezone(ZoneInfo(zone))
    typer.echo(f"infusion {infusion_id} moved to {local:%a %Y-%m-%d %H:%M %Z} ({zone})")


@app.command("cancel")
def infusion_cancel(infusion_id: int) -> None:
    """Cancel an infusion and the check-ins it had planned."""
    from bot import audit
    from bot.scheduling.infusions import cancel_infusion
    from storage.models import Infusion

    async def work(session: AsyncSession) -> int | None:
        infusion = await session.get(Infusion, infusion_id)
        if infusion is None or infusion.status == "cancelled":
            return None
        now = datetime.now(UTC)
        cancelled = await cancel_infusion(session, infusion, now=now)
        audit.record(
            session,
            at=now,
            actor="cli",
            action="infusion_cancelled",
            subject=f"infusion:{infusion.id}",
        )
        return cancelled

    cancelled = run_in_session(work)
    if cancelled is None:
        raise fail(f"no active infusion with id {infusion_id}")
    typer.echo(f"infusion {infusion_id} cancelled; {cancelled} check-ins removed")
