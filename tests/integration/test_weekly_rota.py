"""Weekly rotations, covers that win over them, and day/night routing, as the ladder pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bot.app import create_app
from bot.bootstrap import build_services
from bot.cli import app as cli
from bot.clock import ManualClock
from bot.config import Settings
from bot.safety.rota import on_call, on_call_next
from bot.services import Services
from storage.models import Clinician, OnCallRotation, OnCallShift
from tests.builders import (
    BACKUP_PHONE,
    DIRECTOR_PHONE,
    PATIENT_PHONE,
    PRIMARY_PHONE,
    add_clinician,
    enroll_patient,
)
from tests.conftest import PUBLIC_BASE_URL, post_sms
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.test_risky_sms_pages_on_call import code_in

DESK_PHONE = "+12025550124"
MONDAY_0900_EST = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


async def three_on_rotation(services: Services) -> list[int]:
    """Three clinicians rotating `primary` weekly at Monday 09:00 New York, from now."""
    ids = [
        await add_clinician(services, name="Dr Ames", phone=PRIMARY_PHONE),
        await add_clinician(services, name="Dr Bell", phone=BACKUP_PHONE),
        await add_clinician(services, name="Dr Cruz", phone=DIRECTOR_PHONE),
    ]
    async with services.sessions() as session, session.begin():
        session.add(
            OnCallRotation(
                role="primary",
                clinician_ids=ids,
                handover_weekday=0,
                handover_time="09:00",
                timezone="America/New_York",
                starts_at=services.clock(),
            )
        )
    return ids


async def page_someone(client: httpx.AsyncClient, services: Services, text: str) -> None:
    await post_sms(client, sender=PATIENT_PHONE, body=text)
    await services.outbox.drain()


def paged(fake: FakeTwilio) -> list[str]:
    return [m.to for m in fake.sent if m.body.startswith("URGENT")]


async def test_the_ladder_pages_whoever_holds_the_week_at_the_moment_of_the_message(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await enroll_patient(services)
    await three_on_rotation(services)

    clock.now = MONDAY_0900_EST - timedelta(minutes=1)
    await page_someone(client, services, "I want to kill myself")
    code = code_in(fake_twilio.to(PRIMARY_PHONE)[0])
    await post_sms(client, sender=PRIMARY_PHONE, body=f"RESOLVE {code} called, safe for now")
    clock.now = MONDAY_0900_EST
    await page_someone(client, services, "I want to end my life")

    assert paged(fake_twilio) == [PRIMARY_PHONE, BACKUP_PHONE]


async def test_a_dated_cover_wins_over_the_rotation_and_the_rotation_resumes_after_it(
    services: Services, clock: ManualClock
) -> None:
    ids = await three_on_rotation(services)
    cover = await add_clinician(services, name="Dr Cover", phone="+12025550131")
    cover_from = MONDAY_0900_EST + timedelta(days=2)
    async with services.sessions() as session, session.begin():
        session.add(
            OnCallShift(
                role="primary",
                clinician_id=cover,
                starts_at=cover_from,
                ends_at=cover_from + timedelta(days=1),
            )
        )

    async with services.sessions() as session:
        holders = [
            await on_call(session, role="primary", at=cover_from + timedelta(hours=h))
            for h in (-1, 0, 23, 24)
        ]
        after_monday = await on_call_next(session, role="primary", at=MONDAY_0900_EST)

    assert [h.id if h else None for h in holders] == [ids[1], cover, cover, ids[1]]
    assert after_monday is not None
    who, when = after_monday
    assert who is not None and who.id == cover and when == cover_from


async def test_on_call_next_names_the_next_week_across_the_clock_change(
    services: Services, clock: ManualClock
) -> None:
    clock.now = datetime(2026, 10, 28, 12, tzinfo=UTC)  # a Wednesday, daylight time
    ids = await three_on_rotation(services)

    async with services.sessions() as session:
        now = await on_call(session, role="primary", at=clock.now)
        upcoming = await on_call_next(session, role="primary", at=clock.now)

    assert now is not None and now.id == ids[0]
    assert upcoming is not None
    who, when = upcoming
    assert who is not None and who.id == ids[1]
    assert when.astimezone(UTC) == datetime(2026, 11, 2, 14, tzinfo=UTC)  # 09:00 EST


DAY_NIGHT_LADDER = """
business_hours: {days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}
levels:
  - {target: desk, wait_minutes: 5, when: business_hours}
  - {target: primary, wait_minutes: 5}
