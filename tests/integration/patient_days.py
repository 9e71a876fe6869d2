"""Time travel with a patient's phone: every text the patient receives, stamped with
their local time, and (optionally) a patient who answers each question at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from bot.clock import ManualClock
from bot.scheduler import tick_checkins
from bot.services import Services
from tests.builders import PATIENT_PHONE
from tests.conftest import post_sms
from tests.fakes.twilio_api import FakeTwilio

NY = ZoneInfo("America/New_York")

# How each conversation opens on the patient's phone: the label the tests list.
OPENERS = {
    "how is your mood today": "daily",
    "time for your weekly questionnaire": "phq9",
    "time for your anxiety questionnaire": "gad7",
    "checking in after infusion": "post-infusion-evening",
    "Good morning Alex. Since last night": "post-infusion-morning",
}

# What an engaged patient answers, by the words of the question.
ANSWERS = (
    ("Over the last 2 weeks", "0"),
    ("how is your mood", "7"),
    ("How is your mood", "7"),
    ("6 none", "6"),
    ("How did you sleep", "2"),
    ("How anxious", "2"),
    ("any of these?", "5"),
    ("better off dead", "no"),
)


def answer_to(text: str) -> str | None:
    return next((reply for words, reply in ANSWERS if words in text), None)


@dataclass
class Phone:
    """The patient's phone: what arrived, when (local time), and an optional auto-reply."""

    services: Services
    clock: ManualClock
    fake: FakeTwilio
    client: httpx.AsyncClient | None = None  # set: the patient answers every question
    seen: int = 0
    log: list[tuple[datetime, str]] = field(default_factory=list)

    async def tick(self) -> None:
        await tick_checkins(self.services)
        await self.services.outbox.drain()
        await self.read()

    async def read(self) -> None:
        while True:
            arrived = self.fake.to(PATIENT_PHONE)[self.seen :]
            self.seen += len(arrived)
            self.log += [(self.clock.now.astimezone(NY), text) for text in arrived]
            reply = answer_to(arrived[-1]) if arrived and self.client else None
            if reply is None or self.client is None:
                return
            await post_sms(self.client, sender=PATIENT_PHONE, body=reply)
            await self.services.outbox.drain()

    async def live_until(self, end: datetime, step: timedelta = timedelta(minutes=30)) -> None:
        while self.clock.now < end:
            await self.tick()
            self.clock.now += step

    def openers(self) -> list[str]:
        """Each conversation's first text as "Fri 12-04 09:00 phq9" (not its reminder)."""
        found = []
        for at, text in self.log:
            label = next((name for words, name in OPENERS.items() if words in text), None)
            if label is not None and not text.startswith("Reminder:"):
                found.append(f"{at:%a %m-%d %H:%M} {label}")
        return found
