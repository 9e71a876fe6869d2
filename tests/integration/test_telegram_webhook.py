"""The Telegram webhook: only Telegram gets in, no body makes it 500, nothing is lost."""

from __future__ import annotations

import logging

import httpx
import pytest
import structlog
from sqlalchemy import func, select

from bot.app import create_app
from bot.bootstrap import build_services
from bot.config import Settings
from bot.logs import configure_logging
from bot.routing.routes import no_text_reply
from bot.services import Services
from storage.models import Message
from tests.builders import PRIMARY_PHONE, clinic_with_rota
from tests.conftest import PUBLIC_BASE_URL, TELEGRAM_SECRET, post_update, with_telegram
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.telegram_helpers import PATIENT_CHAT, STRANGER_CHAT, link_patient


@pytest.fixture
def settings(settings: Settings, fake_telegram_server: tuple[FakeTelegram, str]) -> Settings:
    return with_telegram(settings, fake_telegram_server)


async def inbound_count(services: Services) -> int:
    async with services.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(Message).where(Message.direction == "in")
        )
    return int(count or 0)


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", TELEGRAM_SECRET + "x"])
async def test_a_missing_or_wrong_secret_token_gets_403_and_stores_nothing(
    client: httpx.AsyncClient,
    services: Services,
    fake_telegram: FakeTelegram,
    secret: str | None,
) -> None:
    update = fake_telegram.text_update(PATIENT_CHAT, "I want to kill myself")

    response = await post_update(client, update, secret=secret)

    assert response.status_code == 403
    assert await inbound_count(services) == 0


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe\x00",
        b"[]",
        b'{"update_id": "7"}',
        b'{"update_id": 7, "message": {"text": "hi"}}',
        b'{"update_id": 7, "callback_query": {"id": 5, "data": "x"}}',
    ],
    ids=["not-json", "not-utf8", "array", "string-id", "no-chat", "bad-callback"],
)
async def test_a_body_that_is_not_an_update_gets_400_never_500(
    client: httpx.AsyncClient, services: Services, body: bytes
) -> None:
    response = await client.post(
        "/webhooks/telegram",
        content=body,
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
    )

    assert response.status_code == 400
    assert await inbound_count(services) == 0


async def test_an_update_kind_we_do_not_take_is_answered_200_and_ignored(
    client: httpx.AsyncClient, services: Services
) -> None:
    member = {"update_id": 9, "my_chat_member": {"chat": {"id": PATIENT_CHAT}}}

    response = await post_update(client, member)

    assert response.status_code == 200
    assert await inbound_count(services) == 0


async def test_a_sticker_is_stored_and_answered_with_a_prompt_to_reply_in_text(
    client: httpx.AsyncClient, services: Services, fake_telegram: FakeTelegram
) -> None:
    ids = await clinic_with_rota(services)
    await link_patient(services, ids["patient"])

    response = await post_update(client, fake_telegram.sticker_update(PATIENT_CHAT))
    await services.outbox.drain()

    assert response.status_code == 200
    assert await inbound_count(services) == 1
    assert fake_telegram.to(PATIENT_CHAT) == [no_text_reply(services.settings)]


async def test_a_photo_whose_caption_is_risky_is_screened_and_pages_on_call(
    client: httpx.AsyncClient,
    services: Services,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
) -> None:
    ids = await clinic_with_rota(services)
    await link_patient(services, ids["patient"])
    photo = [{"file_id": "AgAD", "file_unique_id": "p1", "width": 90, "height": 90}]
    update = fake_telegram.text_update(PATIENT_CHAT, "", photo=photo, caption="kms tonight")
    del update["message"]["text"]

    await post_update(client, update)
    await services.outbox.drain()

    assert "988" in fake_telegram.to(PATIENT_CHAT)[0]
    assert "Alex Rivera" in fake_twilio.to(PRIMARY_PHONE)[0]


async def test_the_same_update_delivered_twice_is_one_message_and_one_reply(
    client: httpx.AsyncClient, services: Services, fake_telegram: FakeTelegram
) -> None:
    update = fake_telegram.text_update(STRANGER_CHAT, "hello?")

    first = await post_update(client, update)
    again = await post_update(client, update)
    await services.outbox.drain()

    assert first.status_code == again.status_code == 200
    assert await inbound_count(services) == 1
    assert len(fake_telegram.to(STRANGER_CHAT)) == 1


async def test_the_service_registers_its_webhook_with_the_secret_on_startup(
    services: Services, fake_telegram: FakeTelegram
) -> None:
    app = create_app(services=services, background=False)

    async with app.router.lifespan_context(app):
        pass

    assert fake_telegram.webhook["url"] == PUBLIC_BASE_URL + "/webhooks/telegram"
    assert fake_telegram.webhook["secret_token"] == TELEGRAM_SECRET


async def test_without_an_https_public_url_no_webhook_is_registered(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    local = build_services(settings.model_copy(update={"public_base_url": "http://127.0.0.1"}))
    app = create_app(services=local, background=False)

    async with app.router.lifespan_context(app):
        pass
    await local.close()

    assert fake_telegram.webhook == {}


async def test_without_a_bot_token_there_is_no_telegram_webhook(settings: Settings) -> None:
    plain = build_services(settings.model_copy(update={"telegram_bot_token": None}))
    app = create_app(services=plain, background=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_BASE_URL) as http:
        response = await post_update(http, {"update_id": 1})
    await plain.close()

    assert response.status_code == 404


async def test_logs_carry_no_message_text_chat_ids_or_bot_token(
    client: httpx.AsyncClient,
    services: Services,
    fake_telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ids = await clinic_with_rota(services)
    await link_patient(services, ids["patient"])
    caplog.set_level(logging.DEBUG)
    configure_logging("json", logging.DEBUG)
    try:
        with structlog.testing.capture_logs() as captured:
            update = fake_telegram.text_update(PATIENT_CHAT, "I want to kill myself tonight")
            await post_update(client, update)
            await services.outbox.drain()
    finally:
        structlog.reset_defaults()

    library = [r.getMessage() for r in caplog.records if r.name.startswith(("telegram", "httpx"))]
    rendered = repr(captured) + repr(library)
    assert captured and fake_telegram.to(PATIENT_CHAT)
    assert "kill myself" not in rendered
    assert str(PATIENT_CHAT) not in rendered
    assert fake_telegram.token not in rendered
