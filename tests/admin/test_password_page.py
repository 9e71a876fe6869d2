"""Changing one's own password (a temporary one from an admin, first of all)."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from bot.services import Services
from storage.models import AuditEvent
from tests.admin.staff import PASSWORD, add_staff, form_token, sign_in

NEW = "a longer passphrase of mine"


async def test_a_user_replaces_their_temporary_password_and_signs_in_with_the_new_one(
    client: httpx.AsyncClient, services: Services
) -> None:
    email = await add_staff(services, role="clinician")
    await sign_in(client, email)
    token = await form_token(client, "/admin/password")

    response = await client.post(
        "/admin/password",
        data={"csrf_token": token, "current": PASSWORD, "new": NEW, "again": NEW},
    )

    assert (
        "Your password has been changed." in (await client.get(response.headers["location"])).text
    )
    await client.post("/admin/logout", data={"csrf_token": token})
    assert (await sign_in(client, email, PASSWORD)).status_code == 401
    assert (await sign_in(client, email, NEW)).status_code == 303
    async with services.sessions() as session:
        changed = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "staff_password_changed")
        )
    assert changed is not None and changed.actor == changed.subject == "staff:1"


async def test_a_wrong_current_password_or_a_mismatch_changes_nothing(
    client: httpx.AsyncClient, services: Services
) -> None:
    email = await add_staff(services, role="staff")
    await sign_in(client, email)
    token = await form_token(client, "/admin/password")

    wrong = await client.post(
        "/admin/password",
        data={"csrf_token": token, "current": "not my password", "new": NEW, "again": NEW},
    )
    mismatch = await client.post(
        "/admin/password",
        data={"csrf_token": token, "current": PASSWORD, "new": NEW, "again": NEW + "!"},
    )

    assert wrong.status_code == 422 and "Not changed: the current password is wrong." in wrong.text
    assert "The two new passwords are not the same." in mismatch.text
    await client.post("/admin/logout", data={"csrf_token": token})
    assert (await sign_in(client, email, PASSWORD)).status_code == 303
