"""The dashboard by keyboard alone and on a phone-sized screen: sign in and acknowledge an
escalation with Tab and Enter (the focus always visible), and the escalations and patient
pages at 375x667 without sideways scrolling. Screenshots are saved in tests/artifacts/."""

from __future__ import annotations

from typing import Any

from bot.services import Services
from tests.admin.history import patient_with_history
from tests.admin.staff import PASSWORD, add_staff
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_dashboard_in_chromium import demo_clinician_id, sign_in

PHONE = {"width": 375, "height": 667}
MAX_TABS = 40
SCREENING_FIRST_LOAD_MS = 90_000  # more than this to reach a button is itself a failure

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {tag: el.tagName, text: (el.innerText || el.value || el.name || "").trim(),
          outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
}"""


async def tab_to(page: Any, tag: str, text: str) -> int:
    """Press Tab until an element `tag` whose text is `text` has the focus; return how many
    presses that took."""
    for presses in range(1, MAX_TABS + 1):
        await page.keyboard.press("Tab")
        focused: dict[str, Any] = await page.evaluate(FOCUSED)
        assert focused["outline"] != "none" and focused["width"] >= 2, focused  # visible focus
        if focused["tag"] == tag and focused["text"] == text:
            return presses
    raise AssertionError(f"{text!r} cannot be reached with Tab")


# Inside a sideways-scrolling box (a wide table) an element does not widen the page.
TOO_WIDE = """(width) => [...document.querySelectorAll("body *")]
  .filter((el) => el.getBoundingClientRect().right > width + 0.5)
  .filter((el) => !el.parentElement.closest(".scroll"))
  .slice(0, 5).map((el) => el.tagName + "." + el.className + " " + el.getBoundingClientRect().right)"""


async def no_sideways_scroll(page: Any) -> None:
    wide = await page.evaluate("document.documentElement.scrollWidth")
    culprits = await page.evaluate(TOO_WIDE, PHONE["width"])
    assert wide <= PHONE["width"], f"page is {wide}px wide on a phone: {culprits}"


async def clinician_with_an_open_escalation(page: Any, base: str, services: Services) -> str:
    """The demo clinician's account, after the demo patient texts something alarming from
    the sandbox phone; return the account's email."""
    email = await add_staff(
        services, role="clinician", clinician_id=await demo_clinician_id(services)
    )
    phone = await page.context.new_page()
    await phone.goto(base + "/sandbox")
    patient = phone.locator("section.phone[aria-label='Demo patient phone']")
    await patient.get_by_placeholder("Text the clinic").fill("I want to end my life")
    await patient.get_by_role("button", name="Send").click()
    # The first message screened may load the risk model: slow on a busy machine.
    await patient.locator("li.in").wait_for(timeout=SCREENING_FIRST_LOAD_MS)
    await phone.close()
    return email


async def test_a_clinician_signs_in_and_acknowledges_an_escalation_by_keyboard_alone(
    browser_page: Any, dashboard_url: str, services: Services
) -> None:
    page = browser_page
    email = await clinician_with_an_open_escalation(page, dashboard_url, services)
    await page.goto(dashboard_url + "/admin")

    await tab_to(page, "INPUT", "email")
    await page.keyboard.type(email)
    await tab_to(page, "INPUT", "password")
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    card = page.locator("article.escalation[data-state='open']")
    await card.wait_for()
    await tab_to(page, "A", "Skip to main content")  # past the navigation in one key
    await page.keyboard.press("Enter")
    assert await tab_to(page, "BUTTON", "Acknowledge") <= 2  # the patient's name, then it
    await page.screenshot(path=str(ARTIFACTS / "keyboard-focus-acknowledge.png"))
    await page.keyboard.press("Enter")

    await page.get_by_text("it is yours").wait_for()
    held = page.locator("article.escalation[data-state='acknowledged']")
    assert "held by Demo Clinician" in await held.inner_text()


async def test_the_escalations_page_fits_a_phone_screen(
    browser_page: Any, dashboard_url: str, services: Services
) -> None:
    page = browser_page
    email = await clinician_with_an_open_escalation(page, dashboard_url, services)
    await page.set_viewport_size(PHONE)
    await sign_in(page, dashboard_url, email)
    await page.locator("article.escalation[data-state='open']").wait_for()

    await no_sideways_scroll(page)
    button = await page.get_by_role("button", name="Acknowledge").bounding_box()
    assert button is not None and button["x"] + button["width"] <= PHONE["width"]
    await page.screenshot(path=str(ARTIFACTS / "escalations-phone.png"), full_page=True)


async def test_the_patient_page_fits_a_phone_screen(
    browser_page: Any, dashboard_url: str, services: Services
) -> None:
    page = browser_page
    patient_id = await patient_with_history(services)
    await page.set_viewport_size(PHONE)
    await sign_in(page, dashboard_url, await add_staff(services, role="staff"))
    await page.goto(f"{dashboard_url}/admin/patients/{patient_id}")
    chart = page.locator("svg.mood-chart")
    await chart.wait_for()

    await no_sideways_scroll(page)
    box = await chart.bounding_box()
    assert box is not None and box["width"] <= PHONE["width"] and box["height"] > 80
    await page.screenshot(path=str(ARTIFACTS / "patient-page-phone.png"), full_page=True)
