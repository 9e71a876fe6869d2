"""`checkin patient set-quiet-hours`: a patient's own quiet hours, or back to the clinic's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli._common import fail, run_in_session, settings_or_exit
from bot.scheduling.plan import QuietHours

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


def checked_window(window: str | None, option: str) -> str | None:
    """The window as stored ("22:00-07:00"), or exit 1 naming the option and the problem."""
    if window is None:
        return None
    try:
        return str(QuietHours.parse(window))
    except ValueError as exc:
        raise fail(f"{option}: {exc}") from None


def set_quiet_hours(
    patient_id: int,
    window: Annotated[
        str | None, typer.Argument(help="HH:MM-HH:MM patient-local, e.g. 22:00-07:00")
    ] = None,
    clinic: Annotated[bool, typer.Option("--clinic", help="Use the clinic's quiet hours")] = False,
) -> None:
    """Set a patient's quiet hours (routine check-ins wait until they end); re-plans theirs."""
    import flows
    from bot import audit
    from bot.scheduling.planned import replan_routine
    from storage.models import Patient

    if (window is None) == (not clinic):
        raise fail("give a window such as 22:00-07:00, or --clinic")
    stored = checked_window(window, "WINDOW")
    settings = settings_or_exit()
    clinic_quiet = QuietHours(*settings.quiet_hours)
    library = flows.load_library(settings.flows_dir)

    async def work(session: AsyncSession) -> bool:
        patient = await session.get(Patient, patient_id)
        if patient is None:
            return False
        now = datetime.now(UTC)
        patient.quiet_hours = stored
        await replan_routine(
            session, library, patient, now=now, quiet=clinic_quiet, why="quiet hours changed"
        )
        audit.record(
            session,
            at=now,
            actor="cli",
            action="patient_quiet_hours_set",
            subject=f"patient:{patient_id}",
            why=stored or "clinic",
        )
        return True

    if not run_in_session(work):
        raise fail(f"no patient with id {patient_id}")
    effective = stored or f"{clinic_quiet} (the clinic's)"
    typer.echo(f"patient {patient_id} quiet hours {effective}")
