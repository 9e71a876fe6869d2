"""Dashboard pages forbid framing, sniffing and caching; the API docs are off in production."""

from __future__ import annotations

import httpx

from bot.app import create_app
from bot.bootstrap import build_services
from bot.clock import ManualClock
from bot.config import Settings
from tests.conftest import PUBLIC_BASE_URL


async def test_dashboard_pages_carry_security_headers_and_are_never_cached(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/admin/login")
    assert page.status_code == 200
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"


async def test_with_a_real_channel_the_api_docs_are_off_unless_asked_for(
    settings: Settings, clock: ManualClock
) -> None:
    for docs, expected in ((None, 404), (True, 200)):
        services = build_services(settings.model_copy(update={"api_docs": docs}), clock=clock)
        app = create_app(services=services, background=False)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=PUBLIC_BASE_URL
        ) as http:
            assert (await http.get("/openapi.json")).status_code == expected
            assert (await http.get("/docs")).status_code == expected
        await services.close()
