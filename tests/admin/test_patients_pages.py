"""Patients: the list, enrolling from the form, pause/resume, and one patient's page."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy import select

from bot.services import Services
from bot.web.admin.pages import local
from storage.models import (
    Answer,
    AuditEvent,
    CheckinStatus,
    FlowSession,
    Message,
    Patient,
    ScheduledCheckin,
)
from tests.admin.history import MOODS, patient_with_history
from tests.admin.staff import add_staff, form_token, sign_in
from tests.builders import PATIENT_PHONE, add_clinician, enroll_patient


def enroll_form(token: str, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "name": "Jordan Blake",
        "phone": "(202) 555-0143",
        "timezone": "America/Chicago",
        "checkin_time": "08:30",
        "language": "es",
        "consent": "yes",
        **fields,
    }


async def test_staff_enroll_a_patient_from_the_form_and_land_on_their_page(
    client: httpx.AsyncClient, services: Services
) -> None:
    await sign_in(client, await add_staff(services, role="staff"))
    token = await form_token(client, "/admin/patients/new")

    response = await client.post("/admin/patients", data=enroll_form(token))

    assert response.status_code == 303
    page = (await client.get(response.headers["location"])).text
    assert "Enrolled Jordan Blake." in page
    assert "+12025550143" in page and "America/Chicago" in page
    # The daily check-in and the questionnaires are planned at once, not by a later sweep.
    assert re.search(r'<tr class="upcoming"><td>[^<]+</td><td>Daily check-in, every day</td>', page)
    assert "PHQ-9 (weekly)" in page
    listing = (await client.get("/admin/patients")).text
    assert "Jordan Blake" in listing and "active" in listing


async def test_a_bad_phone_number_is_refused_with_a_clear_message_and_nothing_typed_is_lost(
    client: httpx.AsyncClient, services: Services
) -> None:
    await sign_in(client, await add_staff(services, role="staff"))
    token = await form_token(client, "/admin/patients/new")

    response = await client.post(
        "/admin/patients", data=enroll_form(token, phone="555-12", timezone="Mars/Olympus")
    )

    assert response.status_code == 422
    assert "This is not a valid mobile number. Include the country code" in response.text
    assert "Unknown time zone" in response.text
    assert "Please correct 2 fields below; nothing you typed was lost." in response.text
    assert 'value="Jordan Blake"' in response.text
    assert 'value="555-12"' in response.text
    assert 'value="es" selected' in response.text
    async with services.sessions() as session:
        assert (await session.scalars(select(Patient))).all() == []


async def test_enrolling_the_same_phone_twice_says_the_patient_is_already_enrolled(
    client: httpx.AsyncClient, services: Services
) -> None:
    await sign_in(client, await add_staff(services, role="admin"))
    token = await form_token(client, "/admin/patients/new")
    await client.post("/admin/patients", data=enroll_form(token))

    again = await client.post("/admin/patients", data=enroll_form(token, phone="+1 202 555 0143"))

    assert again.status_code == 422
    assert "already enrolled" in again.text


async def test_staff_pause_and_resume_a_patients_check_ins(
    client: httpx.AsyncClient, services: Services
) -> None:
    patient_id = await patient_with_history(services)
    await sign_in(client, await add_staff(services, role="staff"))
    page = f"/admin/patients/{patient_id}"

    await client.post(f"{page}/pause", data={"csrf_token": await form_token(client, page)})
    paused = (await client.get(page)).text
    assert "Paused check-ins for Alex Rivera." in paused
    assert "Resume check-ins" in paused

    await client.post(f"{page}/resume", data={"csrf_token": await form_token(client, page)})
    assert "Resumed check-ins for Alex Rivera." in (await client.get(page)).text


async def test_the_patient_page_shows_the_mood_chart_infusions_scores_missed_and_messages(
    client: httpx.AsyncClient, services: Services
) -> None:
    patient_id = await patient_with_history(services)
    await sign_in(client, await add_staff(services, role="clinician"))

    page = (await client.get(f"/admin/patients/{patient_id}")).text

    points = re.findall(r'<circle class="point" data-mood="(\d+)"', page)
    assert [int(p) for p in points] == MOODS
    mood_chart = page[page.index('<svg class="mood-chart"') :]
    mood_chart = mood_chart[: mood_chart.index("</svg>")]
    assert mood_chart.count('<g class="infusion">') == 2
    assert len(re.findall(r'<text class="date"', mood_chart)) == 6  # dates along the axis
    assert "PHQ-9" in page and "moderate" in page
    assert "Missed" in page and "daily-checkin" in page
    assert "slept well after the infusion" in page
    assert "Pause check-ins" not in page  # a clinician looks; the office changes


async def test_the_patients_list_shows_the_latest_mood_and_a_trend_line(
    client: httpx.AsyncClient, services: Services
) -> None:
    await patient_with_history(services)
    await sign_in(client, await add_staff(services, role="staff"))

    page = (await client.get("/admin/patients")).text

    assert f"{MOODS[-1]}/10" in page
    assert 'class="sparkline"' in page
    # The last check-in is the latest answer, not "none yet" beside a latest mood.
    last_answer = services.clock() - timedelta(days=14 - 2 * (len(MOODS) - 1))
    assert "none yet" not in page
    assert local(last_answer, "America/New_York") in page
    assert "No patient matches" in (await client.get("/admin/patients?q=zzz")).text


async def test_a_patient_id_that_does_not_exist_is_a_404_not_an_error(
    client: httpx.AsyncClient, services: Services
) -> None:
    await sign_in(client, await add_staff(services, role="admin"))
    token = await form_token(client)

    assert (await client.get("/admin/patients/9999")).status_code == 404
    assert (
        await client.post("/admin/patients/9999/pause", data={"csrf_token": token})
    ).status_code == 404
    # A path no patient can have is a missing page too, not a validation error.
    assert (await client.get("/admin/patients/not-a-number")).status_code == 404


async def test_without_a_telegram_bot_the_enrollment_page_gives_the_start_code_instead(
    client: httpx.AsyncClient, services: Services
) -> None:
    await sign_in(client, await add_staff(services, role="staff"))
    token = await form_token(client, "/admin/patients/new")

    page = await client.post("/admin/patients", data=enroll_form(token, channel="telegram"))

    assert "Enrolled Jordan Blake." in page.text
    assert re.search(r'<code id="telegram-code">/start \d{16}</code>', page.text)
    assert "t.me" not in page.text and 'class="qr"' not in page.text


async def test_the_patient_page_shows_side_effects_over_time(
    client: httpx.AsyncClient, services: Services
) -> None:
    patient_id = await enroll_patient(services)
    now = services.clock()
    reported = [["nausea", "dissociation"], ["none"], ["headache"]]
    async with services.sessions() as session, session.begin():
        flow = FlowSession(patient_id=patient_id, flow_id="daily-checkin", flow_version=1, state={})
        session.add(flow)
        await session.flush()
        for days_ago, value in zip((3, 2, 1), reported, strict=True):
            session.add(
                Answer(
                    patient_id=patient_id,
                    session_id=flow.id,
                    flow_id="daily-checkin",
                    flow_version=1,
                    step_id="side_effects",
                    value=value,
                    raw_text="",
                    recorded_at=now - timedelta(days=days_ago),
                )
            )
    await sign_in(client, await add_staff(services, role="clinician"))

    page = (await client.get(f"/admin/patients/{patient_id}")).text

    section = page.split('id="effects-h"')[1].split("</section>")[0]
    columns = re.findall(r'<th scope="col">([^<]+)</th>', section)
    assert columns == ["dissociation", "headache", "nausea"]
    rows = [
        ["yes" in cell for cell in re.findall(r"<td>(.*?)</td>", row, re.S)[2:]]
        for row in re.findall(r'<tr class="effects-row">(.*?)</tr>', section, re.S)
    ]
    # Newest first: headache; then a day with none; then nausea and feeling unreal.
    assert rows == [[False, True, False], [False, False, False], [True, False, True]]


async def test_the_enroll_form_sets_the_patients_own_quiet_hours_and_refuses_a_bad_window(
    client: httpx.AsyncClient, services: Services
) -> None:
    await sign_in(client, await add_staff(services, role="staff"))
    token = await form_token(client, "/admin/patients/new")

    refused = await client.post(
        "/admin/patients", data=enroll_form(token, quiet_hours="10pm till 7")
    )
    assert refused.status_code == 422
    assert "Quiet hours:" in refused.text and "such as 22:00-07:00 or 10pm-7am" in refused.text
    assert refused.text.count("22:00-07:00 or 10pm-7am") == 1  # said once, not twice
    assert 'value="10pm till 7"' in refused.text  # what was typed is kept to correct

    enrolled = await client.post(
        "/admin/patients", data=enroll_form(token, quiet_hours="22:30-7:15")
    )
    assert enrolled.status_code == 303
    async with services.sessions() as session:
        patient = (await session.scalars(select(Patient))).one()
    assert patient.quiet_hours == "22:30-07:15"


async def test_the_transcript_pages_back_to_the_first_message(
    client: httpx.AsyncClient, services: Services
) -> None:
    patient_id = await enroll_patient(services)
    now = services.clock()
    async with services.sessions() as session, session.begin():
        for n in range(205):
            session.add(
                Message(direction="in", channel="sms", address="+12025550111", body=f"note {n:03d}",
                        patient_id=patient_id, created_at=now - timedelta(minutes=300 - n))
            )  # fmt: skip
    await sign_in(client, await add_staff(services, role="clinician"))

    newest = (await client.get(f"/admin/patients/{patient_id}")).text
    older = re.search(
        r'href="(/admin/patients/\d+\?before=\d+)#transcript-h">Older messages', newest
    )
    assert older is not None
    assert "note 204" in newest and "note 005" in newest and "note 004" not in newest
    first = (await client.get(older.group(1))).text
    assert "note 004" in first and "note 000" in first and "note 005" not in first
    assert "Older messages" not in first and "Newest messages" in first


async def test_only_a_telegram_patient_is_offered_a_new_telegram_link(
    client: httpx.AsyncClient, services: Services
) -> None:
    patient_id = await enroll_patient(services)  # an SMS patient
    await sign_in(client, await add_staff(services, role="staff"))
    page = f"/admin/patients/{patient_id}"
    assert "Pause check-ins" in (await client.get(page)).text
    assert "New Telegram link" not in (await client.get(page)).text

    async with services.sessions() as session, session.begin():
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        patient.channel = "telegram"

    assert "New Telegram link" in (await client.get(page)).text


async def test_the_time_zone_may_be_a_city_and_a_misspelt_one_gets_a_suggestion(
    client: httpx.AsyncClient, services: Services
) -> None:
    await sign_in(client, await add_staff(services, role="staff"))
    token = await form_token(client, "/admin/patients/new")

    typo = await client.post("/admin/patients", data=enroll_form(token, timezone="Chicgo"))
    assert typo.status_code == 422
    assert "Did you mean America/Chicago?" in typo.text

    city = await client.post("/admin/patients", data=enroll_form(token, timezone="chicago"))
    assert city.status_code == 303
    async with services.sessions() as session:
        [patient] = (await session.scalars(select(Patient))).all()
    assert patient.timezone == "America/Chicago"


async def test_staff_edit_a_patients_details_and_the_check_ins_move_with_them(
    client: httpx.AsyncClient, services: Services
) -> None:
    patient_id = await enroll_patient(services)
    other = await enroll_patient(services, name="Sam Ortiz", phone="+12025550177")
    await sign_in(client, await add_staff(services, role="staff"))
    page = f"/admin/patients/{patient_id}"
    assert f'href="{page}/edit"' in (await client.get(page)).text
    form = (await client.get(f"{page}/edit")).text
    assert 'value="Alex Rivera"' in form and "Save changes" in form
    token = await form_token(client, f"{page}/edit")

    def typed(**fields: str) -> dict[str, str]:
        return {
            "csrf_token": token,
            "name": "Alex Rivera",
            "phone": PATIENT_PHONE,
            "timezone": "America/New_York",
            "checkin_time": "09:00",
            "language": "en",
            "channel": "sms",
            "quiet_hours": "",
            **fields,
        }

    taken = await client.post(f"{page}/edit", data=typed(phone="+1 202 555 0177"))
    assert taken.status_code == 422
    assert "Another patient is enrolled with this phone number." in taken.text
    assert 'value="+1 202 555 0177"' in taken.text  # what was typed is kept

    saved = await client.post(
        f"{page}/edit", data=typed(checkin_time="7:30pm", timezone="Chicago", language="es")
    )
    shown = (await client.get(saved.headers["location"])).text
    assert "Saved Alex Rivera: changed checkin time, language, timezone." in shown
    async with services.sessions() as session:
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        assert (patient.checkin_time, patient.timezone, patient.language) == (
            "19:30",
            "America/Chicago",
            "es",
        )
        due = await session.scalars(
            select(ScheduledCheckin).where(
                ScheduledCheckin.patient_id == patient_id,
                ScheduledCheckin.kind == "daily",
                ScheduledCheckin.status == CheckinStatus.DUE,
            )
        )
        [daily] = due.all()
        assert local(daily.due_at, "America/Chicago").endswith("19:30")
        edited = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "patient_updated")
        )
        assert edited is not None and edited.detail["changed"] == [
            "checkin_time",
            "language",
            "timezone",
        ]
        assert (await session.get(Patient, other)) is not None


async def test_the_enroll_form_records_the_chart_fields_and_asks_for_consent(
    client: httpx.AsyncClient, services: Services
) -> None:
    treating = await add_clinician(services, name="Dr Treating", phone="+12025550166")
    await sign_in(client, await add_staff(services, role="staff"))
    token = await form_token(client, "/admin/patients/new")
    assert "Dr Treating" in (await client.get("/admin/patients/new")).text
    chart = {"mrn": " MRN-00417 ", "date_of_birth": "1979-04-02"}

    refused = await client.post(
        "/admin/patients",
        data=enroll_form(token, consent="", date_of_birth="2079-01-01", treating_clinician_id="x"),
    )
    assert refused.status_code == 422
    assert "Record that the patient agreed to check-ins by text" in refused.text
    assert "That date of birth is not possible" in refused.text
    assert "Choose the treating clinician from the list." in refused.text

    done = await client.post(
        "/admin/patients", data=enroll_form(token, treating_clinician_id=str(treating), **chart)
    )
    page = (await client.get(done.headers["location"])).text
    assert "MRN MRN-00417 · born 1979-04-02 · treated by Dr Treating" in page
    assert "consent to check-ins recorded Fri 27 Nov 09:00" in page  # Chicago time
    async with services.sessions() as session:
        [patient] = (await session.scalars(select(Patient))).all()
    assert (patient.mrn, str(patient.date_of_birth), patient.treating_clinician_id) == (
        "MRN-00417",
        "1979-04-02",
        treating,
    )
    assert patient.consent_recorded_at == services.clock()
