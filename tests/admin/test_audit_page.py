"""The audit log page: who did what and when, newest first, filtered, a page at a time."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from bot import audit
from bot.clock import ManualClock
from bot.services import Services
from tests.admin.staff import add_staff, form_token, sign_in
from tests.admin.test_patients_pages import enroll_form
from tests.builders import clinic_with_rota

ROW = re.compile(
    r'<tr class="audit-event" data-action="(\w+)">\s*<td>([^<]+)</td>\s*<td>([^<]*)</td>'
)


def rows(page: str) -> list[tuple[str, str, str]]:
    return ROW.findall(page)


async def test_an_admin_sees_enrollment_pause_and_sign_in_with_who_and_when_newest_first(
    client: httpx.AsyncClient, services: Services, clock: ManualClock
) -> None:
    admin = await add_staff(services, role="admin")
    await sign_in(client, admin)
    clock.advance(minutes=5)
    token = await form_token(client, "/admin/patients/new")
    enrolled = await client.post("/admin/patients", data=enroll_form(token))
    clock.advance(minutes=5)
    await client.post(enrolled.headers["location"] + "/pause", data={"csrf_token": token})

    page = (await client.get("/admin/audit")).text

    assert rows(page)[:3] == [
        ("patient_paused", "Fri 27 Nov 10:10", admin),
        ("patient_enrolled", "Fri 27 Nov 10:05", admin),
        ("staff_login", "Fri 27 Nov 10:00", admin),
    ]
    assert '<a href="/admin/patients/1">Jordan Blake</a>' in page


async def test_the_log_filters_by_action_and_by_who(
    client: httpx.AsyncClient, services: Services
) -> None:
    admin = await add_staff(services, role="admin")
    other = await add_staff(services, role="staff")
    await sign_in(client, other, "a wrong password here")
    await sign_in(client, other)
    await sign_in(client, admin)

    failed = (await client.get("/admin/audit?action=staff_login_failed")).text
    by_admin = (await client.get("/admin/audit?actor=staff:1")).text

    assert [r[0] for r in rows(failed)] == ["staff_login_failed"]
    assert "1 event;" in failed
    assert [r[0] for r in rows(by_admin)] == ["staff_login"]
    assert (
        "No events match this filter."
        in (await client.get("/admin/audit?action=patient_paused")).text
    )


async def test_a_long_log_is_paged_fifty_at_a_time_with_older_and_newer_links(
    client: httpx.AsyncClient, services: Services
) -> None:
    await sign_in(client, await add_staff(services, role="admin"))
    start = services.clock()
    async with services.sessions() as session, session.begin():
        for n in range(120):
            audit.record(
                session, at=start - timedelta(hours=n + 1), actor="cli", action="patient_resumed"
            )
    first = (await client.get("/admin/audit?action=patient_resumed")).text
    last = (await client.get("/admin/audit?action=patient_resumed&page=3")).text

    assert len(rows(first)) == 50 and "page 1 of 3" in first
    assert 'href="/admin/audit?action=patient_resumed&amp;page=2">Older' in first
    assert "Newer" not in first
    assert len(rows(last)) == 20 and "Older" not in last
    assert rows(last)[-1][1] == "Sun 22 Nov 10:00"  # 120 hours before the newest


async def test_details_name_the_people_and_give_times_in_the_clinics_zone(
    client: httpx.AsyncClient, services: Services
) -> None:
    ids = await clinic_with_rota(services)
    patient_id = ids["patient"]
    now = services.clock()
    async with services.sessions() as session, session.begin():
        audit.record(
            session,
            at=now,
            actor="cli",
            action="oncall_override_added",
            subject="shift:1",
            clinician=ids["backup"],
            patient=patient_id,
            starts_at="2026-11-27T23:00:00+00:00",
        )
        audit.record(
            session,
            at=now,
            actor="cli",
            action="oncall_set",
            detail_roles={"primary": ids["primary"]},
        )
    await sign_in(client, await add_staff(services, role="admin"))

    page = (await client.get("/admin/audit")).text

    assert "clinician: Dr Backup; patient: Alex Rivera; starts at: Fri 27 Nov 2026 18:00" in page
    assert "on call: primary Dr Primary" in page
    assert "clinician=" not in page
