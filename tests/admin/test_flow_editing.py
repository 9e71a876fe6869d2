"""Staff change flows without a shell: draft, check, preview, a test patient, publish, history,
roll back; and the publishes that must be refused are, with a message naming why."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot import flow_versions as fv
from bot.bootstrap import build_services
from bot.checkins.runner import DraftForPatient, open_flow
from bot.clock import ManualClock
from bot.config import Settings
from bot.scheduler import tick_checkins
from bot.services import Services
from flows.loader import BUILTIN_DIR
from storage.models import AuditEvent, FlowSession, FlowVersion, Patient, ScheduledCheckin
from tests.admin.api_client import AUTH, api
from tests.admin.staff import add_staff, csrf_in, form_token, sign_in
from tests.builders import PATIENT_PHONE, add_clinician, enroll_patient, put_on_call
from tests.conftest import post_sms
from tests.fakes.twilio_api import FakeTwilio

__all__ = ["api"]  # the fixture, imported for pytest
Api = tuple[httpx.AsyncClient, Services]
TEST_PHONE = "+12025550177"
OTHER_PHONE = "+12025550166"
ON_CALL = "+12025550150"
OLD_SLEEP = "How did you sleep last night? 1 well, 2 OK, 3 poorly, 4 hardly at all"
NEW_SLEEP = "How well did you sleep last night? 1 well, 2 OK, 3 poorly, 4 hardly at all"
DAILY = (BUILTIN_DIR / "daily-checkin.yaml").read_text(encoding="utf-8")
PHQ9 = (BUILTIN_DIR / "phq9.yaml").read_text(encoding="utf-8")


async def add_test_patient(services: Services, phone: str = TEST_PHONE) -> int:
    async with services.sessions() as session, session.begin():
        patient = Patient(
            name="Jordan (test)",
            phone=phone,
            timezone="America/New_York",
            created_at=services.clock(),
            test=True,
        )
        session.add(patient)
        await session.flush()
        return patient.id


def flashes(page: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", f).strip()
        for f in re.findall(r'class="flash[^"]*"[^>]*>(.*?)</', page, re.S)
    ]


async def save(
    client: httpx.AsyncClient, flow_id: str, text: str, note: str = ""
) -> httpx.Response:
    token = await form_token(client, f"/admin/flows/{flow_id}/edit")
    return await client.post(
        f"/admin/flows/{flow_id}/drafts", data={"csrf_token": token, "text": text, "note": note}
    )


async def publish(
    client: httpx.AsyncClient, flow_id: str, version: int, note: str = "", override: bool = False
) -> str:
    token = await form_token(client, f"/admin/flows/{flow_id}/versions/{version}")
    data = {"csrf_token": token, "note": note} | ({"override": "yes"} if override else {})
    response = await client.post(f"/admin/flows/{flow_id}/versions/{version}/publish", data=data)
    assert response.status_code == 303
    return (await client.get(response.headers["location"])).text


async def test_a_flow_editor_rewords_a_question_tries_it_on_their_phone_and_publishes_it(
    api: Api, fake_twilio: FakeTwilio
) -> None:
    client, services = api
    await sign_in(client, await add_staff(services, role="flow_editor"))
    tester = await add_test_patient(services)
    patient = await enroll_patient(services)  # a real patient, mid-conversation at publish
    assert (
        await client.post(
            f"/api/patients/{patient}/checkins", headers=AUTH, json={"flow": "daily-checkin"}
        )
    ).status_code == 201
    await tick_checkins(services)
    await services.outbox.drain()

    editor = (await client.get("/admin/flows/daily-checkin/edit")).text
    text = re.search(r'<textarea id="text" name="text"[^>]*>(.*?)</textarea>', editor, re.S)
    assert text is not None and "version: 2" in text.group(1)
    saved = await save(client, "daily-checkin", DAILY.replace(OLD_SLEEP, NEW_SLEEP), "clearer")
    assert saved.headers["location"] == "/admin/flows/daily-checkin/versions/3"
    draft = (await client.get("/admin/flows/daily-checkin/versions/3")).text
    assert "Saved as draft version 3" in draft and 'id="version-status">draft<' in draft
    assert "No problems found: it replaces version 2" in draft
    assert f'<ins>      en: "{NEW_SLEEP}"</ins>' in draft.replace("&#34;", '"')  # the diff

    preview = (await client.get("/admin/flows/daily-checkin/preview?version=3")).text
    token = re.search(r'name="preview" value="([^"]+)"', preview)
    assert token
    played = await client.post(
        "/admin/flows/daily-checkin/preview",
        data={"csrf_token": csrf_in(preview), "preview": token.group(1), "reply": "7"},
    )
    assert NEW_SLEEP in played.text

    sent = await client.post(
        "/admin/flows/daily-checkin/versions/3/test",
        data={"csrf_token": csrf_in(draft), "patient_id": str(tester)},
    )
    assert sent.status_code == 303
    await services.outbox.drain()
    await post_sms(client, sender=TEST_PHONE, body="7")
    await services.outbox.drain()
    assert fake_twilio.to(TEST_PHONE)[-1] == NEW_SLEEP
    assert all(NEW_SLEEP not in t for t in fake_twilio.to(PATIENT_PHONE))  # a draft: not theirs

    history = await publish(client, "daily-checkin", 3, "clearer sleep question")
    assert "Version 3 is published" in history
    rows = re.findall(r'data-version="(\d+)" data-status="(\w+)"', history)
    assert rows == [("3", "published"), ("2", "retired")]

    # The conversation under way finishes on version 2; the next one starts on version 3.
    await post_sms(client, sender=PATIENT_PHONE, body="6")
    await services.outbox.drain()
    assert fake_twilio.to(PATIENT_PHONE)[-1] == OLD_SLEEP
    second = await enroll_patient(services, name="Sam Lee", phone=OTHER_PHONE)
    await client.post(
        f"/api/patients/{second}/checkins", headers=AUTH, json={"flow": "daily-checkin"}
    )
    await tick_checkins(services)
    await services.outbox.drain()
    await post_sms(client, sender=OTHER_PHONE, body="6")
    await services.outbox.drain()
    assert fake_twilio.to(OTHER_PHONE)[-1] == NEW_SLEEP
    async with services.sessions() as session:
        versions = dict(
            (await session.execute(select(FlowSession.patient_id, FlowSession.flow_version))).all()
        )
        audit = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "flow.published")
        )
    assert versions[patient] == 2 and versions[second] == 3 and versions[tester] == 3
    assert audit is not None and audit.actor == "flow_editor@clinic.example.org"
    assert audit.detail is not None and f'+      en: "{NEW_SLEEP}"' in audit.detail["diff"]


async def test_a_draft_with_errors_comes_back_with_each_error_beside_its_line(
    api: Api,
) -> None:
    client, services = api
    await sign_in(client, await add_staff(services, role="flow_editor"))
    broken = DAILY.replace("      max: 10\n", "      max: -1\n", 1)

    response = await save(client, "daily-checkin", broken)

    assert response.status_code == 422
    marked = re.findall(
        r'<li value="(\d+)" class="has-error"[^>]*><code>(.*?)</code>(.*?)</li>',
        response.text,
        re.S,
    )
    assert marked and "max: -1" in marked[0][1]
    assert f"line {marked[0][0]}: steps[0].answer" in marked[0][2]
    assert "max: -1" in response.text.split('<textarea id="text"')[1]  # the text as typed
    async with services.sessions() as session:
        assert await fv.versions_of(session, "daily-checkin") != []
        assert all(r.status != "draft" for r in await fv.versions_of(session, "daily-checkin"))


@pytest.mark.parametrize(
    ("flow_id", "change", "named"),
    [
        (
            "daily-checkin",
            lambda t: re.sub(r"    escalate_if:\n(?:      .*\n)+", "", t, count=1),
            'step safety no longer has escalate_if "safety == yes": an answer that paged the '
            "on-call clinician (suicide risk) would page nobody",
        ),
        (
            "phq9",
            lambda t: t.replace("Little interest or pleasure", "Less interest or pleasure"),
            "PHQ-9 step phq9_1: the published wording or answers are changed, so this is no "
            "longer the validated instrument",
        ),
        (
            "phq9",
            lambda t: t.replace("label: moderately severe", "label: quite severe"),
            "the PHQ-9's scoring (items or severity bands) is changed",
        ),
    ],
    ids=["drops-the-safety-escalation", "rewords-a-phq9-item", "changes-phq9-scoring"],
)
async def test_a_publish_that_would_drop_a_safety_escalation_or_alter_a_validated_instrument_is_refused(
    api: Api, flow_id: str, change: object, named: str
) -> None:
    client, services = api
    await sign_in(client, await add_staff(services, role="admin"))
    source = DAILY if flow_id == "daily-checkin" else PHQ9
    edited = change(source)  # type: ignore[operator]
    assert edited != source
    saved = await save(client, flow_id, edited)
    assert saved.status_code == 303, saved.text
    version = int(saved.headers["location"].rsplit("/", 1)[1])

    page = (await client.get(f"/admin/flows/{flow_id}/versions/{version}")).text
    assert named in page.replace("&#34;", '"').replace("&#39;", "'")
    refused = await publish(client, flow_id, version, "try", override=True)  # not overridable

    assert "Not published: " + named in refused.replace("&#34;", '"').replace("&#39;", "'")
    async with services.sessions() as session:
        row = await fv.get_version(session, flow_id, version)
    assert row.status == "draft"
    assert services.flows.get(flow_id).version == version - 1


async def test_removing_a_step_running_conversations_wait_at_is_refused_unless_an_admin_overrides_with_a_note(
    api: Api,
) -> None:
    client, services = api
    patient = await enroll_patient(services)
    await client.post(
        f"/api/patients/{patient}/checkins", headers=AUTH, json={"flow": "daily-checkin"}
    )
    await tick_checkins(services)  # waiting at "mood"
    no_mood = DAILY.replace(
        DAILY[DAILY.index("  - id: mood") : DAILY.index("  - id: low_mood")], ""
    ).replace("goto: low_mood}", "goto: sleep}")
    await sign_in(client, await add_staff(services, role="flow_editor"))
    saved = await save(client, "daily-checkin", no_mood)
    assert saved.status_code == 303, saved.text
    warning = (
        "1 running conversation is waiting at step mood, which this version removes: they "
        "will finish on the version they started with; publish once they end, or override "
        "with a note"
    )

    as_editor = await publish(client, "daily-checkin", 3, "", override=True)
    assert "Not published: only an administrator can publish over a warning" in as_editor
    assert "Not published: " + warning in as_editor

    await client.post("/admin/logout", data={"csrf_token": csrf_in(as_editor)})
    await sign_in(client, await add_staff(services, role="admin"))
    without_note = await publish(client, "daily-checkin", 3, "", override=True)
    assert "Not published: publishing over a warning needs a note saying why" in without_note
    done = await publish(client, "daily-checkin", 3, "mood moves to the weekly form", override=True)
    assert "Version 3 is published" in done
    async with services.sessions() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "flow.published")
        )
    assert event is not None and event.detail is not None
    assert event.detail["overridden"] == [warning]
    assert event.detail["note"] == "mood moves to the weekly form"


async def test_history_shows_versions_side_by_side_and_rolls_back_as_a_new_version(
    api: Api,
) -> None:
    client, services = api
    await sign_in(client, await add_staff(services, role="admin"))
    await save(client, "daily-checkin", DAILY.replace(OLD_SLEEP, NEW_SLEEP))
    await publish(client, "daily-checkin", 3, "new wording")

    diff = (await client.get("/admin/flows/daily-checkin/diff?a=2&b=3")).text
    changed = re.findall(r'<tr class="diff-changed">(.*?)</tr>', diff, re.S)
    assert len(changed) == 2  # the English line of the sleep question, and version:
    assert any("<del>" in c and OLD_SLEEP in c and NEW_SLEEP in c for c in changed)

    token = await form_token(client, "/admin/flows/daily-checkin/versions/2")
    rolled = await client.post(
        "/admin/flows/daily-checkin/versions/2/rollback",
        data={"csrf_token": token, "note": "patients found it odd"},
    )
    history = (await client.get(rolled.headers["location"])).text

    assert "Version 2 is published again, as version 4." in history
    assert re.findall(r'data-version="(\d+)" data-status="(\w+)"', history) == [
        ("4", "published"),
        ("3", "retired"),
        ("2", "retired"),
    ]
    assert "rollback to version 2" in history and "patients found it odd" in history
    assert OLD_SLEEP in services.flows.get("daily-checkin").steps["sleep"].text["en"]  # type: ignore[index]


async def test_drafts_never_start_for_a_patient_who_is_not_a_test_patient(api: Api) -> None:
    client, services = api
    patient = await enroll_patient(services)
    await sign_in(client, await add_staff(services, role="flow_editor"))
    await save(client, "daily-checkin", DAILY.replace(OLD_SLEEP, NEW_SLEEP))

    page = (await client.get("/admin/flows/daily-checkin/versions/3")).text
    assert "No test patient yet." in page
    refused = await client.post(
        "/admin/flows/daily-checkin/versions/3/test",
        data={"csrf_token": csrf_in(page), "patient_id": str(patient)},
    )
    shown = (await client.get(refused.headers["location"])).text
    assert "Not sent: only a test patient can be sent a draft." in shown
    async with services.sessions() as session:
        assert list(await session.scalars(select(FlowSession))) == []
        row = await fv.get_version(session, "daily-checkin", 3)
        real = await session.get(Patient, patient)
        assert real is not None
        with pytest.raises(DraftForPatient):
            open_flow(
                session,
                services,
                real,
                "daily-checkin",
                now=services.clock(),
                scheduled=None,
                previous=None,
                context=None,
                draft=fv.compiled(row),  # type: ignore[arg-type]
            )


async def test_a_new_flow_from_a_copy_is_a_draft_until_published(api: Api) -> None:
    client, services = api
    await sign_in(client, await add_staff(services, role="flow_editor"))
    token = await form_token(client, "/admin/flows/daily-checkin")

    made = await client.post(
        "/admin/flows/daily-checkin/copy",
        data={"csrf_token": token, "new_id": "evening-checkin", "title": "Evening check-in"},
    )

    assert made.status_code == 303, made.text[-3000:]
    assert made.headers["location"] == "/admin/flows/evening-checkin/versions/1"
    page = (await client.get(made.headers["location"])).text
    assert "Evening check-in, version 1" in page and "copy of daily-checkin version 2" in page
    assert "evening-checkin" not in services.flows
    await publish(client, "evening-checkin", 1, "first version")
    assert services.flows.get("evening-checkin").title == "Evening check-in"
    again = await client.post(
        "/admin/flows/daily-checkin/copy",
        data={"csrf_token": token, "new_id": "evening-checkin"},
    )
    assert again.status_code == 303, again.text[:3000]
    assert (
        "Not copied: id: &#39;evening-checkin&#39; is already a flow"
        in (await client.get(again.headers["location"])).text
    )


async def test_a_changed_flow_file_is_imported_as_the_next_published_version(
    settings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "daily-checkin.yaml").write_text(DAILY, encoding="utf-8")
    services = build_services(settings.model_copy(update={"flows_dir": folder}), clock=clock)
    first = await fv.sync(services)
    again = await fv.sync(services)
    (folder / "daily-checkin.yaml").write_text(
        DAILY.replace(OLD_SLEEP, NEW_SLEEP), encoding="utf-8"
    )
    edited = await fv.sync(services)  # edited without a new version number

    assert first.added == ["daily-checkin version 2 from file daily-checkin.yaml"]
    assert again.added == []
    assert edited.added == ["daily-checkin version 3 from file daily-checkin.yaml"]
    async with services.sessions() as session:
        rows = await fv.versions_of(session, "daily-checkin")
    assert [(r.version, r.status) for r in rows] == [(2, "retired"), (3, "published")]
    assert rows[1].note == "the file says version 2" and "version: 3" in rows[1].yaml
    assert services.flows.get("daily-checkin").version == 3
    await services.close()


async def test_the_api_lists_versions_takes_drafts_and_publishes_with_the_same_checks(
    api: Api,
) -> None:
    client, services = api
    listed = (await client.get("/api/flows", headers=AUTH)).json()
    assert {f["id"]: f["published"] for f in listed}["daily-checkin"] == 2

    bad = await client.post(
        "/api/flows/daily-checkin/drafts",
        headers=AUTH,
        json={"yaml": "id: daily-checkin\nsteps: 3\n"},
    )
    assert bad.status_code == 422
    errors = bad.json()["errors"]  # lines as sent, though the version line is added
    assert {"line": 2, "field": "steps", "message": "must be a list"} in errors
    assert {"line": 1, "field": "title", "message": "is required"} in errors

    made = await client.post(
        "/api/flows/daily-checkin/drafts",
        headers=AUTH,
        json={"yaml": DAILY.replace(OLD_SLEEP, NEW_SLEEP), "note": "from the EHR team"},
    )
    assert made.status_code == 201 and made.json() == {"version": 3}
    got = (await client.get("/api/flows/daily-checkin/versions/3", headers=AUTH)).json()
    assert got["status"] == "draft" and "version: 3" in got["yaml"] and got["source"] == "api"

    published = await client.post(
        "/api/flows/daily-checkin/versions/3/publish", headers=AUTH, json={"note": "wording"}
    )
    assert published.status_code == 200 and published.json()["status"] == "published"
    flow = (await client.get("/api/flows/daily-checkin", headers=AUTH)).json()
    assert flow["published"] == 3
    assert [v["status"] for v in flow["versions"]] == ["retired", "published"]
    again = await client.post(
        "/api/flows/daily-checkin/versions/2/publish", headers=AUTH, json={"note": "undo"}
    )  # a retired version: its text comes back as a new version
    assert again.status_code == 200
    assert (again.json()["version"], again.json()["source"]) == (4, "rollback to version 2")
    assert OLD_SLEEP in again.json()["yaml"] and services.flows.get("daily-checkin").version == 4

    unsafe = DAILY.replace(
        'escalate_if:\n      - if: "safety == yes"', 'escalate_if:\n      - if: "safety == no"'
    )
    await client.post("/api/flows/daily-checkin/drafts", headers=AUTH, json={"yaml": unsafe})
    refused = await client.post(
        "/api/flows/daily-checkin/versions/5/publish", headers=AUTH, json={}
    )
    assert refused.status_code == 409
    assert refused.json()["problems"][0]["code"] in ("escalation_changed", "invalid")
    assert (await client.get("/api/flows/nope", headers=AUTH)).status_code == 404
    assert (
        await client.get("/api/flows/daily-checkin/versions/99", headers=AUTH)
    ).status_code == 404
    async with services.sessions() as session:
        unsafe_row = await session.scalar(select(FlowVersion).where(FlowVersion.version == 5))
    assert unsafe_row is not None and unsafe_row.status == "draft"


async def test_a_test_patient_gets_no_routine_check_ins_and_is_marked_and_left_out_of_outcomes(
    api: Api,
) -> None:
    client, services = api
    made = await client.post(
        "/api/patients",
        headers=AUTH,
        json={"name": "Jordan Staff", "phone": TEST_PHONE, "test": True},
    )
    assert made.status_code == 201 and made.json()["test"] is True
    real = await client.post(
        "/api/patients", headers=AUTH, json={"name": "Sam Lee", "phone": OTHER_PHONE}
    )
    for patient_id in (made.json()["id"], real.json()["id"]):  # one episode each, 8 weeks in
        score = {"instrument": "phq9", "total": 20, "at": "2026-09-30T09:00:00-04:00"}
        await client.post(f"/api/patients/{patient_id}/scores", headers=AUTH, json=score)
        infusion = {"at": "2026-10-01T10:00:00-04:00"}
        await client.post(f"/api/patients/{patient_id}/infusions", headers=AUTH, json=infusion)
    async with services.sessions() as session:
        planned = await session.scalars(
            select(ScheduledCheckin.kind).where(ScheduledCheckin.patient_id == made.json()["id"])
        )
        kinds = set(planned)
    await sign_in(client, await add_staff(services, role="staff"))

    listed = (await client.get("/admin/patients")).text
    outcomes = (await client.get("/admin/outcomes")).text

    assert 'Jordan Staff</a> <span class="badge paused">test patient</span>' in listed
    assert "Sam Lee</a> <span" not in listed
    row = r'<tr class="look" data-look="[^"]+">\s*<th scope="row">[^<]+</th>\s*<td>(\d+)</td>'
    episodes = re.findall(row, outcomes)
    assert episodes[0] == "1"  # at 6 weeks: Sam's episode, not the test patient's
    assert "daily" not in kinds


async def test_a_page_from_a_test_patient_says_it_comes_from_a_staff_phone(
    api: Api, fake_twilio: FakeTwilio
) -> None:
    client, services = api
    await put_on_call(services, primary=await add_clinician(services, name="Dr On", phone=ON_CALL))
    await add_test_patient(services)

    await post_sms(client, sender=TEST_PHONE, body="I want to kill myself tonight")
    await services.outbox.drain()

    page = fake_twilio.to(ON_CALL)
    assert page and page[0].startswith("TEST PATIENT (a staff phone trying a flow) - URGENT")


async def test_a_stored_version_that_no_longer_loads_shows_its_errors_not_an_error_page(
    api: Api,
) -> None:
    client, services = api
    await sign_in(client, await add_staff(services, role="flow_editor"))
    await client.get("/admin/flows")  # the built-in flows imported
    async with services.sessions() as session, session.begin():
        session.add(
            FlowVersion(
                flow_id="daily-checkin",
                version=7,
                yaml=DAILY.replace("version: 2", "version: 7").replace("max: 10", "max: -1", 1),
                status="retired",
                source="edit",
                author="someone",
                created_at=services.clock(),
            )
        )

    page = await client.get("/admin/flows/daily-checkin/versions/7")
    listed = await client.get("/admin/flows")

    assert page.status_code == 200
    assert "Version 7 no longer loads; fix it in a new draft." in page.text
    assert re.search(r'class="has-error"[^>]*><code>\s*max: -1', page.text)
    assert listed.status_code == 200
