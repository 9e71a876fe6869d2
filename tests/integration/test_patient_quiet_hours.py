"""A patient's own quiet hours win over the clinic's, for every routine check-in."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.clock import ManualClock
from bot.scheduler import tick_checkins
from bot.services import Services
from storage.db import make_engine, make_sessionmaker
from storage.models import Patient, ScheduledCheckin
from tests.builders import PATIENT_PHONE, add_infusion, enroll_patient
from tests.fakes.twilio_api import FakeTwilio

NY = ZoneInfo("America/New_York")
SAM_PHONE = "+12025550112"


async def arrivals(
    services: Services, clock: ManualClock, fake: FakeTwilio, end: datetime, *phones: str
) -> list[str]:
    """ "HH:MM phone" for each text the phones received, ticking every 15 minutes."""
    times: list[str] = []
    seen = dict.fromkeys(phones, 0)
    while clock.now < end:
        await tick_checkins(services)
        await services.outbox.drain()
        for phone in phones:
            received = len(fake.to(phone))
            times += [f"{clock.now.astimezone(NY):%a %H:%M} {phone}"] * (received - seen[phone])
            seen[phone] = received
        clock.now += timedelta(minutes=15)
    return times


async def test_the_daily_check_in_waits_for_the_end_of_the_patients_own_quiet_hours(
    services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await enroll_patient(services)  # the clinic's quiet hours: 21:00-08:00
    await enroll_patient(services, name="Sam Lee", phone=SAM_PHONE, quiet_hours="22:00-10:30")
    clock.now = datetime(2026, 11, 28, 7, 0, tzinfo=NY)

    end = datetime(2026, 11, 28, 11, 0, tzinfo=NY)
    times = await arrivals(services, clock, fake_twilio, end, PATIENT_PHONE, SAM_PHONE)

    assert times == [f"Sat 09:00 {PATIENT_PHONE}", f"Sat 10:30 {SAM_PHONE}"]


async def test_a_post_infusion_evening_check_in_inside_the_patients_quiet_hours_moves_to_their_morning(
    services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    patient_id = await enroll_patient(services, quiet_hours="18:00-07:30")
    clock.now = datetime(2026, 11, 30, 9, 0, tzinfo=NY)
    await add_infusion(services, patient_id, datetime(2026, 11, 30, 10, 0, tzinfo=NY))

    end = datetime(2026, 12, 1, 8, 0, tzinfo=NY)
    times = await arrivals(services, clock, fake_twilio, end, PATIENT_PHONE)

    # The evening check-in (19:00) opens the next morning when their quiet hours end; the
    # next-morning one (09:00) is then the same conversation, and so is the daily one.
    assert times == [f"Tue 07:30 {PATIENT_PHONE}"]
    assert fake_twilio.to(PATIENT_PHONE)[0].startswith("Hi Alex, checking in after infusion 1")


# --- enrollment and the update path (the CLI) ----------------------------------------

runner = CliRunner()


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    return database_url


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def stored(url: str, patient_id: int) -> tuple[str | None, list[tuple[str, str, str]]]:
    """The patient's quiet hours and their rows: (flow, status, local due time)."""

    async def read() -> tuple[str | None, list[tuple[str, str, str]]]:
        engine = make_engine(url)
        try:
            async with make_sessionmaker(engine)() as session:
                patient = await session.get(Patient, patient_id)
                assert patient is not None
                rows = (
                    await session.scalars(
                        select(ScheduledCheckin)
                        .where(ScheduledCheckin.patient_id == patient_id)
                        .order_by(ScheduledCheckin.id)
                    )
                ).all()
                zone = ZoneInfo(patient.timezone)
                return patient.quiet_hours, [
                    (r.flow_id, r.status, f"{r.due_at.astimezone(zone):%H:%M}") for r in rows
                ]
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_staff_enroll_with_quiet_hours_and_change_them_later(env: str) -> None:
    code, out = run(
        "patient", "add", "--name", "Sam Lee", "--phone", SAM_PHONE, "--quiet-hours", "22:00-7:00"
    )
    assert code == 0, out
    patient_id = int(out.strip())
    window, rows = stored(env, patient_id)
    assert window == "22:00-07:00"
    assert ("daily-checkin", "due", "09:00") in rows  # planned at enrollment

    code, out = run("patient", "set-quiet-hours", str(patient_id), "21:00-10:15")
    assert code == 0, out
    assert out.strip() == f"patient {patient_id} quiet hours 21:00-10:15"
    window, rows = stored(env, patient_id)
    assert window == "21:00-10:15"
    assert ("daily-checkin", "due", "10:15") in rows  # 09:00 is inside: re-planned to 10:15

    code, out = run("patient", "set-quiet-hours", str(patient_id), "--clinic")
    assert code == 0, out
    window, rows = stored(env, patient_id)
    assert window is None
    assert [r for r in rows if r[0] == "daily-checkin"][-2:] == [
        ("daily-checkin", "cancelled", "10:15"),
        ("daily-checkin", "due", "09:00"),
    ]


@pytest.mark.parametrize("window", ["10pm till 7", "22:00", "25:00-07:00", "07:00-07:00"])
def test_a_bad_quiet_hours_window_gets_a_clear_error_and_stores_nothing(
    env: str, window: str
) -> None:
    code, out = run(
        "patient", "add", "--name", "Sam Lee", "--phone", SAM_PHONE, "--quiet-hours", window
    )
    assert code == 1
    assert "--quiet-hours" in out
    code, out = run("patient", "list")
    assert "Sam Lee" not in out


def test_the_cli_enrolls_through_the_same_checks_as_the_dashboard_and_the_api(env: str) -> None:
    code, out = run(
        "patient", "add", "--name", "Sam Lee", "--phone", "+1 202 555 0112",
        "--checkin-time", "9:30pm", "--quiet-hours", "11pm-7am",
    )  # fmt: skip
    assert code == 0, out
    patient_id = int(out.strip())

    async def read() -> Patient | None:
        engine = make_engine(env)
        try:
            async with make_sessionmaker(engine)() as session:
                return await session.get(Patient, patient_id)
        finally:
            await engine.dispose()

    patient = asyncio.run(read())
    assert patient is not None
    assert (patient.phone, patient.checkin_time, patient.quiet_hours) == (
        SAM_PHONE,
        "21:30",
        "23:00-07:00",
    )
    code, out = run("patient", "add", "--name", "Sam Again", "--phone", SAM_PHONE)
    assert code == 1 and "--phone: A patient with this phone number is already enrolled." in out
    code, out = run("patient", "add", "--name", "Ann", "--phone", "12")
    assert code == 1 and "--phone: This is not a valid mobile number" in out
