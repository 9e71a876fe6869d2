"""The escalations page: what a clinician sees, and acknowledging and resolving from it."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from bot.clock import ManualClock
from bot.scheduler import tick_safety
from bot.services import Services
from storage.models import AuditEvent, Escalation
from tests.admin.staff import add_staff, form_token, sign_in
from tests.builders import PATIENT_PHONE, PRIMARY_PHONE, clinic_with_rota
from tests.conftest import PUBLIC_BASE_URL, post_sms, twilio_signature
from tests.fakes.twilio_api import FakeTwilio, Fault


async def risky_message(client: httpx.AsyncClient, services: Services) -> dict[str, int]:
    ids = await clinic_with_rota(services)
    await post_sms(client, sender=PATIENT_PHONE, body="feeling flat again")
    await post_sms(client, sender=PATIENT_PHONE, body="I want to kill myself")
    await services.outbox.drain()
    return ids


async def only_escalation(services: Services) -> Escalation:
    async with services.sessions() as session:
        [row] = (await session.scalars(select(Escalation))).all()
    return row


async def test_an_open_escalation_shows_patient_age_level_who_is_paged_and_the_messages(
    client: httpx.AsyncClient, services: Services, clock: ManualClock
) -> None:
    await risky_message(client, services)
    await sign_in(client, await add_staff(services, role="staff"))
    clock.advance(minutes=3)

    page = (await client.get("/admin")).text

    assert "Unresolved (1)" in page
    assert "Alex Rivera" in page
    assert "open 3 min" in page
    assert "level 1 of 3 (primary), round 1" in page
    assert "not acknowledged; paging Dr Primary" in page
    assert "triggered this escalation" in page
    assert "I want to kill myself" in page
    assert "feeling flat again" in page  # the message before it
    assert "988" in page  # the crisis reply after it
    assert f'href="tel:{PATIENT_PHONE}"' in page
    assert "Pages sent (1)" in page
    assert "Dr Primary (primary, round 1) by sms: sent" in page


async def test_a_clinician_acknowledges_from_the_page_and_the_patient_is_told(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    ids = await risky_message(client, services)
    await sign_in(client, await add_staff(services, role="clinician", clinician_id=ids["primary"]))
    escalation = await only_escalation(services)

    response = await client.post(
        f"/admin/escalations/{escalation.id}/acknowledge",
        data={"csrf_token": await form_token(client)},
    )
    await services.outbox.drain()

    assert response.status_code == 303
    page = (await client.get(response.headers["location"])).text
    assert f"Acknowledged {escalation.code}: it is yours." in page
    assert "resolve it on this page with a note" in page
    assert "reply RESOLVE" not in page
    assert "held by Dr Primary" in page
    assert (await only_escalation(services)).acked_by_id == ids["primary"]
    assert "has seen your message" in fake_twilio.to(PATIENT_PHONE)[-1]


async def test_resolving_needs_a_note_and_then_the_escalation_moves_to_resolved(
    client: httpx.AsyncClient, services: Services
) -> None:
    ids = await risky_message(client, services)
    await sign_in(client, await add_staff(services, role="clinician", clinician_id=ids["backup"]))
    escalation = await only_escalation(services)
    url = f"/admin/escalations/{escalation.id}/resolve"

    empty = await client.post(url, data={"csrf_token": await form_token(client), "note": "  "})
    page = (await client.get(empty.headers["location"])).text
    assert "Write a note saying what happened before resolving." in page
    assert (await only_escalation(services)).state == "open"

    await client.post(
        url, data={"csrf_token": await form_token(client), "note": "Called her; safe with sister"}
    )

    resolved = await only_escalation(services)
    assert (resolved.state, resolved.resolved_by_id) == ("resolved", ids["backup"])
    page = (await client.get("/admin")).text
    assert "Unresolved (0)" in page
    assert "Called her; safe with sister" in page
    async with services.sessions() as session:
        actions = (
            await session.scalars(
                select(AuditEvent.actor).where(AuditEvent.action.like("dashboard_%"))
            )
        ).all()
    assert len(actions) == 1 and actions[0].startswith("staff:")


async def test_an_account_without_a_clinician_link_sees_the_list_but_no_buttons_and_cannot_act(
    client: httpx.AsyncClient, services: Services
) -> None:
    await risky_message(client, services)
    await sign_in(client, await add_staff(services, role="clinician"))
    escalation = await only_escalation(services)

    page = (await client.get("/admin")).text
    assert "I want to kill myself" in page
    assert ">Acknowledge</button>" not in page
    assert "needs a clinician account" in page

    response = await client.post(
        f"/admin/escalations/{escalation.id}/acknowledge",
        data={"csrf_token": await form_token(client)},
    )
    assert response.status_code == 403
    assert (await only_escalation(services)).state == "open"


async def test_the_live_list_reports_the_open_count_and_changes_when_an_escalation_opens(
    client: httpx.AsyncClient, services: Services
) -> None:
    await sign_in(client, await add_staff(services, role="staff"))
    before = (await client.get("/admin/escalations.json")).json()
    assert before["open"] == 0

    await risky_message(client, services)
    after = (await client.get("/admin/escalations.json")).json()

    assert after["open"] == 1
    assert after["signature"] != before["signature"]
    assert "I want to kill myself" in after["html"]


async def test_a_resolved_escalation_says_how_long_it_took_instead_of_an_age(
    client: httpx.AsyncClient, services: Services, clock: ManualClock
) -> None:
    ids = await risky_message(client, services)
    await sign_in(client, await add_staff(services, role="clinician", clinician_id=ids["primary"]))
    escalation = await only_escalation(services)
    clock.advance(minutes=7)

    await client.post(
        f"/admin/escalations/{escalation.id}/resolve",
        data={"csrf_token": await form_token(client), "note": "Spoke by phone"},
    )
    clock.advance(minutes=20)  # within the idle timeout

    page = (await client.get("/admin")).text
    assert "resolved after 7 min" in page
    assert "open 27 min" not in page


async def test_the_page_history_shows_each_rung_and_a_page_that_could_not_be_sent(
    client: httpx.AsyncClient, services: Services, clock: ManualClock, fake_twilio: FakeTwilio
) -> None:
    await risky_message(client, services)
    await sign_in(client, await add_staff(services, role="staff"))
    fake_twilio.fail_next(Fault(400, code=21211))  # the next send: "not a valid number"
    clock.advance(minutes=5, seconds=1)
    await tick_safety(services)
    await services.outbox.drain()

    page = (await client.get("/admin")).text

    assert "Pages sent (2)" in page
    assert "Dr Primary (primary, round 1) by sms: sent" in page
    assert "Dr Backup (backup, round 1) by sms: failed" in page


async def test_the_page_history_says_what_the_carrier_reported(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    await risky_message(client, services)
    await sign_in(client, await add_staff(services, role="staff"))
    page_sid = next(m.sid for m in fake_twilio.sent if m.to == PRIMARY_PHONE)
    params = {"MessageSid": page_sid, "MessageStatus": "delivered"}
    url = PUBLIC_BASE_URL + "/webhooks/twilio/status"
    await client.post(
        "/webhooks/twilio/status",
        data=params,
        headers={"X-Twilio-Signature": twilio_signature(url, params)},
    )

    page = (await client.get("/admin")).text

    assert "Dr Primary (primary, round 1) by sms: delivered" in page
