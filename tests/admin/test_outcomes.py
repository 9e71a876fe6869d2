"""Outcomes as staff meet them: a baseline from intake paper, a PHQ-9 answered by SMS, and
the status on the API, the CLI and the patient page."""

from __future__ import annotations

import re
from datetime import datetime

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.clock import ManualClock
from bot.services import Services
from storage.models import AuditEvent, Score
from tests.admin.api_client import AUTH, api
from tests.admin.staff import add_staff, csrf_in, sign_in
from tests.builders import add_infusion, enroll_patient
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.patient_days import NY, Phone

__all__ = ["api"]  # the fixture, imported for pytest
Api = tuple[httpx.AsyncClient, Services]


async def _intake(
    client: httpx.AsyncClient, patient_id: int, total: int, **extra: object
) -> httpx.Response:
    return await client.post(
        f"/api/patients/{patient_id}/scores",
        headers=AUTH,
        json={"instrument": "phq9", "total": total, "at": "2026-11-27T09:30:00-05:00", **extra},
    )


async def test_an_intake_score_is_the_baseline_and_an_sms_phq9_the_response(
    api: Api, clock: ManualClock, fake_twilio: FakeTwilio
) -> None:
    client, services = api
    patient_id = await enroll_patient(services)  # Friday 2026-11-27, 10:00 New York
    response = await _intake(client, patient_id, 18)
    assert response.status_code == 201, response.text
    assert response.json()["source"] == "intake" and response.json()["complete"] is True
    for day in (30, 2):
        at = datetime(2026, 11 if day == 30 else 12, day, 11, 0, tzinfo=NY)
        await add_infusion(services, patient_id, at)

    # The weekly PHQ-9 goes out on Friday 12-04; the patient answers "0" to every item.
    await Phone(services, clock, fake_twilio, client).live_until(
        datetime(2026, 12, 4, 18, 0, tzinfo=NY)
    )

    outcome = (await client.get(f"/api/patients/{patient_id}/outcomes", headers=AUTH)).json()
    assert outcome["status"] == "remission"
    assert outcome["baseline"]["total"] == 18
    assert outcome["latest"]["total"] == 0
    assert outcome["change_percent"] == -100.0
    assert outcome["episode"] == {
        "number": 1,
        "started_at": "2026-11-30T16:00:00Z",
        "phase": "induction",
        "infusions": 2,
        "boosters": 0,
    }
    assert outcome["relapse"] == {"flag": False, "since": None, "evidence": []}

    await sign_in(client, await add_staff(services, role="clinician"))
    page = (await client.get(f"/admin/patients/{patient_id}")).text
    assert '<span class="badge remission">remission</span>' in page
    assert "-100.0% from baseline" in page
    episodes = page[page.index("Episodes of treatment</h2>") :].split("</table>")[0]
    assert "<td>18</td><td>0</td><td>0</td>" in episodes and "remission" in episodes
    assert "intake" in page  # the score table says where the baseline came from
    # The answers table names each question by its words, not its step id.
    assert ">Little interest or pleasure in doing things</td>" in page
    assert ">phq9_1</td>" not in page
    chart = page[page.index('<svg class="phq9-chart"') :]
    chart = chart[: chart.index("</svg>")]
    assert re.findall(r'data-phq9="(\d+)"', chart) == ["18", "0"]
    assert re.findall(r'class="rule" data-value="([\d.]+)"', chart) == ["5", "18", "9"]
    assert chart.count('class="infusion"') == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"total": 28}, "total"),
        ({"total": -1}, "total"),
        ({"total": 22, "instrument": "gad7"}, "total"),
        ({"at": "2027-06-01T10:00:00Z"}, "at"),
    ],
)
async def test_an_impossible_score_is_refused_with_its_field_named_and_nothing_stored(
    api: Api, body: dict[str, object], field: str
) -> None:
    client, services = api
    patient_id = await enroll_patient(services)

    fields = dict(body)  # the parameter is shared by both databases' runs
    total = int(fields.pop("total", 10))  # type: ignore[call-overload]
    response = await _intake(client, patient_id, total, **fields)

    assert response.status_code == 422
    assert field in response.json()["detail"]
    async with services.sessions() as session:
        assert (await session.scalars(select(Score))).all() == []


async def test_a_score_for_an_unknown_patient_is_404_and_a_bad_instrument_422(api: Api) -> None:
    client, services = api
    assert (await _intake(client, 999, 10)).status_code == 404
    patient_id = await enroll_patient(services)
    assert (await _intake(client, patient_id, 10, instrument="madrs")).status_code == 422
    response = await _intake(client, patient_id, 10, at="2026-11-27T09:30:00")
    assert response.status_code == 422  # no UTC offset


async def test_a_recorded_score_is_banded_and_audited(api: Api) -> None:
    client, services = api
    patient_id = await enroll_patient(services)

    score_id = (await _intake(client, patient_id, 16, source="visit")).json()["id"]

    async with services.sessions() as session:
        score = await session.get(Score, score_id)
        assert score is not None
        assert (score.band, score.source, score.session_id) == ("moderately severe", "visit", None)
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert "score_recorded" in actions


