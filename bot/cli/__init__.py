"""The `checkin` command."""

from __future__ import annotations

import typer

from bot.cli import checkins, db, demo, exports, infusions, people, quiet_hours, rota, scores
from bot.cli import flows as flows_cli
from bot.cli.screen import screen_command
from bot.cli.serve import serve, worker
from bot.cli.users import app as users_app

app = typer.Typer(help="checkin-bot: check-ins, screening and escalation.", no_args_is_help=True)
app.command("serve")(serve)
app.command("worker")(worker)
app.command("screen")(screen_command)
app.add_typer(flows_cli.app, name="flows")
app.add_typer(db.app, name="db")
people.patient_app.command("set-quiet-hours")(quiet_hours.set_quiet_hours)
app.add_typer(people.patient_app, name="patient")
app.add_typer(people.clinician_app, name="clinician")
people.oncall_app.add_typer(rota.rotation_app, name="rotation")
people.oncall_app.command("show")(rota.oncall_show)
app.add_typer(people.oncall_app, name="oncall")
app.add_typer(infusions.app, name="infusion")
app.add_typer(users_app, name="user")
app.add_typer(exports.app, name="export")
app.add_typer(scores.app, name="score")
app.add_typer(checkins.app, name="checkin")
app.add_typer(demo.app, name="demo")
app.command("outcome")(scores.outcome_show)
