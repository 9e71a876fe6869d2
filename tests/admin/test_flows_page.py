"""The flows page: the library with validation errors, and playing a flow in the page."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.app import create_app
from bot.bootstrap import build_services
from bot.clock import ManualClock
from bot.config import Settings
from bot.services import Services
from flows.loader import BUILTIN_DIR
from storage.models import FlowSession, Message, OutboxItem
from tests.admin.staff import add_staff, csrf_in, sign_in
from tests.conftest import PUBLIC_BASE_URL
from tests.fakes.twilio_api import FakeTwilio

TOKEN = re.compile(r'name="preview" value="([^"]+)"')
BROKEN = "id: broken-flow\nversion: 1\ntitle: Broken\nexpires_after: 6h\nsteps:\n  - id: q\n    ask: Hi\n    answer: {type: scale, min: 5, max: 1}\n"


def transcript(page: str) -> list[str]:
    """What the preview shows, line by line: bot texts, replies and [notes]."""
    items = re.findall(r"<li class=\"(out|in|note muted)\">(.*?)</li>", page, re.S)
    return [re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", body)).strip() for _, body in items]


async def answer(client: httpx.AsyncClient, page: str, reply: str) -> str:
    match = TOKEN.search(page)
    assert match, "the preview does not wait for a reply"
    response = await client.post(
        "/admin/flows/daily-checkin/preview",
        data={"csrf_token": csrf_in(page), "preview": match.group(1), "reply": reply},
    )
    assert response.status_code == 200
    return response.text


async def test_the_flows_page_lists_the_built_in_library_as_valid_and_in_use(
    client: httpx.AsyncClient, services: Services
) -> None:
    await sign_in(client, await add_staff(services, role="clinician"))

    page = (await client.get("/admin/flows")).text

    listed = re.findall(r'<tr class="flow" data-flow="([\w-]+)">', page)
    assert listed == sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml"))
    assert "All flow files are valid, with " in page  # the validated wording runs long
    assert "phq9.yaml steps.phq9_8.en: 3 SMS segments" in page
    assert page.count("valid, in use") == len(listed)


@pytest.fixture
async def flows_dir_client(
    settings: Settings, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, Services, Path]]:
    folder = tmp_path / "flows"
    folder.mkdir()
    shutil.copy(BUILTIN_DIR / "daily-checkin.yaml", folder)
    services = build_services(settings.model_copy(update={"flows_dir": folder}), clock=clock)
    transport = httpx.ASGITransport(app=create_app(services=services, background=False))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_BASE_URL) as http:
        yield http, services, folder
    await services.close()


async def test_a_broken_file_in_flows_dir_shows_its_file_and_line_and_the_page_still_works(
    flows_dir_client: tuple[httpx.AsyncClient, Services, Path],
) -> None:
    client, services, folder = flows_dir_client
    await sign_in(client, await add_staff(services, role="staff"))
    (folder / "broken.yaml").write_text(BROKEN)  # edited after the service started

    page = await client.get("/admin/flows")

    assert page.status_code == 200
    assert "1 problem in the flow files" in page.text
    errors = re.findall(r"<li><code>(.*?)</code></li>", page.text)
    assert len(errors) == 1 and errors[0].startswith("broken.yaml:8 steps[0].answer")
    assert re.findall(r'data-flow="([\w-]+)"', page.text) == ["daily-checkin"]
    assert "Files read now from FLOWS_DIR:" in page.text
    assert (await client.get("/admin/flows/broken-flow/preview")).status_code == 404


async def test_staff_play_a_flow_in_the_page_see_a_reprompt_and_the_escalation_note(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await sign_in(client, await add_staff(services, role="staff"))

    page = (await client.get("/admin/flows/daily-checkin/preview")).text
    assert transcript(page) == ["bot Hi Alex, how is your mood today from 0 (worst) to 10 (best)?"]
    page = await answer(client, page, "11")
    assert transcript(page)[-1] == (
        "bot That number is outside the range. Please reply with a number from 0 to 10."
    )
    for reply in ("2", "work", "1", "1", "5"):
        page = await answer(client, page, reply)
    page = await answer(client, page, "yes")

    shown = transcript(page)
    assert "you 2" in shown and "[recorded mood = 2]" in shown
    assert any(line.startswith("[ESCALATION (suicide risk)") for line in shown)
    assert shown[-1] == "[flow completed]"
    assert "The conversation has ended." in page and 'name="reply"' not in page
    async with services.sessions() as session:
        for model in (FlowSession, Message, OutboxItem):
            assert await session.scalar(select(func.count()).select_from(model)) == 0
    assert fake_twilio.requests == 0


async def test_a_tampered_preview_starts_again_instead_of_erroring(
    client: httpx.AsyncClient, services: Services
) -> None:
    await sign_in(client, await add_staff(services, role="staff"))
    page = (await client.get("/admin/flows/daily-checkin/preview")).text

    response = await client.post(
        "/admin/flows/daily-checkin/preview",
        data={"csrf_token": csrf_in(page), "preview": "forged.value", "reply": "7"},
    )

    assert response.status_code == 303
    again = (await client.get(response.headers["location"])).text
    assert "This preview could not be continued; it has started again." in again
    assert len(transcript(again)) == 1


async def test_a_flow_reads_in_words_its_questions_answers_branches_and_escalations(
    client: httpx.AsyncClient, services: Services
) -> None:
    await sign_in(client, await add_staff(services, role="staff"))

    page = (await client.get("/admin/flows/phq9")).text

    assert "Thoughts that you would be better off dead or of hurting yourself" in page
    step9 = page[page.index('id="step-phq9_9"') :]
    step9 = step9[: step9.index("</li>\n")]
    assert "Escalates" in step9 and "pages the clinician (suicide risk)" in step9
    assert "a number from 0 to 3 (0 Not at all, 1 Several days," in step9
    assert "Scoring" in page and "0-4 minimal" in page
    listing = (await client.get("/admin/flows")).text
    assert '<a href="/admin/flows/phq9"><code>phq9</code></a>' in listing
    assert (await client.get("/admin/flows/no-such-flow")).status_code == 404


async def test_a_text_over_two_sms_segments_is_a_warning_on_the_flows_page(
    flows_dir_client: tuple[httpx.AsyncClient, Services, Path],
) -> None:
    client, services, folder = flows_dir_client
    await sign_in(client, await add_staff(services, role="staff"))
    long_text = "How are you feeling today? " * 14  # about 380 characters: 3 segments
    (folder / "chatty.yaml").write_text(
        f"id: chatty\nversion: 1\ntitle: Chatty\nexpires_after: 6h\nsteps:\n"
        f"  - id: q\n    ask: {long_text.strip()!r}\n    answer: {{type: text}}\n"
    )

    page = (await client.get("/admin/flows")).text

    assert "All flow files are valid, with 1 warning below." in page
    assert "chatty.yaml steps.q.en: 3 SMS segments (GSM-7" in page
    assert (
        "chatty.yaml steps.q.en: 3 SMS segments" in (await client.get("/admin/flows/chatty")).text
    )
