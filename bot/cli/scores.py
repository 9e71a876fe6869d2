"""`checkin score add` and `checkin outcome`: scores from outside the bot, and outcomes."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli._common import fail, run_in_session, settings_or_exit
from bot.cli.people import parse_when

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.outcomes.definitions import Outcome

# The outcome code and the models load inside each command (`--help` needs neither).

app = typer.Typer(help="Questionnaire scores taken outside the bot.", no_args_is_help=True)


class Instrument(StrEnum):
    phq9 = "phq9"
    gad7 = "gad7"


class Source(StrEnum):
    intake = "intake"
    visit = "visit"
    phone = "phone"
    other = "other"


@app.command("add")
def score_add(
    patient_id: int,
    instrument: Annotated[Instrument, typer.Option(help="phq9 or gad7")],
    total: Annotated[int, typer.Option(help="PHQ-9 0-27, GAD-7 0-21")],
    at: Annotated[str, typer.Option(help="When it was taken: ISO 8601 with offset")],
    source: Annotated[Source, typer.Option(help="Where it comes from")] = Source.intake,
) -> None:
    """Record a score from intake paper or a visit; prints its id."""
    import flows
    from bot.outcomes.store import ScoreProblem, check_score, record_score
    from storage.models import Patient

    when = parse_when(at, "--at")
    assert when is not None
    try:
        check_score(instrument.value, total, when, now=datetime.now(UTC))
    except ScoreProblem as exc:
        raise fail(f"--{exc.field}: {exc}") from None
    library = flows.load_library(settings_or_exit().flows_dir)

    async def work(session: AsyncSession) -> int | None:
        if await session.get(Patient, patient_id) is None:
            return None
        now = datetime.now(UTC)
        score = await record_score(
            session,
            library,
            patient_id=patient_id,
            instrument=instrument.value,
            total=total,
            at=when,
            source=source.value,
            now=now,
            actor="cli",
        )
        return score.id

    score_id = run_in_session(work)
    if score_id is None:
        raise fail(f"no patient with id {patient_id}")
    typer.echo(score_id)


def describe(result: Outcome) -> list[str]:
    """The outcome in lines a clinician reads (the same words as the patient page)."""
    lines = [f"status: {result.status.replace('_', ' ')}"]
    if result.episode is not None:
        e = result.episode
        lines.append(
            f"episode {e.number}: from {e.start:%Y-%m-%d}, {len(e.infusions)} infusions "
            f"({e.phase}, {len(e.boosters)} boosters)"
        )
    for name, point in (
        ("baseline", result.baseline),
        ("latest", result.latest),
        ("lowest", result.nadir),
    ):
        if point is not None:
            lines.append(f"{name}: {point.total} on {point.at:%Y-%m-%d}")
    if result.change_percent is not None:
        lines.append(f"change: {result.change_percent:+.1f}%")
    if result.early_non_response:
        lines.append(f"early non-response: {result.early_evidence}")
    if result.relapse.flag:
        assert result.relapse.since is not None
        lines.append(f"relapse since {result.relapse.since:%Y-%m-%d}:")
        lines.extend(f"  {reason}" for reason in result.relapse.evidence)
    return lines


def outcome_show(
    patient_id: int,
    instrument: Annotated[Instrument, typer.Option(help="phq9 or gad7")] = Instrument.phq9,
) -> None:
    """Whether the treatment is working for a patient: status, change, relapse."""
    from bot.outcomes.store import patient_outcome
    from storage.models import Patient

    async def work(session: AsyncSession) -> Outcome | None:
        if await session.get(Patient, patient_id) is None:
            return None
        return await patient_outcome(
            session, patient_id=patient_id, instrument=instrument.value, now=datetime.now(UTC)
        )

    result = run_in_session(work)
    if result is None:
        raise fail(f"no patient with id {patient_id}")
    for line in describe(result):
        typer.echo(line)
