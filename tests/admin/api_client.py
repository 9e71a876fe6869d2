"""An HTTP client for the admin API, with the service behind it and a token that works."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.app import create_app
from bot.bootstrap import build_services
from bot.clock import ManualClock
from bot.config import Settings
from bot.services import Services
from tests.conftest import PUBLIC_BASE_URL

TOKEN = "test-admin-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
async def api(
    settings: Settings, clock: ManualClock
) -> AsyncIterator[tuple[httpx.AsyncClient, Services]]:
    services = build_services(settings.model_copy(update={"admin_token": TOKEN}), clock=clock)
    app = create_app(services=services, background=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_BASE_URL) as http:
        yield http, services
    await services.close()
