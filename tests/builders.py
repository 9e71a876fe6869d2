"""Put people in the database the way enrollment would, for test setup."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.outcomes.store import record_score
from bot.scheduling.infusions import record_infusion
from bot.scheduling.plan import QuietHours
from bot.services import Services
from storage.models import Clinician, OnCallShift, Patient

PATIENT_PHONE = "+12025550111"
PRIMARY_PHONE = "+12025550121"
BACKUP_PHONE = "+12025550122"
DIRECTOR_PHONE = "+12025550123"
STRANGER_PHONE = "+12025550177"


async def enroll_patient(
    services: Services,
    *,
    name: str = "Alex Rivera",
    phone: str = PATIENT_PHONE,
    quiet_hours: str | None = None,
) -> int:
    async with services.sessions() as session, session.begin():
        # Enrolled "now" on the test's clock: questionnaires run on a cadence from this day.
        patient = Patient(
            name=name,
            phone=phone,
            timezone="America/New_York",
            created_at=services.clock(),
            quiet_hours=quiet_hours,
        )
        session.add(patient)
        await session.flush()
        return patient.id


async def add_clinician(services: Services, *, name: str, phone: str) -> int:
    async with services.sessions() as session, session.begin():
        clinician = Clinician(name=name, phone=phone)
        session.add(clinician)
        await session.flush()
        return clinician.id


async def put_on_call(services: Services, **roles: int) -> None:
    now = services.clock()
    async with services.sessions() as session, session.begin():
        for role, clinician_id in roles.items():
            session.add(
                OnCallShift(
                    role=role,
                    clinician_id=clinician_id,
                    starts_at=now - timedelta(hours=1),
                    ends_at=None,
                )
            )


async def clinic_with_rota(services: Services, *, director: bool = False) -> dict[str, int]:
    """A patient, a primary and a backup on call (and a director if asked)."""
    ids = {
        "patient": await enroll_patient(services),
        "primary": await add_clinician(services, name="Dr Primary", phone=PRIMARY_PHONE),
        "backup": await add_clinician(services, name="Dr Backup", phone=BACKUP_PHONE),
    }
    roles = {"primary": ids["primary"], "backup": ids["backup"]}
    if director:
        ids["director"] = await add_clinician(services, name="Dr Director", phone=DIRECTOR_PHONE)
        roles["director"] = ids["director"]
    await put_on_call(services, **roles)
    return ids


async def add_infusion(services: Services, patient_id: int, at: datetime) -> None:
    """Record an infusion now (the clock's time) as staff would, with the clinic's quiet hours."""
    async with services.sessions() as session, session.begin():
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        quiet = QuietHours(*services.settings.quiet_hours)
        await record_infusion(session, patient, at=at, quiet=quiet, now=services.clock())


async def infusions_on(services: Services, patient_id: int, start: datetime, *days: float) -> None:
    """Infusions `days` after `start`, recorded as staff would."""
    for n in days:
        await add_infusion(services, patient_id, start + timedelta(days=n))


async def visit_phq9s(
    services: Services, patient_id: int, start: datetime, *points: tuple[float, int]
) -> None:
    """PHQ-9 totals staff recorded at visits: (days after `start`, total) each."""
    async with services.sessions() as session, session.begin():
        for days, total in points:
            await record_score(
                session,
                services.flows,
                patient_id=patient_id,
                instrument="phq9",
                total=total,
                at=start + timedelta(days=days),
                source="visit",
                now=services.clock(),
                actor="test",
            )
