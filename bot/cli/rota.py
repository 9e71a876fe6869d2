"""`checkin oncall rotation set` and `checkin oncall show`: weekly rotations and who is on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

from bot.cli._common import fail, run_in_session, settings_or_exit
from bot.cli.people import parse_when

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

# Kept in step with storage.models.OnCallRole (a test checks), so `--help` loads no models.
ROLES = ("primary", "backup", "director", "desk")

rotation_app = typer.Typer(help="Weekly on-call rotations.", no_args_is_help=True)


def _clinician_ids(raw: str) -> list[int]:
    try:
        ids = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise fail(f"--clinicians: {raw!r} is not a comma-separated list of ids") from None
    if not ids:
        raise fail("--clinicians: name at least one clinician id")
    return ids


@rotation_app.command("set")
def rotation_set(
    role: Annotated[str, typer.Argument(help=f"One of {', '.join(ROLES)}")],
    clinicians: Annotated[str, typer.Option(help="Clinician ids in turn, e.g. 3,5,8")],
    handover: Annotated[str, typer.Option(help="Weekday and local time, e.g. 'mon 09:00'")],
    from_: Annotated[str | None, typer.Option("--from", help="ISO 8601 start; default now")] = None,
) -> None:
    """Rotate ROLE weekly among clinicians; the first holds it from --from to the next handover.

    Shifts from `checkin oncall set` with an end (covers, swaps) still win over the
    rotation; open-ended ones for ROLE end where the rotation starts.
    """
    from bot.safety import rotation as weekly
    from bot.safety.rota import RotationError, start_rotation

    ids = _clinician_ids(clinicians)
    zone = settings_or_exit().clinic_timezone
    starts = parse_when(from_, "--from") or datetime.now(UTC)

    async def work(session: AsyncSession) -> list[str] | str:
        try:
            return await start_rotation(
                session,
                role=role,
                clinician_ids=ids,
                handover=handover,
                zone=zone,
                starts=starts,
                now=datetime.now(UTC),
                actor="cli",
            )
        except RotationError as problem:
            option = {"role": "ROLE"}.get(problem.field, f"--{problem.field}")
            return f"{option}: {problem}"

    names = run_in_session(work)
    if isinstance(names, str):
        raise fail(names)
    weekday, at = weekly.parse_handover(handover)
    typer.echo(
        f"{role} rotates weekly at {weekly.WEEKDAYS[weekday]} {at:%H:%M} ({zone}): "
        + ", ".join(names)
    )


def oncall_show(
    at: Annotated[str | None, typer.Option(help="ISO 8601 moment; default now")] = None,
) -> None:
    """Print who holds each role now, and who takes over next and when."""
    from bot.safety.rota import on_call, on_call_next
    from storage.models import OnCallRole

    zone = ZoneInfo(settings_or_exit().clinic_timezone)
    moment = parse_when(at, "--at") or datetime.now(UTC)

    async def work(session: AsyncSession) -> list[str]:
        lines = []
        for role in OnCallRole.ALL:
            holder = await on_call(session, role=role, at=moment)
            upcoming = await on_call_next(session, role=role, at=moment)
            now_part = holder.name if holder else "nobody"
            if upcoming is None:
                next_part = "no change within 8 weeks"
            else:
                who, when = upcoming
                stamp = when.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")
                next_part = f"{who.name if who else 'nobody'} from {stamp}"
            lines.append(f"{role}\tnow: {now_part}\tnext: {next_part}")
        return lines

    for line in run_in_session(work):
        typer.echo(line)
