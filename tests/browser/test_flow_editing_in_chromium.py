"""A flow editor changes a question's wording in Chromium: edit, preview, send to their own
test phone, publish; no shell. Screenshots are saved in tests/artifacts/."""

from __future__ import annotations

from typing import Any

from bot.services import Services
from tests.admin.staff import add_staff
from tests.admin.test_flow_editing import NEW_SLEEP, OLD_SLEEP, TEST_PHONE, add_test_patient
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_dashboard_in_chromium import sign_in
from tests.conftest import post_sms
from tests.fakes.twilio_api import FakeTwilio


async def test_a_flow_editor_rewords_the_sleep_question_tries_it_and_publishes_it(
    browser_page: Any, dashboard_url: str, services: Services, fake_twilio: FakeTwilio
) -> None:
    page = browser_page
    await add_test_patient(services)
    await sign_in(page, dashboard_url, await add_staff(services, role="flow_editor"))

    await page.get_by_role("link", name="Flows").click()
    await page.get_by_role("link", name="Edit daily-checkin").click()
    editor = page.locator("#text")
    await editor.fill((await editor.input_value()).replace(OLD_SLEEP, NEW_SLEEP))
    await page.get_by_label("What changed, and why").fill("clearer sleep question")
    await page.get_by_role("button", name="Save draft").click()
    await page.get_by_text("Saved as draft version 3.").wait_for()
    assert await page.locator("#version-status").inner_text() == "draft"
    assert NEW_SLEEP in await page.locator("tr.diff-changed").nth(1).inner_text()
    await page.screenshot(path=str(ARTIFACTS / "flow-draft.png"), full_page=True)

    await page.get_by_role("link", name="Preview this version").click()
    await page.get_by_placeholder("Reply as the patient").fill("7")
    await page.get_by_role("button", name="Send").click()
    await page.get_by_text(NEW_SLEEP).wait_for()
    await page.screenshot(path=str(ARTIFACTS / "flow-draft-preview.png"), full_page=True)
    await page.go_back()
    await page.go_back()

    await page.get_by_label("Test patient", exact=True).select_option(label="Jordan (test) (sms)")
    await page.get_by_role("button", name="Send this version now").click()
    await page.get_by_text("Version 3 sent to the test patient Jordan (test)").wait_for()
    await services.outbox.drain()  # the test's own worker: the served app runs none
    async with _client(services) as client:
        await post_sms(client, sender=TEST_PHONE, body="7")
    await services.outbox.drain()
    assert fake_twilio.to(TEST_PHONE)[-1] == NEW_SLEEP

    await page.get_by_label("Note (why; shown in the history)").fill("clearer sleep question")
    await page.get_by_role("button", name="Publish version 3").click()
    await page.get_by_text("Version 3 is published").wait_for()
    assert await page.locator("tr[data-version='3']").get_attribute("data-status") == "published"
    await page.screenshot(path=str(ARTIFACTS / "flow-history.png"), full_page=True)


def _client(services: Services) -> Any:
    import httpx

    from bot.app import create_app
    from tests.conftest import PUBLIC_BASE_URL

    app = create_app(services=services, background=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC_BASE_URL)
