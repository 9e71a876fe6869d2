"""What the learned model changes for the people on each end, seen at the HTTP boundary:
the page for risk no phrase rule lists, the review list for a third person's suicide, and
a loud banner when the model is missing. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import select

from bot.safety import model_tier
from bot.safety.screening import Level, rules_layer
from bot.services import Services
from storage.models import AuditEvent, Message
from tests.admin.staff import add_staff, form_token, sign_in
from tests.builders import PATIENT_PHONE, PRIMARY_PHONE, clinic_with_rota
from tests.conftest import post_sms
from tests.fakes.twilio_api import FakeTwilio

MEANS_NO_VERB = "the rifle is in the truck and the truck is at the overlook"
THIRD_PERSON = "my neighbor's son took his own life last week and I can't stop thinking of his mom"


async def test_a_plan_the_rules_do_not_list_still_pages_the_on_call_clinician(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    assert rules_layer(MEANS_NO_VERB).level is not Level.URGENT  # only the model sees it
    await clinic_with_rota(services)

    await post_sms(client, sender=PATIENT_PHONE, body=MEANS_NO_VERB)
    await services.outbox.drain()

    assert "988" in fake_twilio.to(PATIENT_PHONE)[0]
    assert "URGENT" in fake_twilio.to(PRIMARY_PHONE)[0]


async def test_a_third_persons_suicide_lands_on_the_review_list_and_pages_nobody(
    client: httpx.AsyncClient, services: Services, fake_twilio: FakeTwilio
) -> None:
    ids = await clinic_with_rota(services)
    await post_sms(client, sender=PATIENT_PHONE, body=THIRD_PERSON)
    await services.outbox.drain()
    assert fake_twilio.to(PRIMARY_PHONE) == []
    assert all("988" not in text for text in fake_twilio.to(PATIENT_PHONE))

    await sign_in(client, await add_staff(services, role="clinician", clinician_id=ids["primary"]))
    page = (await client.get("/admin/review")).text
    assert "Alex Rivera" in page
    assert f"<mark>{THIRD_PERSON}</mark>" in page.replace("&#39;", "'")
    assert "someone else&#39;s suicide, a past attempt or thoughts that have stopped" in page

    async with services.sessions() as session:
        message = await session.scalar(select(Message).where(Message.body == THIRD_PERSON))
    assert message is not None and message.screening_level == "review"
    token = await form_token(client, "/admin/review")
    done = await client.post(f"/admin/review/{message.id}/read", data={"csrf_token": token})
    assert done.status_code == 303

    assert "Nothing waiting." in (await client.get("/admin/review")).text
    async with services.sessions() as session:
        [event] = (
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "review_read"))
        ).all()
    assert event.detail == {"message": message.id}


async def test_without_the_model_the_service_says_so_on_readyz_and_every_dashboard_page(
    client: httpx.AsyncClient, services: Services, tmp_path: Path
) -> None:
    model_tier.reset(tmp_path)  # the model's files are missing from this install
    try:
        ready = (await client.get("/readyz")).json()
        await sign_in(client, await add_staff(services, role="staff"))
        page = (await client.get("/admin/patients")).text
        metrics = (await client.get("/metrics")).text
    finally:
        model_tier.reset()

    assert ready["screening"]["degraded"] is True
    assert ready["screening"]["tiers"] == ["rules"]
    assert "Screening is degraded" in page
    assert "checkin_screening_degraded 1.0" in metrics
    assert (await client.get("/readyz")).json()["screening"] == {
        "tiers": ["rules", "risk_model"],
        "degraded": False,
        "problem": None,
    }
