"""Too many failed sign-ins: refused for a while with a clear message, and audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from bot.clock import ManualClock
from bot.services import Services
from bot.web.admin.throttle import LoginThrottle
from storage.models import AuditEvent
from tests.admin.staff import add_staff, sign_in

PAUSED = "Too many failed sign-ins for this account or from this network."


async def test_after_five_wrong_passwords_even_the_right_one_waits_fifteen_minutes(
    client: httpx.AsyncClient, services: Services, clock: ManualClock
) -> None:
    email = await add_staff(services, role="staff")
    for _ in range(5):
        wrong = await sign_in(client, email, "not the password at all")
        assert wrong.status_code == 401 and "Email or password is wrong." in wrong.text

    refused = await sign_in(client, email)

    assert refused.status_code == 429
    assert PAUSED in refused.text and "try again in 15 minutes" in refused.text
    assert (await client.get("/admin/escalations")).status_code == 303  # not signed in
    clock.advance(minutes=15)
    assert (await sign_in(client, email)).status_code == 303
    async with services.sessions() as session:
        events = (await session.scalars(select(AuditEvent).order_by(AuditEvent.id))).all()
    actions = [e.action for e in events]
    assert actions.count("staff_login_failed") == 5
    assert actions.count("staff_login_throttled") == 1
    assert actions[-1] == "staff_login"
    throttled = next(e for e in events if e.action == "staff_login_throttled")
    assert throttled.detail == {"email": email}


async def test_a_locked_account_does_not_lock_a_colleague_out_on_the_same_network(
    client: httpx.AsyncClient, services: Services
) -> None:
    email = await add_staff(services, role="staff")
    colleague = await add_staff(services, role="clinician")
    for _ in range(5):
        await sign_in(client, email, "not the password at all")

    assert (await sign_in(client, email)).status_code == 429
    assert (await sign_in(client, colleague)).status_code == 303


def test_an_address_is_paused_after_four_times_the_account_limit_across_accounts() -> None:
    throttle = LoginThrottle(max_failures=2, window=timedelta(minutes=10))
    start = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    for n in range(8):
        assert throttle.wait(f"user{n}@clinic.example.org", "10.0.0.7", start) is None
        throttle.failed(f"user{n}@clinic.example.org", "10.0.0.7", start)

    assert throttle.wait("someone@clinic.example.org", "10.0.0.7", start) == timedelta(minutes=10)
    assert throttle.wait("someone@clinic.example.org", "10.0.0.8", start) is None
    later = start + timedelta(minutes=10)
    assert throttle.wait("someone@clinic.example.org", "10.0.0.7", later) is None
