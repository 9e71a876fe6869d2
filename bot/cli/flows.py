"""`checkin flows`: validate flow files, and play a flow in the terminal."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

import flows
from flows.durations import parse_duration
from flows.segments import long_texts

app = typer.Typer(help="Check and try conversation flows.", no_args_is_help=True)

FlowsDir = Annotated[
    Path | None,
    typer.Option(
        "--flows-dir",
        envvar="FLOWS_DIR",
        help="Directory of flow YAML files (default: FLOWS_DIR, else the built-in library).",
    ),
]


@app.command()
def validate(
    path: Annotated[
        Path | None,
        typer.Argument(
            envvar="FLOWS_DIR",
            help="A flow file or a directory of them (default: FLOWS_DIR, else the built-in library).",
        ),
    ] = None,
) -> None:
    """Check flow files; print "ok" or every error as file:line field: message."""
    loaded, errors = flows.check_path(path)
    if errors:
        for error in errors:
            typer.echo(str(error))
        raise typer.Exit(1)
    steps = sum(len(flow.steps) for flow in loaded)
    for warning in long_texts(loaded):
        typer.echo(f"warning: {warning}")
    typer.echo(f"ok: {len(loaded)} flows, {steps} steps")


@app.command("export")
def export_flow(
    flow_id: Annotated[str, typer.Argument(help="The flow's id, e.g. daily-checkin.")],
    version: Annotated[
        int | None, typer.Option(help="A version (default: the published one).")
    ] = None,
) -> None:
    """Print a stored version's YAML (the published one by default), to keep in git."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot import flow_versions as fv
    from bot.cli._common import fail, run_in_session, settings_or_exit

    settings = settings_or_exit()

    async def work(session: AsyncSession) -> str | None:
        await fv.import_files(session, settings.flows_dir, now=datetime.now(UTC))
        if version is None:
            row = await fv.published_row(session, flow_id)
            return row.yaml if row else None
        try:
            return (await fv.get_version(session, flow_id, version)).yaml
        except fv.UnknownVersion:
            return None

    text = run_in_session(work)
    if text is None:
        which = f"version {version}" if version else "a published version"
        raise fail(f"{flow_id}: no {which} (see checkin flows versions {flow_id})")
    typer.echo(text.rstrip("\n"))


@app.command("import")
def import_flow(
    file: Annotated[Path, typer.Argument(help="A flow YAML file; its id names the flow.")],
    note: Annotated[str | None, typer.Option(help="What changed and why.")] = None,
    new: Annotated[bool, typer.Option("--new", help="The flow does not exist yet.")] = False,
) -> None:
    """Store a file as a draft of its flow (the next version); publish it on the dashboard,
    the API or with `checkin flows publish`. Prints the version, or every error."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot import flow_versions as fv
    from bot.cli._common import fail, run_in_session, settings_or_exit

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as problem:
        raise fail(f"{file}: cannot be read: {problem}") from None
    parsed, errors = flows.parse_flow(text, source=file.name)
    if parsed is None:
        for error in errors:
            typer.echo(str(error), err=True)
        raise typer.Exit(1)
    settings = settings_or_exit()

    async def work(session: AsyncSession) -> int | list[str]:
        now = datetime.now(UTC)
        await fv.import_files(session, settings.flows_dir, now=now)
        try:
            row = await fv.save_draft(
                session,
                parsed.id,
                text,
                author=fv.Author("cli"),
                source=f"import {file.name}",
                note=note,
                now=now,
                new_flow=new,
            )
        except fv.DraftRejected as rejected:
            return [str(e) for e in rejected.errors]
        except fv.UnknownVersion:
            return [f"{file.name}: no flow {parsed.id!r} yet (add --new to create it)"]
        return row.version

    result = run_in_session(work)
    if isinstance(result, list):
        for line in result:
            typer.echo(line, err=True)
        raise typer.Exit(1)
    typer.echo(f"{parsed.id} version {result}: draft")


@app.command("versions")
def list_versions(
    flow_id: Annotated[str, typer.Argument(help="The flow's id.")],
) -> None:
    """Every stored version of a flow: number, status, where it came from, who, when."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot import flow_versions as fv
    from bot.cli._common import fail, run_in_session, settings_or_exit

    settings = settings_or_exit()

    async def work(session: AsyncSession) -> list[str]:
        await fv.import_files(session, settings.flows_dir, now=datetime.now(UTC))
        return [
            f"{r.version}\t{r.status}\t{r.source}\t{r.author}\t{r.created_at:%Y-%m-%d %H:%M}Z"
            + (f"\t{r.publish_note or r.note}" if (r.publish_note or r.note) else "")
            for r in await fv.versions_of(session, flow_id)
        ]

    lines = run_in_session(work)
    if not lines:
        raise fail(f"no flow {flow_id!r}")
    for line in lines:
        typer.echo(line)


