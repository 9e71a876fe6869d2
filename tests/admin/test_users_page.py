"""Staff accounts from the dashboard (admins only): list, add, deactivate."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from bot.services import Services
from bot.web.admin import SESSION_COOKIE
from storage.models import AuditEvent, StaffUser
from tests.admin.staff import add_staff, form_token, sign_in
from tests.builders import add_clinician

NEW = "nurse.on.call@clinic.example.org"
TEMPORARY = "temporary pass 2026"


def accounts(page: str) -> list[str]:
    return re.findall(r'<tr class="account" data-email="([^"]+)">', page)


async def test_an_admin_adds_an_account_linked_to_a_clinician_and_it_can_sign_in(
    client: httpx.AsyncClient, services: Services
) -> None:
    clinician_id = await add_clinician(services, name="Primary Clinician", phone="+12025550150")
    admin = await add_staff(services, role="admin")
    await sign_in(client, admin)
    token = await form_token(client, "/admin/users")

    response = await client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "email": NEW,
            "role": "clinician",
            "clinician_id": str(clinician_id),
            "password": TEMPORARY,
        },
    )

    page = (await client.get(response.headers["location"])).text
    assert f"Added {NEW} (clinician)." in page
    assert accounts(page) == [admin, NEW]
    assert "Primary Clinician" in page
    assert TEMPORARY not in page
    await client.post("/admin/logout", data={"csrf_token": await form_token(client)})
    assert (await sign_in(client, NEW, TEMPORARY)).status_code == 303
    async with services.sessions() as session:
        added = await session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "staff_user_added")
            .order_by(AuditEvent.id.desc())
        )
    assert added is not None and added.actor.startswith("staff:")


async def test_a_short_password_or_a_taken_email_is_refused_and_the_form_kept(
    client: httpx.AsyncClient, services: Services
) -> None:
    admin = await add_staff(services, role="admin")
    await sign_in(client, admin)
    token = await form_token(client, "/admin/users")

    short = await client.post(
        "/admin/users",
        data={"csrf_token": token, "email": NEW, "role": "staff", "password": "short"},
    )
    taken = await client.post(
        "/admin/users",
        data={"csrf_token": token, "email": admin, "role": "staff", "password": TEMPORARY},
    )

    assert short.status_code == 422
    assert "Not added: the password must be at least 12 characters." in short.text
    assert f'value="{NEW}"' in short.text
    assert taken.status_code == 422 and "already exists" in taken.text
    assert accounts(taken.text) == [admin]


async def test_a_deactivated_account_is_signed_out_and_cannot_sign_in_again(
    client: httpx.AsyncClient, services: Services
) -> None:
    admin = await add_staff(services, role="admin")
    leaving = await add_staff(services, role="staff")
    await sign_in(client, leaving)
    their_cookie = client.cookies[SESSION_COOKIE]  # a browser still signed in as them
    await sign_in(client, admin)
    async with services.sessions() as session:
        leaving_id = await session.scalar(select(StaffUser.id).where(StaffUser.email == leaving))

    token = await form_token(client, "/admin/users")
    question = await client.post(
        f"/admin/users/{leaving_id}/deactivate", data={"csrf_token": token}
    )
    assert question.status_code == 200
    assert f"Deactivate the staff account {leaving}?" in question.text
    assert 'name="confirmed" value="yes"' in question.text
    assert (await sign_in(client, leaving)).status_code == 303  # asked, not yet done
    await sign_in(client, admin)
    token = await form_token(client, "/admin/users")

    response = await client.post(
        f"/admin/users/{leaving_id}/deactivate", data={"csrf_token": token, "confirmed": "yes"}
    )

    page = (await client.get(response.headers["location"])).text
    assert f"Deactivated {leaving}: they can no longer sign in." in page
    assert "deactivated</span>" in page
    client.cookies.set(SESSION_COOKIE, their_cookie)
    assert (await client.get("/admin/patients")).status_code == 303
    assert (await sign_in(client, leaving)).status_code == 401
    async with services.sessions() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "staff_user_deactivated")
        )
    assert event is not None and event.subject == f"staff:{leaving_id}"


async def test_an_admin_cannot_deactivate_their_own_account(
    client: httpx.AsyncClient, services: Services
) -> None:
    await sign_in(client, await add_staff(services, role="admin"))
    token = await form_token(client, "/admin/users")

    response = await client.post("/admin/users/1/deactivate", data={"csrf_token": token})

    assert (
        "You cannot deactivate your own account."
        in (await client.get(response.headers["location"])).text
    )
    assert (await client.get("/admin/users")).status_code == 200


async def test_an_admin_changes_a_role_and_link_and_reactivates_an_account(
    client: httpx.AsyncClient, services: Services
) -> None:
    clinician_id = await add_clinician(services, name="Dr Link", phone="+12025550151")
    admin = await add_staff(services, role="admin")
    nurse = await add_staff(services, role="staff")
    await sign_in(client, admin)
    async with services.sessions() as session:
        nurse_id = await session.scalar(select(StaffUser.id).where(StaffUser.email == nurse))
    token = await form_token(client, "/admin/users")

    changed = await client.post(
        f"/admin/users/{nurse_id}/role",
        data={"csrf_token": token, "role": "clinician", "clinician_id": str(clinician_id)},
    )
    page = (await client.get(changed.headers["location"])).text
    assert f"Changed the role and clinician of {nurse}." in page
    await client.post(
        f"/admin/users/{nurse_id}/deactivate", data={"csrf_token": token, "confirmed": "yes"}
    )
    back = await client.post(f"/admin/users/{nurse_id}/reactivate", data={"csrf_token": token})
    assert "they can sign in again" in (await client.get(back.headers["location"])).text

    assert (await sign_in(client, nurse)).status_code == 303
    async with services.sessions() as session:
        account = await session.get(StaffUser, nurse_id)
        assert account is not None
        assert (account.role, account.clinician_id, account.active) == (
            "clinician",
            clinician_id,
            True,
        )
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert {"staff_user_changed", "staff_user_deactivated", "staff_user_reactivated"} <= set(
        actions
    )


async def test_an_admin_cannot_take_the_admin_role_from_their_own_account(
    client: httpx.AsyncClient, services: Services
) -> None:
    await sign_in(client, await add_staff(services, role="admin"))
    token = await form_token(client, "/admin/users")

    response = await client.post(
        "/admin/users/1/role", data={"csrf_token": token, "role": "staff", "clinician_id": ""}
    )

    assert "You cannot take the admin role" in (await client.get(response.headers["location"])).text
    async with services.sessions() as session:
        assert (await session.get(StaffUser, 1)).role == "admin"  # type: ignore[union-attr]


async def test_a_reset_password_signs_the_account_out_and_must_be_changed_before_anything_else(
    client: httpx.AsyncClient, services: Services
) -> None:
    admin = await add_staff(services, role="admin")
    nurse = await add_staff(services, role="staff")
    await sign_in(client, nurse)
    their_cookie = client.cookies[SESSION_COOKIE]
    await sign_in(client, admin)
    async with services.sessions() as session:
        nurse_id = await session.scalar(select(StaffUser.id).where(StaffUser.email == nurse))
    token = await form_token(client, "/admin/users")

    short = await client.post(
        f"/admin/users/{nurse_id}/password", data={"csrf_token": token, "temporary": "short"}
    )
    assert (
        "Not reset: the password must be at least"
        in (await client.get(short.headers["location"])).text
    )
    done = await client.post(
        f"/admin/users/{nurse_id}/password", data={"csrf_token": token, "temporary": TEMPORARY}
    )
    assert f"Reset the password of {nurse}." in (await client.get(done.headers["location"])).text

    client.cookies.set(SESSION_COOKIE, their_cookie)  # their open session has ended
    assert (await client.get("/admin/patients")).status_code == 303
    client.cookies.clear()
    assert (await sign_in(client, nurse)).status_code == 401  # the old password is gone
    assert (await sign_in(client, nurse, TEMPORARY)).status_code == 303
    patients = await client.get("/admin/patients")
    assert (patients.status_code, patients.headers["location"]) == (303, "/admin/password")
    page = (await client.get("/admin/password")).text
    assert "An administrator reset your password." in page
    changed = await client.post(
        "/admin/password",
        data={
            "csrf_token": await form_token(client, "/admin/password"),
            "current": TEMPORARY,
            "new": "my own passphrase 7",
            "again": "my own passphrase 7",
        },
    )
    assert changed.status_code == 303
    assert (await client.get("/admin/patients")).status_code == 200