"""


@pytest.fixture
async def day_night(
    settings: Settings, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[tuple[Services, httpx.AsyncClient]]:
    path = tmp_path / "ladder.yaml"
    path.write_text(DAY_NIGHT_LADDER, encoding="utf-8")
    built = build_services(settings.model_copy(update={"escalation_ladder": path}), clock=clock)
    app = create_app(services=built, background=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=PUBLIC_BASE_URL
    ) as client:
        await enroll_patient(built)
        desk = await add_clinician(built, name="Dr Desk", phone=DESK_PHONE)
        primary = await add_clinician(built, name="Dr Night", phone=PRIMARY_PHONE)
        async with built.sessions() as session, session.begin():
            for role, who in (("desk", desk), ("primary", primary)):
                start = clock.now - timedelta(days=30)
                session.add(OnCallShift(role=role, clinician_id=who, starts_at=start))
        yield built, client
    await built.close()


@pytest.mark.parametrize(
    ("moment", "first"),
    [
        (datetime(2026, 11, 30, 15, tzinfo=UTC), DESK_PHONE),  # Monday 10:00 EST
        (datetime(2026, 11, 30, 22, 30, tzinfo=UTC), PRIMARY_PHONE),  # Monday 17:30 EST
        (datetime(2026, 11, 28, 15, tzinfo=UTC), PRIMARY_PHONE),  # Saturday 10:00 EST
    ],
)
async def test_business_hours_page_the_clinic_desk_and_after_hours_go_to_on_call(
    day_night: tuple[Services, httpx.AsyncClient],
    fake_twilio: FakeTwilio,
    clock: ManualClock,
    moment: datetime,
    first: str,
) -> None:
    services, client = day_night
    clock.now = moment

    await page_someone(client, services, "I want to kill myself")

    assert paged(fake_twilio) == [first]


runner = CliRunner()


def test_staff_set_a_rotation_and_see_who_is_on_now_and_next(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CLINIC_TIMEZONE", "America/New_York")
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    ids = []
    for name, phone in (("Dr Ames", PRIMARY_PHONE), ("Dr Bell", BACKUP_PHONE)):
        result = runner.invoke(cli, ["clinician", "add", "--name", name, "--phone", phone])
        ids.append(result.output.strip())
    old = runner.invoke(cli, ["oncall", "set", "--primary", ids[1], "--from", "2026-11-01T00:00Z"])
    assert old.exit_code == 0, old.output

    result = runner.invoke(
        cli,
        [
            "oncall", "rotation", "set", "primary",
            "--clinicians", ",".join(ids),
            "--handover", "mon 09:00",
            "--from", "2026-11-27T15:00Z",
        ],
    )  # fmt: skip
    shown = runner.invoke(cli, ["oncall", "show", "--at", "2026-11-28T12:00Z"])

    assert result.exit_code == 0, result.output
    assert "primary rotates weekly at mon 09:00 (America/New_York): Dr Ames, Dr Bell" in (
        result.output
    )
    assert shown.exit_code == 0, shown.output
    assert "primary\tnow: Dr Ames\tnext: Dr Bell from Mon 2026-11-30 09:00 EST" in shown.output
    assert "backup\tnow: nobody\tnext: no change within 8 weeks" in shown.output


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["surgeon", "--clinicians", "1", "--handover", "mon 09:00"], "ROLE"),
        (["primary", "--clinicians", "1", "--handover", "someday"], "--handover"),
        (["primary", "--clinicians", "999", "--handover", "mon 09:00"], "no active clinician"),
        (["primary", "--clinicians", "a,b", "--handover", "mon 09:00"], "--clinicians"),
    ],
)
def test_a_bad_rotation_is_refused_with_a_clear_error(
    database_url: str, monkeypatch: pytest.MonkeyPatch, args: list[str], error: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)

    result = runner.invoke(cli, ["oncall", "rotation", "set", *args])

    assert result.exit_code == 1
    assert error in result.output


async def test_a_deactivated_clinician_s_week_is_covered_by_the_next_in_turn(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio, clock: ManualClock
) -> None:
    await enroll_patient(services)
    ids = await three_on_rotation(services)
    async with services.sessions() as session, session.begin():
        clinician = await session.get(Clinician, ids[1])  # Dr Bell, whose week starts Monday
        assert clinician is not None
        clinician.active = False

    clock.now = MONDAY_0900_EST + timedelta(hours=1)
    await page_someone(client, services, "I want to kill myself")

    # The primary rung is not left empty for the week: Dr Cruz, next in turn, is paged.
    assert paged(fake_twilio) == [DIRECTOR_PHONE]
