"""Dashboard sessions end from the server: a stolen cookie stops working at sign-out, a
password change or deactivation, and no session outlives 12 hours from its sign-in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.app import create_app
from bot.clock import ManualClock
from bot.services import Services
from tests.admin.staff import PASSWORD, add_staff, form_token, sign_in
from tests.conftest import PUBLIC_BASE_URL


@pytest.fixture
async def devices(services: Services) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Two browsers on one running service (one session secret)."""
    app = create_app(services=services, background=False)
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url=PUBLIC_BASE_URL) as one,
        httpx.AsyncClient(transport=transport, base_url=PUBLIC_BASE_URL) as two,
    ):
        yield one, two


async def test_a_copied_cookie_stops_working_once_the_owner_signs_out(
    devices: tuple[httpx.AsyncClient, httpx.AsyncClient], services: Services
) -> None:
    client, other_device = devices
    await sign_in(client, await add_staff(services, role="admin"))
    for cookie in client.cookies.jar:  # the same cookie, replayed from elsewhere
        other_device.cookies.set(cookie.name, cookie.value, domain=cookie.domain)
    assert (await other_device.get("/admin/patients")).status_code == 200

    await client.post("/admin/logout", data={"csrf_token": await form_token(client)})

    assert (await other_device.get("/admin/patients")).status_code == 303


async def test_a_password_change_signs_out_the_other_devices_but_not_this_one(
    devices: tuple[httpx.AsyncClient, httpx.AsyncClient], services: Services
) -> None:
    client, other_device = devices
    email = await add_staff(services, role="staff")
    await sign_in(client, email)
    await sign_in(other_device, email)

    token = await form_token(client, "/admin/password")
    new = "a brand new long passphrase"
    changed = await client.post(
        "/admin/password",
        data={"csrf_token": token, "current": PASSWORD, "new": new, "again": new},
    )

    assert changed.status_code == 303
    assert (await client.get("/admin/patients")).status_code == 200
    assert (await other_device.get("/admin/patients")).status_code == 303


async def test_a_session_ends_twelve_hours_after_sign_in_however_busy(
    client: httpx.AsyncClient, services: Services, clock: ManualClock
) -> None:
    await sign_in(client, await add_staff(services, role="staff"))
    for _ in range(47):  # a page every 15 minutes for 11 h 45 min
        clock.advance(minutes=15)
        assert (await client.get("/admin/patients")).status_code == 200

    clock.advance(minutes=16)
    assert (await client.get("/admin/patients")).status_code == 303
