"""The on-call rota page: who is on call now and next, the shifts, adding an override."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from bot.safety.rota import on_call
from bot.services import Services
from storage.models import AuditEvent, OnCallRotation, OnCallShift
from tests.admin.staff import add_staff, form_token, sign_in
from tests.builders import clinic_with_rota

BOARD = re.compile(
    r'<tr class="on-call" data-role="(\w+)">\s*<th scope="row">\w+</th>\s*<td>(.*?)</td>\s*<td>(.*?)</td>',
    re.S,
)


def board(page: str) -> dict[str, tuple[str, str]]:
    return {
        role: (re.sub("<[^>]+>", "", now), re.sub("<[^>]+>", "", nxt))
        for role, now, nxt in BOARD.findall(page)
    }


async def test_the_rota_shows_who_is_on_call_now_and_that_nobody_holds_a_role(
    client: httpx.AsyncClient, services: Services
) -> None:
    await clinic_with_rota(services)
    await sign_in(client, await add_staff(services, role="clinician"))

    page = (await client.get("/admin/rota")).text

    assert board(page) == {
        "primary": ("Dr Primary", "no change within 8 weeks"),
        "backup": ("Dr Backup", "no change within 8 weeks"),
        "director": ("nobody", "no change within 8 weeks"),
        "desk": ("nobody", "no change within 8 weeks"),
    }
    assert page.count('<tr class="shift">') == 2
    assert "Add an override" not in page  # clinicians look; the office keeps the rota


async def test_staff_add_an_override_and_the_ladder_pages_that_clinician_in_that_window(
    client: httpx.AsyncClient, services: Services
) -> None:
    ids = await clinic_with_rota(services)
    await sign_in(client, await add_staff(services, role="staff"))
    token = await form_token(client, "/admin/rota")

    response = await client.post(
        "/admin/rota",
        data={
            "csrf_token": token,
            "clinician_id": str(ids["backup"]),
            "role": "primary",
            "starts": "2026-11-27T18:00",
            "ends": "2026-11-28T08:00",
        },
    )

    page = (await client.get(response.headers["location"])).text
    assert "Dr Backup is primary on call from Fri 27 Nov 18:00 to Sat 28 Nov 08:00." in page
    assert board(page)["primary"] == ("Dr Primary", "Dr Backup from Fri 27 Nov 18:00")
    assert page.count('<tr class="shift">') == 3
    async with services.sessions() as session:
        evening = await on_call(session, role="primary", at=datetime(2026, 11, 28, 1, tzinfo=UTC))
        morning = await on_call(session, role="primary", at=datetime(2026, 11, 28, 14, tzinfo=UTC))
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "oncall_override_added")
        )
    assert evening is not None and evening.name == "Dr Backup"
    assert morning is not None and morning.name == "Dr Primary"
    assert event is not None and event.actor.startswith("staff:")
    assert event.detail is not None and event.detail["starts_at"] == "2026-11-27T23:00:00+00:00"


async def test_an_override_that_ends_before_it_starts_is_refused_field_by_field(
    client: httpx.AsyncClient, services: Services
) -> None:
    await clinic_with_rota(services)
    await sign_in(client, await add_staff(services, role="admin"))
    token = await form_token(client, "/admin/rota")

    response = await client.post(
        "/admin/rota",
        data={
            "csrf_token": token,
            "clinician_id": "",
            "role": "primary",
            "starts": "2026-11-28T18:00",
            "ends": "2026-11-28T08:00",
        },
    )

    assert response.status_code == 422
    assert "Choose an active clinician." in response.text
    assert "The end must be after the start." in response.text
    assert 'value="2026-11-28T18:00"' in response.text
    async with services.sessions() as session:
        assert len((await session.scalars(select(OnCallShift))).all()) == 2


async def test_the_rota_shows_the_next_weekly_handover_as_who_is_next(
    client: httpx.AsyncClient, services: Services
) -> None:
    ids = await clinic_with_rota(services)
    async with services.sessions() as session, session.begin():
        session.add(
            OnCallRotation(
                role="director",
                clinician_ids=[ids["backup"], ids["primary"]],
                handover_weekday=0,  # Monday
                handover_time="09:00",
                timezone="America/New_York",
                starts_at=datetime(2026, 11, 20, 14, tzinfo=UTC),
            )
        )
    await sign_in(client, await add_staff(services, role="clinician"))

    page = (await client.get("/admin/rota")).text

    # Backup held it to Mon 23 Nov 09:00, primary holds it this week, backup again from Monday.
    assert board(page)["director"] == ("Dr Primary", "Dr Backup from Mon 30 Nov 09:00")


async def test_staff_end_a_shift_now_after_being_asked_and_the_board_shows_the_gap(
    client: httpx.AsyncClient, services: Services
) -> None:
    await clinic_with_rota(services)
    await sign_in(client, await add_staff(services, role="staff"))
    async with services.sessions() as session:
        shift = await session.scalar(
            select(OnCallShift).where(OnCallShift.role == "backup").order_by(OnCallShift.id)
        )
    assert shift is not None
    token = await form_token(client, "/admin/rota")
    url = f"/admin/rota/shifts/{shift.id}/end"

    question = await client.post(url, data={"csrf_token": token})
    assert question.status_code == 200
    assert "End Dr Backup&#39;s backup shift, on since" in question.text
    assert board((await client.get("/admin/rota")).text)["backup"][0] == "Dr Backup"

    done = await client.post(url, data={"csrf_token": token, "confirmed": "yes"})
    page = (await client.get(done.headers["location"])).text
    assert "Ended Dr Backup&#39;s backup shift" in page
    assert board(page)["backup"][0] == "nobody"
    again = await client.post(url, data={"csrf_token": token, "confirmed": "yes"})
    assert "already ended" in (await client.get(again.headers["location"])).text
    async with services.sessions() as session:
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert actions.count("oncall_shift_ended") == 1


async def test_a_shift_that_has_not_begun_is_removed(
    client: httpx.AsyncClient, services: Services
) -> None:
    await clinic_with_rota(services)
    await sign_in(client, await add_staff(services, role="staff"))
    async with services.sessions() as session, session.begin():
        later = OnCallShift(
            role="director",
            clinician_id=(await session.scalar(select(OnCallShift.clinician_id))),
            starts_at=services.clock() + timedelta(days=3),
            ends_at=services.clock() + timedelta(days=4),
        )
        session.add(later)
        await session.flush()
        later_id = later.id
    token = await form_token(client, "/admin/rota")

    question = await client.post(f"/admin/rota/shifts/{later_id}/end", data={"csrf_token": token})
    assert "Remove this shift?" in question.text
    await client.post(
        f"/admin/rota/shifts/{later_id}/end", data={"csrf_token": token, "confirmed": "yes"}
    )

    async with services.sessions() as session:
        assert await session.get(OnCallShift, later_id) is None


async def test_staff_add_a_clinician_and_put_them_on_call_until_further_notice(
    client: httpx.AsyncClient, services: Services
) -> None:
    await clinic_with_rota(services)
    await sign_in(client, await add_staff(services, role="staff"))
    token = await form_token(client, "/admin/rota")

    added = await client.post(
        "/admin/rota/clinicians",
        data={"csrf_token": token, "name": " Dr  New ", "phone": "(202) 555-0188"},
    )
    page = (await client.get(added.headers["location"])).text
    found = re.search(r"Added Dr New \(clinician id (\d+)\)", page)
    assert found, page
    assert "<td>Dr New</td><td>+12025550188</td><td>not linked</td>" in page
    again = await client.post(
        "/admin/rota/clinicians",
        data={"csrf_token": token, "name": "Dr Dup", "phone": "+12025550188"},
    )
    assert "Not added: a clinician with phone" in (await client.get(again.headers["location"])).text

    held = await client.post(
        "/admin/rota",
        data={
            "csrf_token": token,
            "clinician_id": found.group(1),
            "role": "director",
            "starts": "2026-11-27T09:00",
            "ends": "",
        },
    )
    page = (await client.get(held.headers["location"])).text
    assert "Dr New is director on call from Fri 27 Nov 09:00 until further notice." in page
    assert board(page)["director"][0] == "Dr New"
    async with services.sessions() as session:
        far = await on_call(session, role="director", at=datetime(2027, 6, 1, tzinfo=UTC))
    assert far is not None and far.name == "Dr New"


async def test_staff_start_a_weekly_rotation_and_a_bad_one_is_refused_naming_the_field(
    client: httpx.AsyncClient, services: Services
) -> None:
    ids = await clinic_with_rota(services)
    await sign_in(client, await add_staff(services, role="staff"))
    token = await form_token(client, "/admin/rota")
    rotation = {
        "csrf_token": token,
        "role": "backup",
        "clinicians": f"{ids['backup']}, {ids['primary']}",
        "handover": "Mon 09:00",
        "starts": "",
    }

    bad = await client.post("/admin/rota/rotations", data={**rotation, "handover": "someday"})
    assert "Rotation not started: Handover:" in (await client.get(bad.headers["location"])).text
    nobody = await client.post("/admin/rota/rotations", data={**rotation, "clinicians": "999"})
    assert "no active clinician with id 999" in (await client.get(nobody.headers["location"])).text

    started = await client.post("/admin/rota/rotations", data=rotation)
    page = (await client.get(started.headers["location"])).text
    assert "backup now rotates weekly, handing over mon 09:00 (America/New_York): " in page
    assert "<td>backup</td><td>Dr Backup, Dr Primary</td><td>mon 09:00" in page
    async with services.sessions() as session:
        next_week = await on_call(session, role="backup", at=services.clock() + timedelta(days=5))
        rows = (await session.scalars(select(OnCallRotation))).all()
    assert len(rows) == 1
    assert next_week is not None and next_week.name == "Dr Primary"


async def test_a_clinician_who_has_left_is_deactivated_after_a_warning_and_no_longer_paged(
    client: httpx.AsyncClient, services: Services
) -> None:
    ids = await clinic_with_rota(services)
    await sign_in(client, await add_staff(services, role="staff"))
    token = await form_token(client, "/admin/rota")
    url = f"/admin/rota/clinicians/{ids['primary']}/deactivate"

    question = await client.post(url, data={"csrf_token": token})
    assert "Deactivate Dr Primary?" in question.text
    assert "They are on call now as primary: after this nobody is" in question.text
    done = await client.post(url, data={"csrf_token": token, "confirmed": "yes"})

    page = (await client.get(done.headers["location"])).text
    assert "Deactivated Dr Primary: the ladder and the rota skip them." in page
    assert board(page)["primary"][0] == "nobody"
    async with services.sessions() as session:
        assert await on_call(session, role="primary", at=services.clock()) is None
    back = await client.post(
        f"/admin/rota/clinicians/{ids['primary']}/reactivate", data={"csrf_token": token}
    )
    assert board((await client.get(back.headers["location"])).text)["primary"][0] == "Dr Primary"