@app.command("publish")
def publish_version(
    flow_id: Annotated[str, typer.Argument(help="The flow's id.")],
    version: Annotated[int, typer.Argument(help="The version to publish.")],
    note: Annotated[str | None, typer.Option(help="Why (needed to override).")] = None,
    override: Annotated[
        bool, typer.Option("--override", help="Publish over warnings (not errors).")
    ] = False,
) -> None:
    """Publish a version with the dashboard's checks; prints each problem if refused (a
    retired version is rolled back to, as a new version). A running service takes it at
    its next check-in tick."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot import flow_versions as fv
    from bot.cli._common import fail, run_in_session, settings_or_exit
    from storage.models import StaffRole

    settings = settings_or_exit()

    async def work(session: AsyncSession) -> list[str]:
        now = datetime.now(UTC)
        await fv.import_files(session, settings.flows_dir, now=now)
        try:
            row = await fv.get_version(session, flow_id, version)
        except fv.UnknownVersion as missing:
            return [str(missing)]
        try:
            await fv.publish_or_roll_back(
                session,
                flows.FlowLibrary(),
                row,
                author=fv.Author("cli", None, StaffRole.ADMIN),
                note=note,
                override=override,
                now=now,
            )
        except fv.PublishRefused as refused:
            return [f"{p.severity}: {p.message}" for p in refused.problems]
        return []

    problems = run_in_session(work)
    if problems:
        for line in problems:
            typer.echo(line, err=True)
        raise fail(f"{flow_id} version {version} not published")
    typer.echo(f"{flow_id} version {version}: published")


def _emergency(crisis_resources: str) -> str:
    from bot.safety.crisis import CrisisResourcesError, crisis_lines

    try:
        return crisis_lines(crisis_resources).emergency
    except CrisisResourcesError as problem:
        typer.echo(str(problem), err=True)
        raise typer.Exit(2) from None


@app.command("try")
def try_flow(
    flow_id: Annotated[str, typer.Argument(help="The flow's id, e.g. daily-checkin.")],
    flows_dir: FlowsDir = None,
    version: Annotated[int | None, typer.Option(help="A version (default: newest).")] = None,
    language: Annotated[str, typer.Option("--language", "-l")] = "en",
    name: Annotated[str | None, typer.Option(help="The patient's first name.")] = "Alex",
    infusion_number: Annotated[int | None, typer.Option()] = 3,
    clinic_phone: Annotated[str | None, typer.Option(envvar="CLINIC_PHONE")] = None,
    crisis_resources: Annotated[
        str, typer.Option(envvar="CRISIS_RESOURCES", help="Whose emergency number texts name.")
    ] = "us",
    events: Annotated[
        bool, typer.Option("--events", help="Also print each event as JSON.")
    ] = False,
) -> None:
    """Play a flow as a patient: type replies (or pipe them in), one per line.

    "/wait 2h" moves the clock on, to see a reminder or the expiry.
    """
    try:
        flow = flows.load_library(flows_dir).get(flow_id, version)
    except flows.FlowLoadError as problem:
        typer.echo(str(problem), err=True)
        raise typer.Exit(1) from None
    except flows.UnknownFlow as problem:
        known = ", ".join(flows.load_library(flows_dir).ids())
        typer.echo(f"{problem.args[0]} (known: {known})", err=True)
        raise typer.Exit(1) from None
    context = flows.Context(
        language=language,
        first_name=name,
        infusion_number=infusion_number,
        clinic_phone=clinic_phone,
        emergency_number=_emergency(crisis_resources),
    )
    _play(flow, context, show_events=events, echo_input=not sys.stdin.isatty())


def _play(flow: flows.Flow, context: flows.Context, *, show_events: bool, echo_input: bool) -> None:
    from bot.safety.reason_words import what_screening_does
    from bot.safety.screening import screen  # compiling the rules: only when playing

    now = datetime.now(UTC)
    state, happened = flows.start(flow, now=now, context=context)
    _show(happened, show_events)
    while state.active:
        line = sys.stdin.readline()
        if not line:
            typer.echo("     [stopped: no more input]")
            return
        text = line.rstrip("\n")
        if echo_input:
            typer.echo(f"you: {text}")
        if text.startswith("/wait"):
            try:
                now += parse_duration(text.removeprefix("/wait").strip())
            except ValueError as problem:
                typer.echo(f"     [/wait {problem}]")
                continue
            state, happened = flows.advance(flow, state, None, now=now, context=context)
        else:
            found = screen(text)
            said = what_screening_does(found.level.value, found.reasons)
            if said:
                typer.echo(f"     [{said}]")
            state, happened = flows.advance(flow, state, text, now=now, context=context)
        _show(happened, show_events)


def _show(happened: list[flows.Event], show_events: bool) -> None:
    for event in happened:
        for line in _lines(event):
            typer.echo(line)
        if show_events:
            typer.echo("     " + json.dumps(event.to_dict(), ensure_ascii=False))


def _lines(event: flows.Event) -> list[str]:
    """Return what the patient would see, and bracketed notes for staff."""
    match event:
        case (
            flows.QuestionAsked(text=text, choices=choices)
            | flows.ReminderDue(text=text, choices=choices)
        ):
            return [*_bot(text), *_buttons(choices)]
        case flows.AnswerRejected(reprompt_text=text, choices=choices):
            return [*_bot(text), *_buttons(choices)]
        case flows.MessageSaid(text=text):
            return _bot(text)
        case flows.AnswerRecorded(step_id=step, value=value, note=note):
            shown = json.dumps(value, ensure_ascii=False)
            return [f"     [recorded {step} = {shown}{f' ({note})' if note else ''}]"]
        case flows.StepSkipped(step_id=step, reason=reason):
            return [f"     [skipped {step}: {reason}]"]
        case flows.EscalationRequested(risk=risk, reason=reason):
            return [f"     [ESCALATION {risk}: {reason}]"]
        case flows.ScoreComputed(name=name, total=total, band=band, missing=missing):
            detail = band or f"incomplete, missing {', '.join(missing)}"
            return [f"     [score {name} = {total:g} ({detail})]"]
        case flows.FlowCompleted() | flows.FlowExpired() | flows.FlowAborted():
            return [f"     [{event.kind.replace('_', ' ')}]"]
    return []


def _bot(text: str) -> list[str]:
    first, *rest = text.splitlines() or [""]
    return [f"bot: {first}", *(f"     {line}" for line in rest)]


def _buttons(choices: tuple[flows.Choice, ...]) -> list[str]:
    return [f"     buttons: {' | '.join(c.label for c in choices)}"] if choices else []
