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
