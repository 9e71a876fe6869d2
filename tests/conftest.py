"""Shared fixtures: a migrated database (SQLite, and PostgreSQL when TEST_POSTGRES_URL is
set), the fake Twilio API on loopback, and the service built by its own composition root."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from twilio.request_validator import RequestValidator

from bot.app import create_app
from bot.bootstrap import build_services
from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.services import Services
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Base
from tests.fakes.server import BackgroundServer
from tests.fakes.twilio_api import FakeTwilio

PUBLIC_BASE_URL = "https://clinic.example.org"
CLINIC_NUMBER = "+12025550199"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")


def _asyncpg_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


async def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test gets a copy (migrating per test is slow)."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


async def _admin(statement: str) -> None:
    assert POSTGRES_URL
    engine = make_engine(_asyncpg_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


@contextlib.contextmanager
def _new_postgres_database() -> Iterator[str]:
    """A database of its own on the test server, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need TEST_POSTGRES_URL (CI sets it)")
    name = f"checkin_test_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            make_url(_asyncpg_url(POSTGRES_URL))
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, migrated once and dropped at the end."""
    with _new_postgres_database() as url:
        asyncio.run(_migrate(url))
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables yet, for tests that run the migrations themselves."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    with _new_postgres_database() as url:
        yield url


async def _truncate_postgres(url: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        target = tmp_path / "checkin.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite+aiosqlite:///{target}"
    url: str = request.getfixturevalue("postgres_database")
    asyncio.run(_truncate_postgres(url))
    return url


@pytest.fixture(scope="session")
def fake_twilio_server() -> Iterator[tuple[FakeTwilio, str]]:
    fake = FakeTwilio()
    server = BackgroundServer(fake.app()).start()
    yield fake, server.url
    server.stop()


@pytest.fixture
def fake_twilio(fake_twilio_server: tuple[FakeTwilio, str]) -> FakeTwilio:
    fake, _ = fake_twilio_server
    fake.reset()
    return fake


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))


@pytest.fixture
def settings(
    database_url: str, fake_twilio_server: tuple[FakeTwilio, str], tmp_path: Path
) -> Settings:
    fake, url = fake_twilio_server
    return load_settings(
        _env_file=None,
        database_url=database_url,
        public_base_url=PUBLIC_BASE_URL,
        twilio_account_sid=fake.account_sid,
        twilio_auth_token=fake.auth_token,
        twilio_from_number=CLINIC_NUMBER,
        twilio_api_base_url=url,
        clinic_name="Riverside Ketamine Clinic",
        clinic_phone="+12025550198",
        retry_base_seconds=1,
        provider_timeout_seconds=2,
        api_docs=True,  # tests read the OpenAPI document; its production default is off
        inbound_spool_path=str(tmp_path / "inbound-spool.jsonl"),
    )


@pytest.fixture
async def services(settings: Settings, clock: ManualClock) -> AsyncIterator[Services]:
    built = build_services(settings, clock=clock)
    yield built
    await built.close()


@contextlib.asynccontextmanager
async def served(
    settings: Settings, clock: ManualClock
) -> AsyncIterator[tuple[Services, httpx.AsyncClient]]:
    """Services built from ``settings`` (a test's own variant) and a client to their app."""
    built = build_services(settings, clock=clock)
    app = create_app(services=built, background=False)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=PUBLIC_BASE_URL
        ) as http:
            yield built, http
    finally:
        await built.close()


@pytest.fixture
async def client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(services=services, background=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_BASE_URL) as http:
        yield http


def twilio_signature(url: str, params: dict[str, str], token: str = "test-auth-token") -> str:
    return str(RequestValidator(token).compute_signature(url, params))


async def post_sms(
    client: httpx.AsyncClient, *, sender: str, body: str, sid: str | None = None, **extra: Any
) -> httpx.Response:
    """Post an inbound SMS exactly as Twilio would, signed with its own validator."""
    params = {
        "MessageSid": sid or "SM" + uuid.uuid4().hex,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": CLINIC_NUMBER,
        "Body": body,
        "NumMedia": "0",
        **extra,
    }
    url = PUBLIC_BASE_URL + "/webhooks/twilio/sms"
    return await client.post(
        "/webhooks/twilio/sms",
        data=params,
        headers={"X-Twilio-Signature": twilio_signature(url, params)},
    )


# --- Telegram (the fake Bot API and settings that turn the channel on) -------------
# Appended by the Telegram channel work; the fixtures above are unchanged.

from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

TELEGRAM_SECRET = "test-webhook-secret"


@pytest.fixture(scope="session")
def fake_telegram_server() -> Iterator[tuple[FakeTelegram, str]]:
    fake = FakeTelegram()
    server = BackgroundServer(fake.app()).start()
    yield fake, server.url
    server.stop()


@pytest.fixture
def fake_telegram(fake_telegram_server: tuple[FakeTelegram, str]) -> FakeTelegram:
    fake, _ = fake_telegram_server
    fake.reset()
    return fake


def with_telegram(settings: Settings, server: tuple[FakeTelegram, str]) -> Settings:
    """`settings` with Telegram on, pointed at the fake Bot API."""
    fake, url = server
    return settings.model_copy(
        update={
            "telegram_bot_token": fake.token,
            "telegram_webhook_secret": TELEGRAM_SECRET,
            "telegram_api_base_url": url + "/bot",
        }
    )


@pytest.fixture
def telegram_settings(
    settings: Settings, fake_telegram_server: tuple[FakeTelegram, str]
) -> Settings:
    return with_telegram(settings, fake_telegram_server)


async def post_update(
    client: httpx.AsyncClient, update: dict[str, Any], *, secret: str | None = TELEGRAM_SECRET
) -> httpx.Response:
    """POST an Update to our webhook as Telegram would, with its secret-token header."""
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    return await client.post("/webhooks/telegram", json=update, headers=headers)
