"""`checkin flows validate`: "ok" with counts, or every error as file:line field: message."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from tests.flows.conftest import HERE

BROKEN = HERE / "broken"
EXPECTED = (BROKEN / "expected-errors.txt").read_text(encoding="utf-8").splitlines()
BROKEN_FILES = sorted(BROKEN.glob("*.yaml"))


def validate(
    cli: ModuleType, *args: str, env: dict[str, str] | None = None
) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli.app, ["validate", *args], env=env or {"FLOWS_DIR": ""})
    return result.exit_code, result.output.splitlines()


@pytest.mark.parametrize("path", BROKEN_FILES, ids=[p.stem for p in BROKEN_FILES])
def test_a_broken_flow_file_gives_its_exact_error_lines_and_exit_1(
    path: Path, flows_cli: ModuleType
) -> None:
    code, lines = validate(flows_cli, str(path))
    assert code == 1
    assert lines == [line for line in EXPECTED if line.startswith(f"{path.name}:")]


def test_a_directory_of_broken_files_lists_every_error_of_every_file(flows_cli: ModuleType) -> None:
    code, lines = validate(flows_cli, str(BROKEN))
    assert code == 1
    assert lines == EXPECTED
    assert {line.split(":")[0] for line in lines} == {p.name for p in BROKEN_FILES}


def test_the_built_in_library_is_ok_with_counts(flows_cli: ModuleType) -> None:
    code, lines = validate(flows_cli)
    # Two validated or translated texts run past two SMS segments: warned, not errors.
    assert (code, lines[-1]) == (0, "ok: 8 flows, 69 steps")
    assert all(line.startswith("warning: ") for line in lines[:-1])


def test_flows_dir_from_the_environment_is_validated_when_no_path_is_given(
    flows_cli: ModuleType, tmp_path: Path
) -> None:
    shutil.copy(HERE / "fixtures" / "versioned-v1.yaml", tmp_path)
    code, lines = validate(flows_cli, env={"FLOWS_DIR": str(tmp_path)})
    assert (code, lines) == (0, ["ok: 1 flows, 2 steps"])


def test_two_files_with_the_same_id_and_version_are_an_error(
    flows_cli: ModuleType, tmp_path: Path
) -> None:
    source = HERE / "fixtures" / "versioned-v1.yaml"
    shutil.copy(source, tmp_path / "a.yaml")
    (tmp_path / "b.yaml").write_text(
        source.read_text().replace("Version one done.", "Edited, same version."), encoding="utf-8"
    )
    code, lines = validate(flows_cli, str(tmp_path))
    assert code == 1
    assert lines == ["b.yaml:2 version: test-versioned version 1 is already defined in a.yaml"]
