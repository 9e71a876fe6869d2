"""The patients list puts the neediest first: an open escalation, then a relapse, then
missed check-ins, then worsening scores; each row says why with a badge."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx

from bot.clock import ManualClock
from bot.services import Services
from storage.models import CheckinStatus, ScheduledCheckin
from tests.admin.staff import add_staff, sign_in
from tests.builders import add_infusion, enroll_patient, visit_phq9s
from tests.conftest import post_sms
from tests.integration.patient_days import NY

START = datetime(2026, 11, 27, 10, 0, tzinfo=NY)


async def _phq9(services: Services, patient_id: int, *points: tuple[int, int]) -> None:
    await visit_phq9s(services, patient_id, START, *points)


async def _missed(services: Services, patient_id: int, at: datetime) -> None:
    async with services.sessions() as session, session.begin():
        session.add(
            ScheduledCheckin(
                patient_id=patient_id,
                kind="daily",
                flow_id="daily-checkin",
                slot=f"daily:{at.date()}",
                due_at=at,
                status=CheckinStatus.MISSED,
            )
        )


async def test_the_neediest_patients_come_first_each_with_its_reason(
    client: httpx.AsyncClient, services: Services, clock: ManualClock
) -> None:
    names = ["Ana Steady", "Ben Worse", "Cy Missed", "Di Relapse", "Ed Escalated"]
    ids = {
        name: await enroll_patient(services, name=name, phone=f"+1202555018{n}")
        for n, name in enumerate(names)
    }
    for name in ("Ana Steady", "Ben Worse", "Di Relapse"):
        for day in (1, 4, 8, 11):
            await add_infusion(services, ids[name], START + timedelta(days=day))
    await add_infusion(services, ids["Ana Steady"], START + timedelta(days=60))
    clock.now = START + timedelta(days=40)
    await _phq9(services, ids["Ana Steady"], (0, 20), (20, 8))
    await _phq9(services, ids["Ben Worse"], (0, 12), (20, 15))
    await _phq9(services, ids["Di Relapse"], (0, 22), (20, 6), (39, 14))
    await _missed(services, ids["Cy Missed"], clock.now - timedelta(days=2))
    await post_sms(client, sender="+12025550184", body="i am going to kill myself tonight")

    await sign_in(client, await add_staff(services, role="clinician"))
    page = (await client.get("/admin/patients")).text

    order = re.findall(r'<a href="/admin/patients/\d+">([^<]+)</a>', page)
    assert order == ["Ed Escalated", "Di Relapse", "Cy Missed", "Ben Worse", "Ana Steady"]
    rows = {name: page[page.index(f">{name}</a>") :].split("</tr>")[0] for name in names}
    assert "open escalation" in rows["Ed Escalated"]
    assert '<span class="badge relapse">relapse</span>' in rows["Di Relapse"]
    assert "1 missed" in rows["Cy Missed"]
    assert "worsening" in rows["Ben Worse"] and "non-response (+25%)" in rows["Ben Worse"]
    assert "response (-60%)" in rows["Ana Steady"]
    assert "Tue 26 Jan 10:00" in rows["Ana Steady"]  # the next infusion
    assert "none planned" in rows["Cy Missed"]
