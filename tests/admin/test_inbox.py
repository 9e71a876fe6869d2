"""A patient's message outside any question reaches the care team's inbox, as the bot's
reply promised; a clinician marks it read, and that is audited."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from bot.checkins.runner import start_flow
from bot.services import Services
from storage.models import AuditEvent, Message, Patient
from tests.admin.staff import add_staff, form_token, sign_in
from tests.builders import PATIENT_PHONE, PRIMARY_PHONE, clinic_with_rota
from tests.conftest import post_sms
from tests.fakes.twilio_api import FakeTwilio

ASK = "can i move my friday infusion to monday? my ride fell through"


async def test_a_message_outside_any_question_waits_in_the_inbox_until_read(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    ids = await clinic_with_rota(services)
    await post_sms(client, sender=PATIENT_PHONE, body=ASK)
    await services.outbox.drain()
    assert fake_twilio.to(PATIENT_PHONE) == [
        "Thank you, Alex. Your care team will see your message."
    ]
    assert fake_twilio.to(PRIMARY_PHONE) == []  # a message for the team, not a page

    await sign_in(client, await add_staff(services, role="clinician", clinician_id=ids["primary"]))
    review = (await client.get("/admin/review")).text
    inbox = review[review.index('id="inbox"') : review.index('id="signals"')]
    assert ASK in inbox and "Alex Rivera" in inbox
    patient_page = (await client.get(f"/admin/patients/{ids['patient']}")).text
    assert "to the care team</strong>: <a" in patient_page and "unread" in patient_page

    async with services.sessions() as session:
        message = await session.scalar(select(Message).where(Message.body == ASK))
    assert message is not None
    token = await form_token(client, "/admin/review")
    done = await client.post(f"/admin/review/{message.id}/read", data={"csrf_token": token})

    assert done.status_code == 303
    review = (await client.get("/admin/review")).text
    assert "No unread messages." in review and ASK not in review
    async with services.sessions() as session:
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert "inbox_read" in actions


async def test_an_answer_to_a_question_is_not_in_the_inbox(
    client: httpx.AsyncClient, services: Services
) -> None:
    await clinic_with_rota(services)
    await post_sms(client, sender=PATIENT_PHONE, body="hello?")
    async with services.sessions() as session:
        flagged = (
            await session.scalars(select(Message.for_staff).where(Message.direction == "in"))
        ).all()
    assert flagged == [True]
    # A reply to the daily check-in is an answer, not a letter to the team.
    async with services.sessions() as session, session.begin():
        patient = await session.scalar(select(Patient))
        assert patient is not None
        await start_flow(session, services, patient, "daily-checkin", now=services.clock())
    await post_sms(client, sender=PATIENT_PHONE, body="7")
    async with services.sessions() as session:
        flagged = (
            await session.scalars(
                select(Message.for_staff).where(Message.direction == "in").order_by(Message.id)
            )
        ).all()
    assert flagged == [True, False]
