"""`checkin export responses`: check-in answers as CSV or a FHIR R4 Bundle."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from bot.cli._common import fail, run_in_session, settings_or_exit

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.exports import Export

# bot.exports.Format, written here so `--help` does not load the exporters (the FHIR
# models take most of a second); a test keeps the two in step.
Format = Literal["csv", "fhir"]

app = typer.Typer(help="Export check-in answers.", no_args_is_help=True)


def _bound(raw: str | None, option: str) -> datetime | None:
    from bot.exports.records import parse_bound

    if raw is None:
        return None
    try:
        return parse_bound(raw)
    except ValueError as exc:
        raise fail(f"{option}: {exc}") from None


@app.command("responses")
def export_responses_command(
    format_: Annotated[
        Format, typer.Option("--format", help="csv: one row per answer; fhir: an R4 Bundle")
    ] = "csv",
    patient: Annotated[int | None, typer.Option(help="Only this patient's check-ins")] = None,
    since: Annotated[
        str | None, typer.Option(help="Check-ins started on or after (2026-11-01 or ISO time)")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Check-ins started before this")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout")
    ] = None,
) -> None:
    """Export answers and scores; the export is recorded in the audit log."""
    import flows
    from bot.exports import ExportFilter, export_responses
    from storage.models import Patient

    filt = ExportFilter(patient, _bound(since, "--since"), _bound(until, "--until"))
    settings = settings_or_exit()
    library = flows.load_library(settings.flows_dir)

    async def work(session: AsyncSession) -> Export | None:
        if patient is not None and await session.get(Patient, patient) is None:
            return None
        return await export_responses(
            session,
            fmt=format_,
            filt=filt,
            library=library,
            base_url=settings.public_base_url,
            actor="cli",
            now=datetime.now(UTC),
        )

    result = run_in_session(work)
    if result is None:
        raise fail(f"--patient: no patient with id {patient}")
    if output is None:
        typer.echo(result.body, nl=False)
        return
    output.write_text(result.body, encoding="utf-8", newline="")
    what = "rows" if format_ == "csv" else "responses"
    typer.echo(f"wrote {result.count} {what} to {output}", err=True)
