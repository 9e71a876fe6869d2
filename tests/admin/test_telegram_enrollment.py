"""Enrolling a Telegram patient: the one-time link and its QR code, and that the link works."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.services import Services
from storage.models import AuditEvent, Patient
from tests.admin.staff import add_staff, form_token, sign_in
from tests.admin.test_patients_pages import enroll_form
from tests.conftest import post_update, with_telegram
from tests.fakes.telegram_api import FakeTelegram

LINK = re.compile(
    r'<a id="telegram-link" href="https://t\.me/riverside_checkin_bot\?start=(\d{16})"'
)


@pytest.fixture
def settings(settings: Settings, fake_telegram_server: tuple[FakeTelegram, str]) -> Settings:
    return with_telegram(settings, fake_telegram_server)


async def test_enrolling_by_telegram_shows_a_one_time_link_and_qr_code_that_connect_the_chat(
    client: httpx.AsyncClient, services: Services, fake_telegram: FakeTelegram
) -> None:
    await sign_in(client, await add_staff(services, role="staff"))
    token = await form_token(client, "/admin/patients/new")

    page = await client.post("/admin/patients", data=enroll_form(token, channel="telegram"))

    assert page.status_code == 200
    assert "Enrolled Jordan Blake." in page.text
    link = LINK.search(page.text)
    assert link, "no t.me link in the page"
    assert '<svg width="' in page.text and 'class="qr"' in page.text
    assert "<title>QR code: Telegram link for Jordan Blake</title>" in page.text
    assert "http" not in page.text.split('class="qr"')[1].split("</svg>")[0]  # drawn, not fetched
    await post_update(client, fake_telegram.text_update(5550001, f"/start {link.group(1)}"))
    await services.outbox.drain()
    assert fake_telegram.to(5550001)[-1].startswith("Hi Jordan, this chat is connected")
    async with services.sessions() as session:
        patient = await session.scalar(select(Patient))
        issued = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "telegram_code_issued")
        )
    assert patient is not None and patient.channel == "telegram"
    assert patient.telegram_chat_id == "5550001"
    assert issued is not None and issued.actor.startswith("staff:")


async def test_a_new_link_from_the_patient_page_stops_the_old_one_working(
    client: httpx.AsyncClient, services: Services, fake_telegram: FakeTelegram
) -> None:
    await sign_in(client, await add_staff(services, role="staff"))
    token = await form_token(client, "/admin/patients/new")
    first = LINK.search(
        (await client.post("/admin/patients", data=enroll_form(token, channel="telegram"))).text
    )
    assert first

    second = await client.post("/admin/patients/1/telegram-link", data={"csrf_token": token})

    fresh = LINK.search(second.text)
    assert fresh and fresh.group(1) != first.group(1)
    assert "Enrolled" not in second.text
    await post_update(client, fake_telegram.text_update(5550002, f"/start {first.group(1)}"))
    await services.outbox.drain()
    assert "This chat is not connected" in fake_telegram.to(5550002)[-1]
