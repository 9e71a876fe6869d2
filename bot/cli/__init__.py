"""The `checkin` command.

Each command's module is imported only when that command runs: `checkin --help` lists
them from the short help below, and `checkin patient list` never imports the web app, the
scheduler or the screening model. Each loader returns a Typer app (a group of commands) or
a function (one command).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup


@functools.cache  # registers its extra commands once per process
def _patient() -> object:
    from bot.cli import people, quiet_hours

    people.patient_app.command("set-quiet-hours")(quiet_hours.set_quiet_hours)
    return people.patient_app


@functools.cache
def _oncall() -> object:
    from bot.cli import people, rota

    people.oncall_app.add_typer(rota.rotation_app, name="rotation")
    people.oncall_app.command("show")(rota.oncall_show)
    return people.oncall_app


def _attr(module: str, name: str) -> Callable[[], object]:
    def load() -> object:
        import importlib

        return getattr(importlib.import_module(f"bot.cli.{module}"), name)

    return load


# name: (short help, loader), in the order `checkin --help` lists them.
COMMANDS: dict[str, tuple[str, Callable[[], object]]] = {
    "serve": ("Run the service.", _attr("serve", "serve")),
    "worker": (
        "Run the dispatcher, escalation timers and outbox without the web app.",
        _attr("serve", "worker"),
    ),
    "screen": (
        "Screen messages read from stdin, one per line, printing one JSON object per line.",
        _attr("screen", "screen_command"),
    ),
    "outcome": (
        "Whether the treatment is working for a patient: status, change, relapse.",
        _attr("scores", "outcome_show"),
    ),
    "flows": ("Check and try conversation flows.", _attr("flows", "app")),
    "db": ("Database schema.", _attr("db", "app")),
    "patient": ("Enroll and manage patients.", _patient),
    "clinician": ("Register clinicians.", _attr("people", "clinician_app")),
    "oncall": ("The on-call rota the escalation ladder pages.", _oncall),
    "infusion": ("Infusions and their post-infusion check-ins.", _attr("infusions", "app")),
    "user": ("Staff accounts for the dashboard.", _attr("users", "app")),
    "export": ("Export check-in answers.", _attr("exports", "app")),
    "score": ("Questionnaire scores taken outside the bot.", _attr("scores", "app")),
    "checkin": ("Check-ins staff start by hand.", _attr("checkins", "app")),
    "demo": ("Demo data for the sandbox.", _attr("demo", "app")),
}


def _load(name: str) -> Any:
    """The click command behind ``name`` (typer's own, built from the module's app)."""
    found = COMMANDS[name][1]()
    command: Any
    if isinstance(found, typer.Typer):
        command = typer.main.get_group(found)  # a group even when it holds one command
    else:
        single = typer.Typer()
        single.command(name)(found)  # type: ignore[type-var]
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """Lists every command from its short help; imports one only when it is run."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._loaded: set[str] = set()
        for name, (short, _) in COMMANDS.items():
            self.commands[name] = TyperCommand(name, help=short, short_help=short)

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name = args[0] if args else None
        if name in COMMANDS and name not in self._loaded:
            self.commands[name] = _load(name)
            self._loaded.add(name)
        return super().resolve_command(ctx, args)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)


app = typer.Typer(
    cls=LazyGroup,
    help="checkin-bot: check-ins, screening and escalation.",
    no_args_is_help=True,
)


@app.callback()
def _main() -> None:
    """checkin-bot: check-ins, screening and escalation."""


__all__: Sequence[str] = ("app",)
