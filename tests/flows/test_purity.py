"""flows/ is pure: it never imports the service, storage or I/O, and never reads the clock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

FLOWS = Path(__file__).parent.parent.parent / "flows"
MODULES = sorted(FLOWS.rglob("*.py"))
FORBIDDEN_IMPORTS = {
    "bot", "storage", "sqlalchemy", "httpx", "requests", "socket", "urllib", "asyncio",
    "time", "random", "subprocess", "twilio", "telegram", "fastapi",
}  # fmt: skip
CLOCK_READS = {"now", "utcnow", "today", "time", "monotonic", "perf_counter"}


def imported_roots(tree: ast.AST) -> set[str]:
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(FLOWS)) for p in MODULES])
def test_a_flows_module_imports_no_service_storage_or_io(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert not imported_roots(tree) & FORBIDDEN_IMPORTS


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(FLOWS)) for p in MODULES])
def test_a_flows_module_never_reads_the_clock(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = [
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    ]
    assert not set(calls) & CLOCK_READS


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(FLOWS)) for p in MODULES])
def test_a_flows_module_stays_small(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) < 250
