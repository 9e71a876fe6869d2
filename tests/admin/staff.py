"""Staff accounts and a signed-in browser-like client, for dashboard tests."""

from __future__ import annotations

import re

import httpx

from bot.accounts import create_user
from bot.services import Services

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def add_staff(
    services: Services, *, role: str, email: str | None = None, clinician_id: int | None = None
) -> str:
    email = email or f"{role}@clinic.example.org"
    async with services.sessions() as session, session.begin():
        await create_user(
            session,
            email=email,
            password=PASSWORD,
            role=role,
            clinician_id=clinician_id,
            now=services.clock(),
        )
    return email


def csrf_in(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF field in the page"
    return match.group(1)


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> httpx.Response:
    page = await client.get("/admin/login")
    return await client.post(
        "/admin/login",
        data={"email": email, "password": password, "csrf_token": csrf_in(page.text)},
    )


async def form_token(client: httpx.AsyncClient, path: str = "/admin/escalations") -> str:
    """The CSRF token from a page the signed-in user can see."""
    return csrf_in((await client.get(path)).text)
