"""Infusions from the patient page: record, reschedule, cancel; the check-ins follow."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from bot.services import Services
from storage.models import AuditEvent, Infusion, StaffUser
from tests.admin.staff import add_staff, form_token, sign_in
from tests.builders import enroll_patient

UPCOMING = re.compile(r'<tr class="upcoming"><td>([^<]+)</td><td>([^<]+)</td>')


def upcoming(page: str) -> list[tuple[str, str]]:
    return UPCOMING.findall(page)


async def staff_on_patient_page(client: httpx.AsyncClient, services: Services) -> tuple[str, str]:
    patient_id = await enroll_patient(services)  # America/New_York; the clock is 27 Nov 10:00
    await sign_in(client, await add_staff(services, role="staff"))
    page = f"/admin/patients/{patient_id}"
    return page, await form_token(client, page)


async def record_one(client: httpx.AsyncClient, services: Services, page: str, token: str) -> int:
    """Record an infusion on Sat 28 Nov 10:00 (patient time); return its id."""
    await client.post(f"{page}/infusions", data={"csrf_token": token, "at": "2026-11-28T10:00"})
    async with services.sessions() as session:
        infusion_id = await session.scalar(select(Infusion.id))
    assert infusion_id is not None
    return infusion_id


async def test_staff_record_an_infusion_and_see_its_check_ins_planned(
    client: httpx.AsyncClient, services: Services
) -> None:
    page, token = await staff_on_patient_page(client, services)
    assert "None scheduled." in (await client.get(page)).text

    response = await client.post(
        f"{page}/infusions", data={"csrf_token": token, "at": "2026-11-28T10:00"}
    )

    assert response.status_code == 303
    shown = (await client.get(response.headers["location"])).text
    assert "Recorded infusion 1 on Sat 28 Nov 10:00; 4 check-ins planned after it." in shown
    assert upcoming(shown) == [
        ("Sat 28 Nov 19:00", "Post-infusion check-in (evening of the infusion)"),
        ("Sun 29 Nov 09:00", "Post-infusion check-in (next morning)"),
        ("Tue 01 Dec 10:00", "Post-infusion check-in (72 hours)"),
        ("Sat 05 Dec 10:00", "Daily check-in, 7 days after the infusion"),
    ]
    assert "Infusion 1</strong>: Sat 28 Nov 10:00" in shown


async def test_rescheduling_moves_the_upcoming_check_ins_and_is_audited(
    client: httpx.AsyncClient, services: Services
) -> None:
    page, token = await staff_on_patient_page(client, services)
    infusion_id = await record_one(client, services, page, token)

    await client.post(
        f"/admin/infusions/{infusion_id}/move",
        data={"csrf_token": token, "at": "2026-12-02T11:30"},
    )

    shown = (await client.get(page)).text
    assert "Moved infusion 1 to Wed 02 Dec 11:30; 4 check-ins now planned after it." in shown
    assert upcoming(shown)[0] == (
        "Wed 02 Dec 19:00",
        "Post-infusion check-in (evening of the infusion)",
    )
    assert "Sat 28 Nov 19:00" not in shown
    async with services.sessions() as session:
        events = (await session.scalars(select(AuditEvent).order_by(AuditEvent.id))).all()
        staff_id = await session.scalar(select(StaffUser.id))
    moved = [e for e in events if e.action == "infusion_moved"]
    assert len(moved) == 1
    assert moved[0].actor == f"staff:{staff_id}"
    assert moved[0].at == services.clock()
    assert moved[0].detail == {"patient": 1, "infusion_at": "2026-12-02T16:30:00+00:00"}


async def test_cancelling_an_infusion_removes_its_check_ins_from_upcoming(
    client: httpx.AsyncClient, services: Services
) -> None:
    page, token = await staff_on_patient_page(client, services)
    infusion_id = await record_one(client, services, page, token)

    question = await client.post(
        f"/admin/infusions/{infusion_id}/cancel", data={"csrf_token": token}
    )
    assert question.status_code == 200
    assert "Cancel infusion 1 for" in question.text and "Sat 28 Nov 10:00?" in question.text
    assert "Its 4 planned check-ins will not be sent." in question.text
    assert len(upcoming((await client.get(page)).text)) == 4  # asked, nothing cancelled yet

    await client.post(
        f"/admin/infusions/{infusion_id}/cancel", data={"csrf_token": token, "confirmed": "yes"}
    )

    shown = (await client.get(page)).text
    assert "Cancelled infusion 1 (Sat 28 Nov 10:00); 4 check-ins it had planned" in shown
    assert upcoming(shown) == []
    assert "None recorded." in shown
    again = await client.post(f"/admin/infusions/{infusion_id}/cancel", data={"csrf_token": token})
    assert (
        "That infusion was already cancelled." in (await client.get(again.headers["location"])).text
    )
    async with services.sessions() as session:
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert actions.count("infusion_cancelled") == 1


async def test_a_missing_or_far_off_time_is_refused_with_a_message_and_nothing_recorded(
    client: httpx.AsyncClient, services: Services
) -> None:
    page, token = await staff_on_patient_page(client, services)

    blank = await client.post(f"{page}/infusions", data={"csrf_token": token, "at": ""})
    assert (
        "Enter the infusion&#39;s date and time."
        in (await client.get(blank.headers["location"])).text
    )
    typo = await client.post(
        f"{page}/infusions", data={"csrf_token": token, "at": "2062-11-28T10:00"}
    )
    assert "more than a year away" in (await client.get(typo.headers["location"])).text
    async with services.sessions() as session:
        assert (await session.scalars(select(Infusion))).all() == []


async def test_a_clinician_sees_infusions_but_no_forms_to_change_them(
    client: httpx.AsyncClient, services: Services
) -> None:
    patient_id = await enroll_patient(services)
    await sign_in(client, await add_staff(services, role="clinician"))

    shown = (await client.get(f"/admin/patients/{patient_id}")).text

    assert "Infusions" in shown
    assert "Record infusion" not in shown and "Reschedule" not in shown
