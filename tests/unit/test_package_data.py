"""An installed (non-editable) package carries every dashboard template and static file,
and the risk model's files."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_package_data_patterns_cover_every_template_and_static_file() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["bot"]
    package = ROOT / "bot"
    shipped = {p for pattern in patterns for p in package.glob(pattern) if p.is_file()}
    needed = {
        p
        for folder in ("templates", "static", "safety/model")
        for p in (package / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }

    assert needed - shipped == set()
