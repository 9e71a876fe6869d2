"""Staff start a flow now (a baseline PHQ-9 at intake): from the API, the CLI and the
patient page, with quiet hours and one conversation at a time still in force."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.clock import ManualClock
from bot.scheduler import tick_checkins
from bot.services import Services
from tests.admin.api_client import AUTH, api
from tests.admin.staff import add_staff, form_token, sign_in
from tests.builders import PATIENT_PHONE, enroll_patient
from tests.conftest import post_sms
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.patient_days import NY

__all__ = ["api"]  # the fixture, imported for pytest
Api = tuple[httpx.AsyncClient, Services]
PHQ9_OPENER = "time for your weekly questionnaire"


async def _send(client: httpx.AsyncClient, patient_id: int, flow: str) -> httpx.Response:
    return await client.post(
        f"/api/patients/{patient_id}/checkins", headers=AUTH, json={"flow": flow}
    )


async def _deliver(services: Services) -> None:
    await tick_checkins(services)
    await services.outbox.drain()


async def test_a_phq9_sent_now_reaches_the_patient_at_the_next_tick(
    api: Api, fake_twilio: FakeTwilio
) -> None:
    client, services = api
    patient_id = await enroll_patient(services)  # Friday 10:00 in New York

    response = await _send(client, patient_id, "phq9")
    await _deliver(services)

    assert response.status_code == 201, response.text
    assert response.json()["waiting"] is None
    texts = fake_twilio.to(PATIENT_PHONE)
    assert len(texts) == 2 and PHQ9_OPENER in texts[0]  # the intro and item 1
    assert texts[1].startswith("Over the last 2 weeks")


async def test_inside_quiet_hours_it_waits_and_says_until_when(
    api: Api, clock: ManualClock, fake_twilio: FakeTwilio
) -> None:
    client, services = api
    patient_id = await enroll_patient(services)
    clock.now = datetime(2026, 11, 27, 22, 30, tzinfo=NY)

    response = await _send(client, patient_id, "phq9")
    await _deliver(services)
    quiet_night = fake_twilio.to(PATIENT_PHONE)
    clock.now = datetime(2026, 11, 28, 8, 1, tzinfo=NY)
    await _deliver(services)

    assert response.status_code == 202
    assert response.json()["waiting"] == "quiet hours: it goes out at 08:00 patient time"
    assert quiet_night == []
    assert any(PHQ9_OPENER in t for t in fake_twilio.to(PATIENT_PHONE))


async def test_it_waits_for_the_conversation_the_patient_is_in(
    api: Api, clock: ManualClock, fake_twilio: FakeTwilio
) -> None:
    client, services = api
    patient_id = await enroll_patient(services)
    assert (await _send(client, patient_id, "daily-checkin")).status_code == 201
    await _deliver(services)
    await post_sms(client, sender=PATIENT_PHONE, body="6")  # in the daily check-in

    response = await _send(client, patient_id, "phq9")
    await _deliver(services)

    assert response.status_code == 202
    assert "another conversation" in response.json()["waiting"]
    assert not any(PHQ9_OPENER in t for t in fake_twilio.to(PATIENT_PHONE))


@pytest.mark.parametrize(
    ("flow", "status", "words"),
    [("no-such-flow", 422, "No flow 'no-such-flow'"), ("phq9", 409, "already asked for")],
)
async def test_an_unknown_flow_or_a_second_request_is_refused_with_why(
    api: Api, flow: str, status: int, words: str
) -> None:
    client, services = api
    patient_id = await enroll_patient(services)
    if status == 409:
        await _send(client, patient_id, "phq9")

    response = await _send(client, patient_id, flow)

    assert response.status_code == status
    assert words in response.text


async def test_a_patient_with_an_open_escalation_is_sent_no_check_in(
    api: Api, fake_twilio: FakeTwilio
) -> None:
    client, services = api
    patient_id = await enroll_patient(services)
    await post_sms(client, sender=PATIENT_PHONE, body="i want to kill myself tonight")
    await services.outbox.drain()
    before = len(fake_twilio.to(PATIENT_PHONE))

    response = await _send(client, patient_id, "phq9")
    await _deliver(services)

    assert response.status_code == 409
    assert "open escalation" in response.text
    assert not any(PHQ9_OPENER in t for t in fake_twilio.to(PATIENT_PHONE)[before:])


async def test_staff_send_a_phq9_from_the_patient_page(api: Api, fake_twilio: FakeTwilio) -> None:
    client, services = api
    patient_id = await enroll_patient(services)
    await sign_in(client, await add_staff(services, role="staff"))
    page = f"/admin/patients/{patient_id}"
    token = await form_token(client, page)

    response = await client.post(f"{page}/checkins", data={"csrf_token": token, "flow": "phq9"})
    shown = (await client.get(response.headers["location"])).text
    await _deliver(services)

    assert response.status_code == 303
    assert "PHQ-9" in shown and "planned: it goes out within a minute." in shown
    assert any(PHQ9_OPENER in t for t in fake_twilio.to(PATIENT_PHONE))


def test_the_cli_says_when_the_check_in_goes_out(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    runner = CliRunner()
    added = runner.invoke(cli, ["patient", "add", "--name", "Sam Ortiz", "--phone", "+12025550188"])
    patient_id = added.output.split()[0]

    sent = runner.invoke(cli, ["checkin", "send", patient_id, "phq9"])
    again = runner.invoke(cli, ["checkin", "send", patient_id, "phq9"])
    unknown = runner.invoke(cli, ["checkin", "send", patient_id, "nope"])

    assert sent.exit_code == 0, sent.output
    assert sent.output.startswith("phq9 planned;")
    assert again.exit_code == 1 and "already asked for" in again.output
    assert unknown.exit_code == 1 and "No flow 'nope'" in unknown.output
