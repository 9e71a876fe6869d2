"""The dashboard served by uvicorn on a loopback port, and Debian's Chromium driven by
Playwright. Browser tests skip, saying why, when Chromium or Playwright is missing."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.app import create_app
from bot.bootstrap import build_services
from bot.clock import ManualClock
from bot.config import Settings
from tests.fakes.server import BackgroundServer

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
# As root in a container: no sandbox; and nothing that phones Google from a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def dashboard_url(settings: Settings, clock: ManualClock) -> Iterator[str]:
    """The app (sandbox on) served on 127.0.0.1 by uvicorn in a thread, on the test database.

    The server gets its own services and an engine without a pool: its connections live on
    the server thread's event loop, the test's on the test's, and none outlive a request.
    """
    served = settings.model_copy(
        update={"public_base_url": "http://127.0.0.1", "sandbox": True, "session_secret": "t" * 32}
    )
    services = build_services(
        served, clock=clock, engine=create_async_engine(served.database_url, poolclass=NullPool)
    )
    server = BackgroundServer(create_app(services=services, background=False)).start()
    yield server.url
    server.stop()


@pytest.fixture
def chromium() -> Path:
    if shutil.which(str(CHROMIUM)) is None:
        pytest.skip(
            "browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium)"
        )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return CHROMIUM


@pytest.fixture
async def browser_page(chromium: Path) -> AsyncIterator[Any]:
    """A fresh Chromium page (Playwright starts it with a new, empty profile), 1100x900."""
    playwright_api = pytest.importorskip(
        "playwright.async_api",
        reason="browser tests need the playwright package (pip install -e '.[dev]')",
    )
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        context = await browser.new_context(viewport={"width": 1100, "height": 900})
        page = await context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            await context.close()
            await browser.close()
