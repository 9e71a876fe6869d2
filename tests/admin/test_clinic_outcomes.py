"""The clinic's outcomes page: response and remission at 6 weeks and after maintenance,
with counts, beside the published figures; the CSV behind it for admins, audited."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select

from bot.clock import ManualClock
from bot.services import Services
from storage.models import AuditEvent
from tests.admin.staff import add_staff, sign_in
from tests.builders import enroll_patient, infusions_on, visit_phq9s
from tests.integration.patient_days import NY

START = datetime(2026, 11, 27, 10, 0, tzinfo=NY)
INDUCTION = (1, 4, 8, 11, 15, 18)


async def _patient(
    services: Services, n: int, scores: list[tuple[int, int]], boosters: tuple[int, ...] = ()
) -> int:
    patient_id = await enroll_patient(services, name=f"Patient {n}", phone=f"+1202555019{n}")
    await infusions_on(services, patient_id, START, *INDUCTION, *boosters)
    await visit_phq9s(services, patient_id, START, *scores)
    return patient_id


def _row(page: str, look: str) -> list[str]:
    row = page[page.index(f'data-look="{look}"') :].split("</tr>")[0]
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in row.split("<td>")[1:]]


async def test_rates_at_six_weeks_and_after_maintenance_count_only_judged_episodes(
    client: httpx.AsyncClient, services: Services, clock: ManualClock
) -> None:
    clock.now = START + timedelta(days=100)
    await _patient(services, 1, [(0, 20), (40, 3)], boosters=(60,))  # remission, then boosted
    await _patient(services, 2, [(0, 20), (40, 9), (90, 12)], boosters=(70,))  # response at 6w
    await _patient(services, 3, [(0, 18), (40, 15)])  # non-response
    await _patient(services, 4, [(40, 10)])  # no baseline: not judged
    await _patient(services, 5, [(0, 20), (50, 4)])  # the only score after 6 weeks: not judged

    await sign_in(client, await add_staff(services, role="admin"))
    page = (await client.get("/admin/outcomes")).text

    six = _row(page, "6 weeks")
    assert six[0] == "5"
    assert six[1].startswith("3") and "2 without a baseline or a follow-up score" in six[1]
    assert six[2] == "67% (2 of 3)" and six[3] == "33% (1 of 3)"
    assert six[4:] == ["50%", "20%"]
    after = _row(page, "after maintenance")
    # Patient 2 was a responder at 6 weeks; at 12 of 20 now, a partial response.
    assert after[:4] == ["2", "2", "50% (1 of 2)", "50% (1 of 2)"]
    assert after[4:] == ["72%", "38%"]

    download = await client.get("/admin/outcomes.csv")
    table = list(csv.DictReader(io.StringIO(download.text)))
    assert download.headers["content-type"].startswith("text/csv")
    assert [(r["look"], r["status"]) for r in table if r["patient_id"] == "2"] == [
        ("6 weeks", "response"),
        ("after maintenance", "partial_response"),
    ]
    async with services.sessions() as session:
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert "outcomes_exported" in actions


async def test_staff_see_the_rates_but_not_the_per_patient_download(
    client: httpx.AsyncClient, services: Services
) -> None:
    await sign_in(client, await add_staff(services, role="staff"))
    page = (await client.get("/admin/outcomes")).text
    assert "none to judge" in page and "Download the episodes" not in page
    assert (await client.get("/admin/outcomes.csv")).status_code == 403
