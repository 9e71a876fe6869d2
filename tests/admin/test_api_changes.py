"""An EHR keeps the schedule in step: patients changed, infusions moved and cancelled."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from bot.scheduler import tick_checkins
from bot.services import Services
from storage.models import AuditEvent, Patient, ScheduledCheckin
from tests.admin.api_client import AUTH, api

__all__ = ["api"]  # the fixture, imported for pytest
Api = tuple[httpx.AsyncClient, Services]


async def enroll(client: httpx.AsyncClient) -> int:
    response = await client.post(
        "/api/patients", headers=AUTH, json={"name": "Kim Park", "phone": "+12025550160"}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def due_dailies(services: Services, patient_id: int) -> list[datetime]:
    async with services.sessions() as session:
        rows = await session.scalars(
            select(ScheduledCheckin.due_at).where(
                ScheduledCheckin.patient_id == patient_id,
                ScheduledCheckin.kind == "daily",
                ScheduledCheckin.status == "due",
            )
        )
        return list(rows.all())


async def test_a_new_check_in_time_and_zone_move_the_next_daily_check_in(api: Api) -> None:
    client, services = api
    patient_id = await enroll(client)
    await tick_checkins(services)
    assert await due_dailies(services, patient_id) == [datetime(2026, 11, 28, 14, tzinfo=UTC)]

    response = await client.patch(
        f"/api/patients/{patient_id}",
        headers=AUTH,
        json={"timezone": "America/Chicago", "checkin_time": "10:30"},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["timezone"], body["checkin_time"], body["name"]) == (
        "America/Chicago",
        "10:30",
        "Kim Park",
    )
    # It is 09:00 in Chicago (UTC-6): 10:30 there is still to come today. The row for
    # 09:00 New York tomorrow is gone.
    assert await due_dailies(services, patient_id) == [datetime(2026, 11, 27, 16, 30, tzinfo=UTC)]
    async with services.sessions() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "patient_updated")
        )
    assert event is not None
    assert (event.actor, event.subject) == ("api", f"patient:{patient_id}")
    assert event.detail == {"changed": ["checkin_time", "timezone"]}


async def test_pausing_stops_daily_check_ins_and_resuming_plans_the_next_one(api: Api) -> None:
    client, services = api
    patient_id = await enroll(client)
    await tick_checkins(services)

    paused = await client.patch(
        f"/api/patients/{patient_id}", headers=AUTH, json={"status": "paused"}
    )
    assert paused.json()["status"] == "paused"
    assert await due_dailies(services, patient_id) == []

    resumed = await client.patch(
        f"/api/patients/{patient_id}",
        headers=AUTH,
        json={"status": "active", "channel": "telegram"},
    )
    assert (resumed.json()["status"], resumed.json()["channel"]) == ("active", "telegram")
    assert await due_dailies(services, patient_id) == [datetime(2026, 11, 28, 14, tzinfo=UTC)]


async def test_a_patient_who_texted_stop_cannot_be_resumed_through_the_api(api: Api) -> None:
    client, services = api
    patient_id = await enroll(client)
    async with services.sessions() as session, session.begin():
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        patient.status = "opted_out"

    response = await client.patch(
        f"/api/patients/{patient_id}", headers=AUTH, json={"status": "active"}
    )

    assert response.status_code == 409
    assert "only they can opt back in" in response.json()["detail"]["status"]
    async with services.sessions() as session:
        assert await session.scalar(select(Patient.status)) == "opted_out"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"checkin_time": "25:61"}, "checkin_time"),
        ({"checkin_time": ""}, "checkin_time"),
        ({"language": "xx"}, "language"),
        ({"channel": "fax"}, "channel"),
        ({"status": "opted_out"}, "status"),
        ({"name": "Kim\x00Park"}, "name"),
        ({"phone": "+12025550199"}, "phone"),
    ],
)
async def test_an_invalid_change_is_a_422_naming_the_field_and_changes_nothing(
    api: Api, change: dict[str, str], field: str
) -> None:
    client, _ = api
    patient_id = await enroll(client)
    before = (await client.get(f"/api/patients/{patient_id}", headers=AUTH)).json()

    response = await client.patch(f"/api/patients/{patient_id}", headers=AUTH, json=change)

    assert response.status_code == 422
    assert field in response.text
    assert (await client.get(f"/api/patients/{patient_id}", headers=AUTH)).json() == before


async def test_unknown_and_impossible_ids_are_404_and_422(api: Api) -> None:
    client, _ = api
    for method, path in [
        ("PATCH", "/api/patients/999"),
        ("PATCH", "/api/infusions/999"),
        ("DELETE", "/api/infusions/999"),
        ("GET", "/api/patients/999/infusions"),
    ]:
        body = {"at": "2026-12-01T10:00:00Z"} if "infusions/" in path else {}
        response = await client.request(method, path, headers=AUTH, json=body)
        assert response.status_code == 404, (method, path)
    for ident in ("0", "99999999999", "x"):
        response = await client.get(f"/api/patients/{ident}", headers=AUTH)
        assert response.status_code == 422, ident


async def test_an_infusion_is_recorded_moved_and_cancelled_and_its_check_ins_follow(
    api: Api,
) -> None:
    client, services = api
    patient_id = await enroll(client)
    recorded = await client.post(
        f"/api/patients/{patient_id}/infusions",
        headers=AUTH,
        json={"at": "2026-11-30T10:00:00-05:00"},
    )
    infusion = recorded.json()
    assert infusion["checkins"][0] == {
        "flow_id": "post-infusion-evening",
        "due_at": "2026-12-01T00:00:00Z",  # 19:00 New York
        "status": "due",
    }

    moved = await client.patch(
        f"/api/infusions/{infusion['id']}", headers=AUTH, json={"at": "2026-12-02T10:00:00-05:00"}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["at"] == "2026-12-02T15:00:00Z"
    assert moved.json()["checkins"][0]["due_at"] == "2026-12-03T00:00:00Z"
    assert [
        i["at"]
        for i in (await client.get(f"/api/patients/{patient_id}/infusions", headers=AUTH)).json()
    ] == ["2026-12-02T15:00:00Z"]

    cancelled = await client.delete(f"/api/infusions/{infusion['id']}", headers=AUTH)
    assert (cancelled.json()["status"], cancelled.json()["checkins"]) == ("cancelled", [])
    async with services.sessions() as session:
        due = await session.scalars(
            select(ScheduledCheckin).where(
                ScheduledCheckin.kind == "post_infusion", ScheduledCheckin.status == "due"
            )
        )
        assert due.all() == []
        actions = (await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))).all()
    assert actions[-3:] == ["infusion_recorded", "infusion_moved", "infusion_cancelled"]
    again = await client.delete(f"/api/infusions/{infusion['id']}", headers=AUTH)
    assert again.status_code == 409
    late = await client.patch(
        f"/api/infusions/{infusion['id']}", headers=AUTH, json={"at": "2026-12-04T10:00:00Z"}
    )
    assert late.status_code == 409


async def test_an_infusion_time_out_of_any_plausible_range_is_refused(api: Api) -> None:
    client, _ = api
    patient_id = await enroll(client)

    response = await client.post(
        f"/api/patients/{patient_id}/infusions", headers=AUTH, json={"at": "0001-01-01T00:00:00Z"}
    )

    assert response.status_code == 422
    assert "must be between 2000 and 2099" in response.text
    assert (await client.get(f"/api/patients/{patient_id}/infusions", headers=AUTH)).json() == []


async def test_an_infusion_rescheduled_again_and_again_keeps_its_check_ins(api: Api) -> None:
    client, services = api
    patient_id = await enroll(client)
    created = await client.post(
        f"/api/patients/{patient_id}/infusions",
        headers=AUTH,
        json={"at": "2026-12-01T10:00:00-05:00"},
    )
    infusion_id = created.json()["id"]

    for day in range(2, 14):  # twelve moves: the old names once outgrew their column
        moved = await client.patch(
            f"/api/infusions/{infusion_id}",
            headers=AUTH,
            json={"at": f"2026-12-{day:02d}T10:00:00-05:00"},
        )
        assert moved.status_code == 200, moved.text

    body = moved.json()
    assert body["at"] == "2026-12-13T15:00:00Z"
    assert body["checkins"] and min(c["due_at"] for c in body["checkins"]) > "2026-12-13T15:00"
