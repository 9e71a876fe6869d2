"""`checkin export responses` as staff run it: the file a spreadsheet or an EHR reads."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

import httpx
import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.clock import ManualClock
from bot.services import Services
from storage.models import AuditEvent
from tests.conftest import PUBLIC_BASE_URL
from tests.exports.conversations import Clinic, clinic_with_answers

runner = CliRunner()


@pytest.fixture
async def clinic(
    client: httpx.AsyncClient,
    services: Services,
    clock: ManualClock,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Clinic:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC_BASE_URL)
    return await clinic_with_answers(client, services, clock)


async def run(*args: str) -> tuple[int, str, str]:
    """The command in a thread: it runs its own event loop, as it does in a terminal."""
    result = await asyncio.to_thread(runner.invoke, app, ["export", "responses", *args])
    return result.exit_code, result.stdout, result.stderr


def version(services: Services, flow_id: str) -> int:
    """The version the library runs now: what a check-in started today records."""
    return services.flows.get(flow_id).version


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_csv_has_a_row_per_answer_with_the_question_and_a_row_per_score(
    clinic: Clinic, services: Services, tmp_path: Path
) -> None:
    target = tmp_path / "answers.csv"
    code, _, err = await run("--format", "csv", "--output", str(target))

    assert code == 0, err
    table = rows(target.read_text(encoding="utf-8"))
    assert err.strip() == f"wrote {len(table)} rows to {target}"
    phq9 = [r for r in table if r["flow_id"] == "phq9"]
    assert [r["item_id"] for r in phq9] == [f"phq9_{n}" for n in range(1, 10)] + [
        "difficulty",
        "phq9",
    ]
    item9 = phq9[8]
    assert item9["record"] == "answer"
    assert item9["patient_id"] == str(clinic.patient)
    assert item9["flow_version"] == str(services.flows.get("phq9").version)
    assert item9["session_status"] == "completed"
    assert "Thoughts that you would be better off dead" in item9["question"]
    assert (item9["value"], item9["raw_text"]) == ("0", "0")
    assert item9["answered_at"] == "2026-11-28T15:19:00Z"
    total = phq9[-1]
    assert (total["record"], total["value"], total["band"]) == ("score", "10", "moderate")
    side_effects = next(r for r in table if r["item_id"] == "side_effects")
    assert (side_effects["value"], side_effects["raw_text"]) == (
        "nausea;headache",
        "nausea and headache",
    )
    assert {r["session_status"] for r in table if r["flow_id"] == "gad7"} == {"active"}


async def test_the_fhir_bundle_parses_as_fhir_and_carries_loinc_codes(
    clinic: Clinic, services: Services
) -> None:
    code, out, err = await run("--format", "fhir")

    assert code == 0, err
    Bundle.model_validate_json(out)
    bundle = json.loads(out)
    assert (bundle["resourceType"], bundle["type"]) == ("Bundle", "collection")
    resources = [e["resource"] for e in bundle["entry"]]
    questionnaires = {r["url"]: r for r in resources if r["resourceType"] == "Questionnaire"}
    responses = [r for r in resources if r["resourceType"] == "QuestionnaireResponse"]
    # fhir.resources checks types and structure, not code values: check the status here.
    assert {r["status"] for r in responses} <= {"in-progress", "completed", "stopped"}

    phq9 = questionnaires[f"{PUBLIC_BASE_URL}/fhir/Questionnaire/phq9"]
    assert phq9["code"][0]["code"] == "44249-1"
    codes = {i["linkId"]: i["code"][0]["code"] for i in phq9["item"] if "code" in i}
    assert codes["phq9_9"] == "44260-8"
    assert codes["phq9_total"] == "44261-6"
    gad7 = questionnaires[f"{PUBLIC_BASE_URL}/fhir/Questionnaire/gad7"]
    assert gad7["code"][0]["code"] == "69737-5"
    assert [i["code"][0]["code"] for i in gad7["item"][:2]] == ["69725-0", "68509-9"]

    response = next(
        r for r in responses if r["questionnaire"].endswith(f"/phq9|{version(services, 'phq9')}")
    )
    assert response["status"] == "completed"
    assert response["subject"] == {"reference": f"Patient/{clinic.patient}"}
    assert response["authored"] == "2026-11-28T15:20:00Z"
    answers = {i["linkId"]: i["answer"][0] for i in response["item"]}
    assert answers["phq9_9"]["valueCoding"] == {
        "system": "http://loinc.org",
        "code": "LA6568-5",
        "display": "Not at all",
    }
    assert answers["phq9_4"]["valueCoding"]["display"] == "Nearly every day"
    assert answers["phq9_total"] == {"valueInteger": 10}
    # The total is also an Observation an EHR can chart, derived from that response; the
    # GAD-7 left half done has no total, so no Observation.
    (total,) = [r for r in resources if r["resourceType"] == "Observation"]
    assert total["code"]["coding"] == [{"system": "http://loinc.org", "code": "44261-6"}]
    assert (total["valueInteger"], total["status"]) == (10, "final")
    assert total["subject"] == {"reference": f"Patient/{clinic.patient}"}
    assert total["derivedFrom"] == [
        {"reference": f"{PUBLIC_BASE_URL}/fhir/QuestionnaireResponse/{response['id']}"}
    ]
    assert total["interpretation"] == [{"text": "moderate"}]
    gad = next(
        r for r in responses if r["questionnaire"].endswith(f"/gad7|{version(services, 'gad7')}")
    )
    assert gad["status"] == "in-progress"
    daily = next(
        r
        for r in responses
        if r["questionnaire"].endswith(f"/daily-checkin|{version(services, 'daily-checkin')}")
        and r["subject"]["reference"] == f"Patient/{clinic.patient}"
    )
    by_item = {i["linkId"]: i for i in daily["item"]}
    assert by_item["mood"]["answer"] == [{"valueInteger": 7}]
    assert by_item["safety"]["answer"] == [{"valueBoolean": False}]
    assert [a["valueCoding"]["code"] for a in by_item["side_effects"]["answer"]] == [
        "nausea",
        "headache",
    ]
    assert by_item["mood"]["text"].startswith("Hi, how is your mood today")


async def test_filters_pick_one_patient_and_a_time_window(clinic: Clinic) -> None:
    _, out, _ = await run("--patient", str(clinic.other))
    assert {r["patient_id"] for r in rows(out)} == {str(clinic.other)}

    _, out, _ = await run("--since", clinic.phq9_started.isoformat())
    assert {r["flow_id"] for r in rows(out)} == {"phq9", "gad7"}

    _, out, _ = await run("--since", "2026-11-28", "--until", clinic.gad7_started.isoformat())
    assert {r["flow_id"] for r in rows(out)} == {"phq9"}

    _, out, _ = await run("--until", "2026-01-01")
    assert rows(out) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "last week"], "--since: 'last week' is not a date"),
        (["--until", "2026-11-28T10:00"], "--until: '2026-11-28T10:00' needs a UTC offset"),
        (["--patient", "999"], "--patient: no patient with id 999"),
    ],
)
async def test_bad_options_get_a_clear_error_and_export_nothing(
    clinic: Clinic, services: Services, args: list[str], message: str
) -> None:
    code, out, err = await run(*args)
    assert code == 1
    assert message in err
    assert out == ""
    async with services.sessions() as session:
        assert (await session.scalars(select(AuditEvent.action))).all().count(
            "responses_exported"
        ) == 0


async def test_every_export_is_audited_with_who_what_and_how_many(
    clinic: Clinic, services: Services, clock: ManualClock
) -> None:
    await run("--format", "fhir", "--patient", str(clinic.patient), "--since", "2026-11-28")

    async with services.sessions() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "responses_exported")
        )
    assert event is not None
    assert (event.actor, event.subject) == ("cli", f"patient:{clinic.patient}")
    assert event.detail == {
        "format": "fhir",
        "rows": 2,
        "patient": clinic.patient,
        "since": "2026-11-28T00:00:00+00:00",
        "until": None,
    }
