"""Outcomes in a real browser: the PHQ-9 chart with its lines and the status badge on the
patient page, and the patients list with the neediest first. Screenshots in
tests/artifacts/ (patient-outcome.png, patients-by-need.png)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.clock import ManualClock
from bot.services import Services
from tests.admin.staff import add_staff
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_dashboard_in_chromium import sign_in
from tests.builders import enroll_patient, infusions_on, visit_phq9s
from tests.integration.patient_days import NY

START = datetime(2026, 11, 27, 10, 0, tzinfo=NY)


async def _history(services: Services, name: str, phone: str, scores: list[tuple[int, int]]) -> int:
    patient_id = await enroll_patient(services, name=name, phone=phone)
    await infusions_on(services, patient_id, START, 1, 4, 8, 11, 15, 18)
    await visit_phq9s(services, patient_id, START, *scores)
    return patient_id


async def test_the_patient_page_charts_the_phq9_with_its_lines_and_the_list_puts_relapse_first(
    browser_page: Any, dashboard_url: str, services: Services, clock: ManualClock
) -> None:
    page = browser_page
    clock.now = START + timedelta(days=45)
    await _history(services, "Ana Steady", "+12025550171", [(0, 20), (14, 12), (28, 8), (42, 7)])
    relapsing = await _history(
        services, "Di Relapse", "+12025550172", [(0, 22), (14, 12), (28, 6), (42, 14)]
    )
    await sign_in(page, dashboard_url, await add_staff(services, role="clinician"))

    await page.get_by_role("link", name="Patients", exact=True).click()
    names = await page.locator("tbody tr td:first-child a").all_inner_texts()
    assert names[:2] == ["Di Relapse", "Ana Steady"]
    assert await page.locator("tbody tr").first.locator(".badge.relapse").count() == 1
    await page.screenshot(path=str(ARTIFACTS / "patients-by-need.png"), full_page=True)

    await page.get_by_role("link", name="Di Relapse").click()
    chart = page.locator("svg.phq9-chart")
    await chart.wait_for()
    assert page.url.endswith(f"/admin/patients/{relapsing}")
    assert await chart.locator("circle.point").count() == 4
    assert await chart.locator("g.rule").count() == 3  # remission, baseline, response
    assert await chart.locator("g.infusion").count() == 6
    box = await chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    card = page.locator("#outcome")
    assert "-36.4% from baseline" in await card.inner_text()
    assert await card.locator(".badge.relapse").is_visible()
    await card.screenshot(path=str(ARTIFACTS / "patient-outcome.png"))
