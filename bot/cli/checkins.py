"""`checkin checkin send`: start a flow for a patient now, under the usual rules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import typer

from bot.cli._common import fail, run_in_session, settings_or_exit
from bot.scheduling.plan import QuietHours

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.scheduling.requested import Requested

app = typer.Typer(help="Check-ins staff start by hand.", no_args_is_help=True)


@app.command("send")
def checkin_send(patient_id: int, flow_id: str) -> None:
    """Start FLOW_ID for the patient now (quiet hours and one conversation at a time still
    apply); says when it goes out. The running service sends it."""
    import flows
    from bot.scheduling.requested import CannotStart, request_checkin
    from storage.models import Patient

    settings = settings_or_exit()
    library = flows.load_library(settings.flows_dir)
    quiet = QuietHours(*settings.quiet_hours)

    async def work(session: AsyncSession) -> Requested | str:
        patient = await session.get(Patient, patient_id)
        if patient is None:
            return f"no patient with id {patient_id}"
        now = datetime.now(UTC)
        try:
            return await request_checkin(
                session, library, patient, flow_id, quiet=quiet, now=now, actor="cli"
            )
        except CannotStart as exc:
            return str(exc)

    result = run_in_session(work)
    if isinstance(result, str):
        raise fail(result)
    if result.waiting:
        typer.echo(f"{flow_id} planned; it waits ({result.waiting})")
    else:
        typer.echo(f"{flow_id} planned; it goes out within a minute while the service runs")
