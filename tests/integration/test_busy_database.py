"""A database too busy to take a message in time loses nothing: the webhook answers within
its deadline, the message waits in the fsync'd spool, and once the database is free it is
stored, screened and paged. SQLite, where one long write holds every writer."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.scheduler import tick_spool
from bot.services import Services
from storage.models import Message
from tests.builders import PATIENT_PHONE, PRIMARY_PHONE, clinic_with_rota
from tests.conftest import post_sms
from tests.fakes.twilio_api import FakeTwilio


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"inbound_deadline_seconds": 1.0})


async def test_a_risky_text_during_a_long_write_is_answered_in_time_and_paged_after(
    client: httpx.AsyncClient, services: Services, settings: Settings, fake_twilio: FakeTwilio
) -> None:
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("holds SQLite's single write lock")
    await clinic_with_rota(services)
    await services.engine.dispose()  # our pooled connection must not be the lock holder
    path = make_url(settings.database_url).database
    holder = sqlite3.connect(path, timeout=0)
    holder.execute("BEGIN IMMEDIATE")  # another process's long write

    started = time.monotonic()
    response = await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
    answered_in = time.monotonic() - started

    assert response.status_code == 200
    assert answered_in < 10  # Twilio's limit is 15 s; the deadline here is 1 s
    assert len(services.spool.pending()) == 1
    holder.rollback()
    holder.close()

    await asyncio.sleep(0)
    await tick_spool(services)
    await services.outbox.drain()

    assert services.spool.pending() == []
    async with services.sessions() as session:
        stored = (
            await session.scalars(select(Message.body).where(Message.direction == "in"))
        ).all()
    assert stored == ["I want to kill myself"]
    assert "URGENT" in fake_twilio.to(PRIMARY_PHONE)[0]
