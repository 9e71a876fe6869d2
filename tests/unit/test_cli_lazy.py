"""`checkin` starts without the service: a command's module is imported when it runs."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from bot.cli import COMMANDS, app


def test_importing_the_cli_loads_neither_the_database_layer_nor_the_web_app() -> None:
    probe = (
        "import sys, bot.cli; "
        "print(sorted(m for m in ('sqlalchemy', 'bot.app', 'fastapi', 'onnxruntime', "
        "'bot.safety.rules', 'telegram') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_help_lists_every_command_with_its_short_help() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name, (short, _) in COMMANDS.items():
        assert name in result.output and short in result.output


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_loads_and_answers_help(name: str) -> None:
    result = CliRunner().invoke(app, [name, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