async def test_without_an_infusion_the_outcome_says_there_is_no_baseline(api: Api) -> None:
    client, services = api
    patient_id = await enroll_patient(services)
    await _intake(client, patient_id, 18)

    outcome = (await client.get(f"/api/patients/{patient_id}/outcomes", headers=AUTH)).json()

    assert outcome["status"] == "no_baseline"
    assert outcome["episode"] is None
    await sign_in(client, await add_staff(services, role="clinician"))
    page = (await client.get(f"/admin/patients/{patient_id}")).text
    assert "no baseline" in page and "no infusion recorded yet" in page


def test_the_cli_records_a_score_and_prints_the_outcome(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    runner = CliRunner()
    added = runner.invoke(
        cli,
        ["patient", "add", "--name", "Sam Ortiz", "--phone", "+12025550188"],
    )
    assert added.exit_code == 0, added.output
    patient_id = added.output.split()[0]
    infused = runner.invoke(cli, ["infusion", "add", patient_id, "--at", "2026-01-05T10:00-05:00"])
    assert infused.exit_code == 0, infused.output

    for total, at in (("21", "2026-01-02T09:00-05:00"), ("9", "2026-01-20T09:00-05:00")):
        result = runner.invoke(
            cli,
            ["score", "add", patient_id, "--instrument", "phq9", "--total", total, "--at", at],
        )
        assert result.exit_code == 0, result.output
    refused = runner.invoke(
        cli,
        [
            "score",
            "add",
            patient_id,
            "--instrument",
            "phq9",
            "--total",
            "30",
            "--at",
            "2026-01-21T09:00Z",
        ],
    )
    shown = runner.invoke(cli, ["outcome", patient_id])

    assert refused.exit_code == 1
    assert "A PHQ-9 total is from 0 to 27; 30 is not possible." in refused.output
    assert shown.exit_code == 0, shown.output
    assert "status: response" in shown.output
    assert "baseline: 21 on 2026-01-02" in shown.output
    assert "change: -57.1%" in shown.output


async def test_staff_start_a_new_episode_and_its_baseline_is_the_score_before_it(
    api: Api, clock: ManualClock
) -> None:
    client, services = api
    patient_id = await enroll_patient(services)
    first = await client.post(
        f"/api/patients/{patient_id}/infusions",
        headers=AUTH,
        json={"at": "2026-11-27T08:00:00-05:00"},
    )
    assert first.status_code == 201 and first.json()["new_episode"] is False
    await _intake(client, patient_id, 18)  # 09:30: after the first infusion, before the next
    second = await client.post(
        f"/api/patients/{patient_id}/infusions",
        headers=AUTH,
        json={"at": "2026-11-27T09:45:00-05:00", "new_episode": True},
    )
    assert second.status_code == 201 and second.json()["new_episode"] is True

    outcome = (await client.get(f"/api/patients/{patient_id}/outcomes", headers=AUTH)).json()

    assert outcome["episode"]["number"] == 2
    assert outcome["baseline"]["total"] == 18
    assert outcome["status"] == "no_followup"
    # The patient page's episode table agrees: two episodes, the second from the marked one.
    await sign_in(client, await add_staff(services, role="clinician"))
    page = (await client.get(f"/admin/patients/{patient_id}")).text
    episodes = page[page.index("Episodes of treatment</h2>") :].split("</table>")[0]
    assert episodes.count("<tr><td>") == 2 and "<tr><td>2</td>" in episodes
    assert "starts a new episode</em>" in page


async def test_staff_record_an_intake_score_on_the_patient_page_and_it_is_the_baseline(
    client: httpx.AsyncClient, services: Services
) -> None:
    patient_id = await enroll_patient(services)
    await add_infusion(services, patient_id, at=datetime(2026, 11, 20, 15, tzinfo=NY))
    await sign_in(client, await add_staff(services, role="staff"))
    page = f"/admin/patients/{patient_id}"
    token = csrf_in((await client.get(page)).text)
    score = {"csrf_token": token, "instrument": "phq9", "at": "2026-11-18T09:30"}

    impossible = await client.post(f"{page}/scores", data={**score, "total": "31"})
    shown = (await client.get(impossible.headers["location"])).text
    assert "Score not recorded. Total: A PHQ-9 total is from 0 to 27; 31 is not possible." in shown
    done = await client.post(f"{page}/scores", data={**score, "total": "19", "source": "intake"})

    shown = (await client.get(done.headers["location"])).text
    assert "Recorded PHQ-9 19 from intake, taken Wed 18 Nov 09:30 (moderately severe)." in shown
    async with services.sessions() as session:
        [row] = (await session.scalars(select(Score))).all()
        audited = await session.scalar(
            select(AuditEvent.actor).where(AuditEvent.action == "score_recorded")
        )
    assert (row.name, row.total, row.source) == ("phq9", 19, "intake")
    assert audited is not None and audited.startswith("staff:")
