"""`checkin demo seed`: five synthetic patients whose six weeks show each outcome, and
refusals that keep demo data out of a real clinic's records."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.outcomes.store import patient_outcome
from storage.db import make_engine, make_sessionmaker
from storage.models import Escalation, OutcomeSignal, Patient

runner = CliRunner()


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", database_url)
    for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TELEGRAM_BOT_TOKEN", "SANDBOX"):
        monkeypatch.delenv(key, raising=False)
    return database_url


async def _facts(url: str) -> tuple[dict[str, str], set[tuple[str, str]], int]:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            patients = (await session.scalars(select(Patient))).all()
            now = datetime.now(UTC)
            statuses = {
                p.name: (
                    await patient_outcome(session, patient_id=p.id, instrument="phq9", now=now)
                ).status
                for p in patients
                if p.name.startswith("Demo:")
            }
            names = {p.id: p.name for p in patients}
            signals = {
                (names[s.patient_id], s.kind)
                for s in (await session.scalars(select(OutcomeSignal))).all()
            }
            escalations = len((await session.scalars(select(Escalation))).all())
    finally:
        await engine.dispose()
    return statuses, signals, escalations


def test_the_demo_shows_each_outcome_and_an_open_escalation(env: str) -> None:
    seeded = runner.invoke(app, ["demo", "seed"])
    again = runner.invoke(app, ["demo", "seed"])

    assert seeded.exit_code == 0, seeded.output
    assert "Added 5 demo patients" in seeded.output
    assert "already there" in again.output
    statuses, signals, escalations = asyncio.run(_facts(env))
    assert statuses == {
        "Demo: responder": "response",
        "Demo: remitter": "remission",
        "Demo: early non-responder": "non_response",
        "Demo: relapse before a booster": "partial_response",
        "Demo: open escalation": "partial_response",
    }
    assert signals == {
        ("Demo: early non-responder", "early_non_response"),
        ("Demo: relapse before a booster", "relapse"),
    }
    assert escalations == 1


def test_a_database_with_real_patients_is_refused_unless_forced(env: str) -> None:
    runner.invoke(app, ["patient", "add", "--name", "Sam Ortiz", "--phone", "+12025550188"])

    refused = runner.invoke(app, ["demo", "seed"])
    forced = runner.invoke(app, ["demo", "seed", "--force"])

    assert refused.exit_code == 1
    assert "holds 1 patients that are not demo ones" in refused.output
    assert forced.exit_code == 0, forced.output


def test_demo_data_is_refused_beside_a_real_channel(
    env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "x" * 32)
    monkeypatch.setenv("TWILIO_FROM_NUMBER", "+12025550198")

    refused = runner.invoke(app, ["demo", "seed"])

    assert refused.exit_code == 1
    assert "sandbox only" in refused.output
