"""`checkin oncall rotation set` and `checkin oncall show`: weekly rotations and who is on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.cli._common import fail, run_in_session, settings_or_exit
from bot.cli.people import parse_when
from bot.safety import rotation as weekly
from bot.safety.rota import on_call, on_call_next
from storage.models import Clinician, OnCallRole, OnCallRotation, OnCallShift

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
    role: Annotated[str, typer.Argument(help=f"One of {', '.join(OnCallRole.ALL)}")],
    clinicians: Annotated[str, typer.Option(help="Clinician ids in turn, e.g. 3,5,8")],
    handover: Annotated[str, typer.Option(help="Weekday and local time, e.g. 'mon 09:00'")],
    from_: Annotated[str | None, typer.Option("--from", help="ISO 8601 start; default now")] = None,
) -> None:
    """Rotate ROLE weekly among clinicians; the first holds it from --from to the next handover.

    Shifts from `checkin oncall set` with an end (covers, swaps) still win over the
    rotation; open-ended ones for ROLE end where the rotation starts.
    """
    if role not in OnCallRole.ALL:
        raise fail(f"ROLE: use one of {', '.join(OnCallRole.ALL)}")
    ids = _clinician_ids(clinicians)
    try:
        weekday, at = weekly.parse_handover(handover)
    except weekly.HandoverError as exc:
        raise fail(f"--handover: {exc}") from None
    zone = settings_or_exit().clinic_timezone
    starts = parse_when(from_, "--from") or datetime.now(UTC)

    async def work(session: AsyncSession) -> tuple[list[int], list[str]]:
        found = await session.scalars(select(Clinician).where(Clinician.id.in_(ids)))
        names = {c.id: c.name for c in found if c.active}
        missing = [i for i in ids if i not in names]
        if missing:
            return missing, []
        session.add(
            OnCallRotation(
                role=role,
                clinician_ids=ids,
                handover_weekday=weekday,
                handover_time=at.strftime("%H:%M"),
                timezone=zone,
                starts_at=starts,
            )
        )
        await session.execute(
            update(OnCallShift)
            .where(
                OnCallShift.role == role,
                OnCallShift.ends_at.is_(None),
                OnCallShift.starts_at <= starts,
            )
            .values(ends_at=starts)
        )
        audit.record(
            session,
            at=datetime.now(UTC),
            actor="cli",
            action="oncall_rotation_set",
            role=role,
            clinicians=ids,
            handover=handover,
        )
        return [], [names[i] for i in ids]

    missing, names = run_in_session(work)
    if missing:
        raise fail(f"--clinicians: no active clinician with id {', '.join(map(str, missing))}")
    typer.echo(
        f"{role} rotates weekly at {weekly.WEEKDAYS[weekday]} {at:%H:%M} ({zone}): "
        + ", ".join(names)
    )


def oncall_show(
    at: Annotated[str | None, typer.Option(help="ISO 8601 moment; default now")] = None,
) -> None:
    """Print who holds each role now, and who takes over next and when."""
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
