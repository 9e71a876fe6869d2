"""Reading flows from YAML files and snapshots, with errors that name lines."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from flows.compiler import compile_spec, spec_from_data
from flows.errors import FlowError, FlowLoadError, field_name, locate
from flows.model import Flow
from flows.pydantic_errors import translate
from flows.schema import FlowSpec
from flows.yaml_marks import Lines, YamlProblem, load_marked

BUILTIN_DIR = Path(__file__).parent / "library"


def parse_flow(text: str, *, source: str) -> tuple[Flow | None, list[FlowError]]:
    """Return the flow defined by YAML text, or None and every error found."""
    try:
        data, lines, structural = load_marked(text)
    except YamlProblem as problem:
        return None, [FlowError(source, problem.line, "", problem.message)]
    errors = [FlowError(source, line, field_name(loc), msg) for loc, msg, line in structural]
    flow, found = _compile(data, lines, source)
    return (None if errors else flow), sorted(set(errors + found))


def _compile(data: Any, lines: Lines, source: str) -> tuple[Flow | None, list[FlowError]]:
    def error(loc: tuple[str | int, ...], message: str) -> FlowError:
        shown, line = locate(loc, data, lines)
        return FlowError(source, line, field_name(shown), message)

    if not isinstance(data, dict):
        return None, [FlowError(source, 1, "", "a flow file must be a mapping with id, steps, ...")]
    try:
        spec = spec_from_data(data)
    except ValidationError as invalid:
        return None, [error(loc, message) for loc, message in translate(invalid, FlowSpec)]
    flow, problems = compile_spec(spec, source)
    return flow, [error(loc, message) for loc, message in problems]


def load_flow(path: str | Path) -> Flow:
    """Return the flow in a YAML file, or raise FlowLoadError."""
    path = Path(path)
    flow, errors = parse_flow(path.read_text(encoding="utf-8"), source=path.name)
    if flow is None:
        raise FlowLoadError(errors)
    return flow


def from_snapshot(data: Mapping[str, Any]) -> Flow:
    """Return the flow saved by `Flow.snapshot()`, or raise FlowLoadError."""
    flow, errors = _compile(dict(data), {(): 1}, "snapshot")
    if flow is None:
        raise FlowLoadError(errors)
    return flow


def check_path(path: str | Path | None = None) -> tuple[list[Flow], list[FlowError]]:
    """Load one file or every `*.yaml` in a directory (default: the built-in library).

    Returns every flow that loaded and every error, including two files
    that claim the same id and version.
    """
    root = Path(path) if path is not None else BUILTIN_DIR
    files = sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml")) if root.is_dir() else [root]
    if not files:
        return [], [FlowError(root.name, 0, "", "no *.yaml flow files here")]
    flows: list[Flow] = []
    errors: list[FlowError] = []
    seen: dict[tuple[str, int], str] = {}
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as problem:
            errors.append(FlowError(file.name, 0, "", f"cannot be read: {problem}"))
            continue
        flow, found = parse_flow(text, source=file.name)
        errors += found
        if flow is None:
            continue
        key = (flow.id, flow.version)
        if key in seen:
            _, line = locate(("version",), flow.snapshot(), _lines_of(text))
            message = f"{flow.id} version {flow.version} is already defined in {seen[key]}"
            errors.append(FlowError(file.name, line, "version", message))
            continue
        seen[key] = file.name
        flows.append(flow)
    return flows, errors


def _lines_of(text: str) -> Lines:
    _, lines, _ = load_marked(text)
    return lines
