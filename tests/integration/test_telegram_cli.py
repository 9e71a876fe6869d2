"""Staff hand out Telegram links from the command line; only a hash of each code is kept."""

from __future__ import annotations

import asyncio
import hashlib
import re

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from storage.db import make_engine, make_sessionmaker
from storage.models import TelegramLinkCode
from tests.conftest import TELEGRAM_SECRET
from tests.fakes.telegram_api import FakeTelegram

runner = CliRunner()
CODE_LINE = re.compile(r"Telegram link code: (\d{16}) \(works once, for 72 hours\)")


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    for name in ("TWILIO_ACCOUNT_SID", "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def telegram_env(
    env: None,
    monkeypatch: pytest.MonkeyPatch,
    fake_telegram_server: tuple[FakeTelegram, str],
) -> FakeTelegram:
    fake, url = fake_telegram_server
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", TELEGRAM_SECRET)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", url + "/bot")
    return fake


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def code_in(output: str) -> str:
    match = CODE_LINE.search(output)
    assert match, output
    return match.group(1)


def stored_codes(database_url: str) -> list[TelegramLinkCode]:
    async def read() -> list[TelegramLinkCode]:
        engine = make_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                return list((await session.scalars(select(TelegramLinkCode))).all())
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_enrolling_with_telegram_prints_the_id_a_one_time_code_and_the_bot_link(
    telegram_env: FakeTelegram, database_url: str
) -> None:
    code, out = run("patient", "add", "--name", "Sam Lee", "--phone", "+12025550131", "--telegram")

    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].isdigit()
    link_code = code_in(out)
    assert f"Link: https://t.me/{telegram_env.username}?start={link_code}" in lines
    [row] = stored_codes(database_url)
    assert row.code_hash == hashlib.sha256(link_code.encode()).hexdigest()
    assert row.patient_id == int(lines[0]) and row.used_at is None


def test_without_a_bot_token_the_code_is_printed_and_the_missing_setting_named(
    env: None,
) -> None:
    code, out = run("patient", "add", "--name", "Sam Lee", "--phone", "+12025550131", "--telegram")

    assert code == 0, out
    link_code = code_in(out)
    assert "TELEGRAM_BOT_TOKEN" in out and f"/start {link_code}" in out
    assert "https://t.me" not in out


def test_clinicians_get_a_link_at_registration_and_a_fresh_one_on_request(
    telegram_env: FakeTelegram, database_url: str
) -> None:
    code, out = run("clinician", "add", "--name", "Dr Q", "--phone", "+12025550141", "--telegram")
    assert code == 0, out
    clinician_id = out.splitlines()[0]
    first = code_in(out)

    code, out = run("clinician", "telegram-link", clinician_id)

    assert code == 0, out
    second = code_in(out)
    assert second != first
    assert f"https://t.me/{telegram_env.username}?start={second}" in out
    assert len(stored_codes(database_url)) == 2


def test_a_link_for_someone_who_does_not_exist_is_refused(env: None) -> None:
    assert run("patient", "telegram-link", "999")[0] == 1
    assert run("clinician", "telegram-link", "999")[0] == 1
