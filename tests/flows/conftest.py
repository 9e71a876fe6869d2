"""Fixtures for the pure flow engine: a fixed clock, the library, the CLI sub-app."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

import flows

HERE = Path(__file__).parent
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def library() -> flows.FlowLibrary:
    """The built-in library plus the engine-feature fixtures in tests/flows/fixtures."""
    library = flows.builtin_library()
    for flow in flows.load_library(HERE / "fixtures"):
        library.add(flow)
    return library


@pytest.fixture(scope="session")
def flows_cli() -> ModuleType:
    """Return bot/cli/flows.py loaded on its own.

    It imports nothing from `bot`, and loading it alone keeps these tests
    about the flows sub-app rather than about the whole service CLI.
    """
    path = HERE.parent.parent / "bot" / "cli" / "flows.py"
    spec = importlib.util.spec_from_file_location("checkin_flows_cli", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
