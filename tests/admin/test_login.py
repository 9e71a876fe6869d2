"""Staff sign in at /admin, are signed out when idle, and accounts come from the CLI."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.clock import ManualClock
from bot.services import Services
from storage.db import make_engine, make_sessionmaker
from storage.models import AuditEvent, StaffUser
from tests.admin.staff import PASSWORD, add_staff, csrf_in, form_token, sign_in


async def test_a_staff_member_signs_in_and_lands_on_the_escalations_page(
    client: httpx.AsyncClient, services: Services
) -> None:
    email = await add_staff(services, role="staff")

    response = await sign_in(client, email)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin"

    page = await client.get("/admin")
    assert page.status_code == 200
    assert "<h1>Escalations</h1>" in page.text
    assert "staff@clinic.example.org (staff)" in page.text


async def test_a_wrong_password_shows_one_message_that_does_not_say_which_part_was_wrong(
    client: httpx.AsyncClient, services: Services
) -> None:
    email = await add_staff(services, role="staff")

    wrong_password = await sign_in(client, email, "not the password")
    unknown_email = await sign_in(client, "nobody@clinic.example.org")

    for response in (wrong_password, unknown_email):
        assert response.status_code == 401
        assert "Email or password is wrong." in response.text
    assert (await client.get("/admin")).status_code == 303
    async with services.sessions() as session:
        failed = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "staff_login_failed")
            )
        ).all()
    assert len(failed) == 2


async def test_after_the_idle_timeout_the_next_page_asks_to_sign_in_again(
    client: httpx.AsyncClient, services: Services, clock: ManualClock
) -> None:
    await sign_in(client, await add_staff(services, role="staff"))
    clock.advance(minutes=29)
    assert (await client.get("/admin/patients")).status_code == 200

    clock.advance(minutes=29)  # active 29 minutes ago: still signed in
    assert (await client.get("/admin/patients")).status_code == 200

    clock.advance(minutes=31)
    response = await client.get("/admin/patients")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login?next=/admin/patients&reason=idle"
    login = await client.get(response.headers["location"])
    assert "signed out after a period of inactivity" in login.text


async def test_the_live_list_polling_does_not_keep_an_idle_login_alive(
    client: httpx.AsyncClient, services: Services, clock: ManualClock
) -> None:
    await sign_in(client, await add_staff(services, role="clinician"))
    for _ in range(4):
        clock.advance(minutes=10)
        await client.get("/admin/escalations.json")

    assert (await client.get("/admin/escalations")).status_code == 303


async def test_signing_out_ends_the_session(client: httpx.AsyncClient, services: Services) -> None:
    await sign_in(client, await add_staff(services, role="admin"))

    response = await client.post("/admin/logout", data={"csrf_token": await form_token(client)})

    assert response.headers["location"] == "/admin/login"
    assert (await client.get("/admin")).status_code == 303


async def test_sign_in_only_redirects_inside_the_dashboard(
    client: httpx.AsyncClient, services: Services
) -> None:
    email = await add_staff(services, role="staff")
    page = await client.get("/admin/login?next=//evil.example/admin")
    response = await client.post(
        "/admin/login",
        data={
            "email": email,
            "password": PASSWORD,
            "csrf_token": csrf_in(page.text),
            "next": "//evil.example/admin",
        },
    )
    assert response.headers["location"] == "/admin"


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)


def test_an_admin_adds_an_account_whose_password_is_typed_at_a_prompt_not_in_argv(
    cli_env: None, database_url: str
) -> None:
    password = "a long enough secret"
    result = CliRunner().invoke(
        cli,
        ["user", "add", "--email", "Nurse@Clinic.example.org", "--role", "staff"],
        input=f"{password}\n{password}\n",
    )
    assert result.exit_code == 0, result.output
    assert password not in result.output

    async def stored() -> StaffUser | None:
        engine = make_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                return await session.scalar(select(StaffUser))
        finally:
            await engine.dispose()

    user = asyncio.run(stored())
    assert user is not None
    assert (user.email, user.role) == ("nurse@clinic.example.org", "staff")
    assert user.password_hash.startswith("$argon2")
    assert password not in user.password_hash


def test_user_add_refuses_a_short_password_and_an_unknown_role(cli_env: None) -> None:
    short = CliRunner().invoke(
        cli, ["user", "add", "--email", "a@b.org", "--role", "staff"], input="short\nshort\n"
    )
    assert short.exit_code == 1
    assert "at least 12 characters" in short.output

    role = CliRunner().invoke(cli, ["user", "add", "--email", "a@b.org", "--role", "boss"])
    assert role.exit_code == 1
    assert "use one of admin, staff, clinician" in role.output
