"""The dashboard in a real browser: sign in, watch a sandbox escalation arrive, take it,
resolve it; the patient page's chart; the enroll form's phone check. Screenshots are
saved in tests/artifacts/."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from bot.services import Services
from bot.web.sandbox import DEMO_CLINICIAN_PHONE, seed_demo
from storage.models import Clinician
from tests.admin.history import MOODS, patient_with_history
from tests.admin.staff import PASSWORD, add_staff
from tests.browser.conftest import ARTIFACTS


async def demo_clinician_id(services: Services) -> int:
    await seed_demo(services)
    async with services.sessions() as session:
        clinician_id = await session.scalar(
            select(Clinician.id).where(Clinician.phone == DEMO_CLINICIAN_PHONE)
        )
    assert clinician_id is not None
    return clinician_id


async def sign_in(page: Any, base: str, email: str) -> None:
    await page.goto(base + "/admin")
    assert "/admin/login" in page.url
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Escalations").wait_for()


async def test_a_clinician_sees_a_sandbox_escalation_arrive_acknowledges_and_resolves_it(
    browser_page: Any, dashboard_url: str, services: Services
) -> None:
    page = browser_page
    clinician_id = await demo_clinician_id(services)
    email = await add_staff(services, role="clinician", clinician_id=clinician_id)
    await sign_in(page, dashboard_url, email)
    await page.get_by_text("No unresolved escalations.").wait_for()

    phone = await page.context.new_page()
    await phone.goto(dashboard_url + "/sandbox")
    patient = phone.locator("section.phone[aria-label='Demo patient phone']")
    await patient.get_by_placeholder("Text the clinic").fill("I don't want to be alive anymore")
    await patient.get_by_role("button", name="Send").click()
    # Stored; the page goes out via the outbox. The first message screened loads the
    # risk model, which takes a moment on a busy machine.
    await patient.locator("li.in").wait_for(timeout=90_000)

    card = page.locator("article.escalation[data-state='open']")
    await card.wait_for()  # arrives by polling: the page was not reloaded
    assert "Demo Patient" in await card.inner_text()
    assert "I don't want to be alive anymore" in await card.locator("li.trigger").inner_text()
    await card.get_by_text(re.compile(r"Demo Clinician \(primary, round 1\) by sms")).wait_for()
    assert await card.locator("a[href^='tel:']").count() == 1
    await page.screenshot(path=str(ARTIFACTS / "escalation-open.png"), full_page=True)

    await card.get_by_role("button", name="Acknowledge").click()
    await page.get_by_text(re.compile(r"Acknowledged \d{6}: it is yours")).wait_for()
    await page.get_by_text("resolve it on this page with a note").wait_for()
    held = page.locator("article.escalation[data-state='acknowledged']")
    assert "held by Demo Clinician" in await held.inner_text()

    await held.get_by_role("button", name="Resolve").click()  # no note: the browser asks for one
    assert await page.locator("article.escalation[data-state='resolved']").count() == 0
    await held.get_by_label("Resolution note (required)").fill("Called back; safe, plan agreed")
    await held.get_by_role("button", name="Resolve").click()
    resolved = page.locator("article.escalation[data-state='resolved']")
    await resolved.wait_for()
    assert "Called back; safe, plan agreed" in await resolved.inner_text()
    await page.get_by_text("No unresolved escalations.").wait_for()
    await page.screenshot(path=str(ARTIFACTS / "escalation-resolved.png"), full_page=True)


async def test_the_patient_page_draws_the_mood_chart_with_a_point_per_answer(
    browser_page: Any, dashboard_url: str, services: Services
) -> None:
    page = browser_page
    patient_id = await patient_with_history(services)
    await sign_in(page, dashboard_url, await add_staff(services, role="staff"))

    await page.get_by_role("link", name="Patients").click()
    await page.get_by_role("link", name="Alex Rivera").click()

    chart = page.locator("svg.mood-chart")
    await chart.wait_for()
    assert page.url.endswith(f"/admin/patients/{patient_id}")
    assert await chart.locator("circle.point").count() == len(MOODS)
    assert await chart.locator("g.infusion").count() == 2
    box = await chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    await page.screenshot(path=str(ARTIFACTS / "patient-page.png"), full_page=True)

    # The details can be edited from the patient page.
    await page.get_by_role("link", name="Edit details").click()
    await page.get_by_role("heading", name="Edit Alex Rivera").wait_for()
    await page.get_by_label("Time zone").fill("Chicago")
    await page.screenshot(path=str(ARTIFACTS / "edit-patient.png"), full_page=True)
    await page.get_by_role("button", name="Save changes").click()
    await page.get_by_text("Saved Alex Rivera: changed timezone.").wait_for()

    # Cancelling an infusion asks first, and "no" leaves it in place.
    await page.get_by_role("button", name="Cancel infusion 2").click()
    await page.get_by_role("heading", name="Cancel infusion 2?").wait_for()
    await page.screenshot(path=str(ARTIFACTS / "cancel-infusion-confirm.png"), full_page=True)
    await page.get_by_role("link", name="No, keep it").click()
    await chart.wait_for()
    assert await chart.locator("g.infusion").count() == 2


async def test_the_enroll_form_rejects_a_bad_phone_number_with_a_clear_message(
    browser_page: Any, dashboard_url: str, services: Services
) -> None:
    page = browser_page
    await sign_in(page, dashboard_url, await add_staff(services, role="staff"))
    await page.goto(dashboard_url + "/admin/patients/new")

    await page.get_by_label("Full name").fill("Jordan Blake")
    await page.get_by_label("Mobile number (with country code)").fill("555-12")
    await page.get_by_role("button", name="Enroll").click()

    error = page.locator("#phone-error")
    await error.wait_for()
    assert "not a valid mobile number" in await error.inner_text()
    assert await page.get_by_label("Full name").input_value() == "Jordan Blake"
    assert (
        await page.get_by_label("Mobile number (with country code)").get_attribute("aria-invalid")
        == "true"
    )
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.screenshot(path=str(ARTIFACTS / "enroll-bad-phone-phone-size.png"), full_page=True)

    await page.get_by_label("Mobile number (with country code)").fill("+1 202 555 0143")
    await page.get_by_role("button", name="Enroll").click()
    consent = page.locator("#consent-error")
    await consent.wait_for()  # consent to check-ins is recorded first
    assert "agreed to check-ins by text" in await consent.inner_text()
    await page.get_by_label("The patient agreed to receive check-ins").check()
    await page.get_by_role("button", name="Enroll").click()
    await page.get_by_text("Enrolled Jordan Blake.").wait_for()


async def test_the_sandbox_starts_the_daily_check_in_from_a_button_and_times_each_message(
    browser_page: Any, dashboard_url: str, services: Services
) -> None:
    page = browser_page
    await seed_demo(services)
    await page.goto(dashboard_url + "/sandbox")
    menu = page.locator("select#flow")
    await menu.locator("option[value='daily-checkin']").wait_for(state="attached")

    assert await menu.input_value() == "daily-checkin"  # not the suicide screen
    await page.get_by_role("button", name="Send check-in now").click()
    await page.get_by_text(re.compile(r"^Sent: ")).wait_for()
    await services.outbox.drain()  # the served app runs no worker of its own here
    patient = page.locator("section.phone[aria-label='Demo patient phone']")
    question = patient.locator("li.out").first
    await question.wait_for()
    assert await question.locator("time").count() == 1
    await page.screenshot(path=str(ARTIFACTS / "sandbox-checkin.png"), full_page=True)


async def test_an_admin_changes_an_accounts_role_from_the_users_page(
    browser_page: Any, dashboard_url: str, services: Services
) -> None:
    page = browser_page
    await add_staff(services, role="staff", email="nurse@clinic.example.org")
    await sign_in(page, dashboard_url, await add_staff(services, role="admin"))

    await page.goto(dashboard_url + "/admin/users")
    row = page.locator("tr.account[data-email='nurse@clinic.example.org']")
    await row.get_by_text("Change", exact=True).click()
    await row.get_by_label("Role", exact=True).select_option("clinician")
    await page.screenshot(path=str(ARTIFACTS / "users-change.png"), full_page=True)
    await row.get_by_role("button", name="Save the role of nurse@clinic.example.org").click()
    await page.get_by_text("Changed the role of nurse@clinic.example.org.").wait_for()

    # A reset password: at the next sign-in the password page comes first.
    row = page.locator("tr.account[data-email='nurse@clinic.example.org']")
    await row.get_by_text("Change", exact=True).click()
    await row.get_by_label("New temporary password").fill("temporary pass 2026")
    await row.get_by_role("button", name="Reset the password of nurse@clinic.example.org").click()
    await page.get_by_text("Reset the password of nurse@clinic.example.org.").wait_for()
    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_label("Email").fill("nurse@clinic.example.org")
    await page.get_by_label("Password").fill("temporary pass 2026")
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_text("An administrator reset your password.").wait_for()
    assert page.url.endswith("/admin/password")
    await page.screenshot(path=str(ARTIFACTS / "password-after-reset.png"), full_page=True)


async def test_staff_read_a_flow_in_words_and_the_rota_with_its_rotations_and_clinicians(
    browser_page: Any, dashboard_url: str, services: Services
) -> None:
    page = browser_page
    await sign_in(page, dashboard_url, await add_staff(services, role="staff"))

    await page.get_by_role("link", name="Flows").click()
    await page.get_by_role("link", name="phq9", exact=True).click()
    await page.get_by_role("heading", name="Question phq9_9").wait_for()
    await page.screenshot(path=str(ARTIFACTS / "flow-in-words.png"), full_page=True)

    await page.get_by_role("link", name="On call").click()
    await page.get_by_label("Full name").fill("Dr Rota")
    await page.get_by_label("Mobile number for pages").fill("+1 202 555 0190")
    await page.get_by_role("button", name="Add clinician").click()
    await page.get_by_text(re.compile(r"Added Dr Rota \(clinician id \d+\)")).wait_for()
    await page.screenshot(path=str(ARTIFACTS / "rota-page.png"), full_page=True)
