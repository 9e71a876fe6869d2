"""`checkin patient|clinician|oncall ...`: enrollment and the on-call rota."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

from bot.cli._common import fail, run_in_session, settings_or_exit
from bot.cli.telegram_links import clinician_link, patient_link, print_link
from bot.clock import plausible

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from storage.models import Clinician, Patient

# The models, SQLAlchemy and the services are imported inside each command: `checkin
# patient --help` and a refused option never load them.

patient_app = typer.Typer(help="Enroll and manage patients.", no_args_is_help=True)
clinician_app = typer.Typer(help="Register clinicians.", no_args_is_help=True)
oncall_app = typer.Typer(help="The on-call rota the escalation ladder pages.", no_args_is_help=True)


def _phone(raw: str) -> str:
    from bot.phones import InvalidPhone, normalize_phone

    try:
        return normalize_phone(raw)
    except InvalidPhone as exc:
        raise fail(f"--phone: {exc}") from None


def parse_when(raw: str | None, option: str, *, zone: str | None = None) -> datetime | None:
    """An ISO 8601 time as UTC. One with no offset is read in ``zone`` when there is one
    (the patient's own); without a zone it needs an offset."""
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise fail(f"{option}: {raw!r} is not an ISO 8601 time (2026-12-01T09:00-05:00)") from None
    if value.tzinfo is None:
        if zone is None:
            raise fail(f"{option}: {raw!r} needs a UTC offset or Z (e.g. 2026-12-01T09:00-05:00)")
        value = value.replace(tzinfo=ZoneInfo(zone))
    try:
        return plausible(value.astimezone(UTC))
    except (ValueError, OverflowError) as exc:
        raise fail(f"{option}: {raw!r} {exc}") from None


def has_offset(raw: str) -> bool:
    """Whether an ISO 8601 time names its own offset (else it is read in a local zone)."""
    try:
        return datetime.fromisoformat(raw).tzinfo is not None
    except ValueError:
        return True  # parse_when says what is wrong with it


@patient_app.command("add")
def patient_add(
    name: Annotated[str, typer.Option(help="Full name")],
    phone: Annotated[str, typer.Option(help="Mobile number with country code, e.g. +1...")],
    telegram: Annotated[bool, typer.Option(help="Check in by Telegram instead of SMS")] = False,
    timezone: Annotated[str | None, typer.Option(help="Area/City; default CLINIC_TIMEZONE")] = None,
    checkin_time: Annotated[str, typer.Option(help="Daily check-in, local HH:MM")] = "09:00",
    language: Annotated[str, typer.Option(help="en or es")] = "en",
    quiet_hours: Annotated[
        str | None, typer.Option(help="Own quiet hours HH:MM-HH:MM; default the clinic's")
    ] = None,
    test: Annotated[
        bool, typer.Option(help="A staff member's own phone, to try draft flows on")
    ] = False,
) -> None:
    """Enroll a patient; prints the patient id (and with --telegram, a one-time link)."""
    import flows
    from bot.cli.telegram_links import new_code_for
    from bot.enrollment import EnrollForm, check, check_unique, enroll
    from bot.scheduling.plan import QuietHours

    settings = settings_or_exit()
    form = check(
        EnrollForm(
            name=name,
            phone=phone,
            timezone=timezone or settings.clinic_timezone,
            checkin_time=checkin_time,
            language=language,
            channel="telegram" if telegram else "sms",
            quiet_hours=quiet_hours or "",
            test=test,
        )
    )
    if form.errors:
        field, problem = next(iter(form.errors.items()))
        raise fail(f"--{field.replace('_', '-')}: {problem}")

    async def work(session: AsyncSession) -> tuple[int, str | None] | str:
        await check_unique(session, form)
        if form.errors:
            return f"--phone: {form.errors['phone']}"
        patient = await enroll(
            session,
            form,
            actor="cli",
            now=datetime.now(UTC),
            quiet=QuietHours(*settings.quiet_hours),
            library=flows.load_library(settings.flows_dir),
        )
        code = await new_code_for(session, patient_id=patient.id) if telegram else None
        return patient.id, code

    result = run_in_session(work)
    if isinstance(result, str):
        raise fail(result)
    patient_id, code = result
    typer.echo(patient_id)
    if code is not None:
        print_link(settings, code)


@patient_app.command("list")
def patient_list() -> None:
    """List patients: id, name, masked phone, channel, time zone, status."""
    from sqlalchemy import select

    from bot.phones import mask
    from storage.models import Patient

    async def work(session: AsyncSession) -> list[Patient]:
        return list((await session.scalars(select(Patient).order_by(Patient.id))).all())

    patients = run_in_session(work)
    if not patients:
        typer.echo("No patients yet: `checkin patient add` enrolls one.")
        return
    typer.echo("id\tname\tphone\tchannel\ttimezone\tstatus")
    for p in patients:
        typer.echo(f"{p.id}\t{p.name}\t{mask(p.phone)}\t{p.channel}\t{p.timezone}\t{p.status}")


def _set_status(patient_id: int, status: str, action: str) -> None:
    from bot import audit
    from storage.models import Patient

    async def work(session: AsyncSession) -> bool:
        patient = await session.get(Patient, patient_id)
        if patient is None:
            return False
        patient.status = status
        audit.record(
            session,
            at=datetime.now(UTC),
            actor="cli",
            action=action,
            subject=f"patient:{patient_id}",
        )
        return True

    if not run_in_session(work):
        raise fail(f"no patient with id {patient_id}")
    typer.echo(f"patient {patient_id} {status}")


@patient_app.command("pause")
def patient_pause(patient_id: int) -> None:
    """Pause routine check-ins (risk messages are still screened and escalated)."""
    from storage.models import PatientStatus

    _set_status(patient_id, PatientStatus.PAUSED, "patient_paused")


@patient_app.command("resume")
def patient_resume(patient_id: int) -> None:
    """Resume routine check-ins."""
    from storage.models import PatientStatus

    _set_status(patient_id, PatientStatus.ACTIVE, "patient_resumed")


@clinician_app.command("add")
def clinician_add(
    name: Annotated[str, typer.Option(help="Full name")],
    phone: Annotated[str, typer.Option(help="Mobile number for pages, with country code")],
    telegram_chat_id: Annotated[str | None, typer.Option(help="Telegram chat id")] = None,
    telegram: Annotated[bool, typer.Option(help="Print a one-time Telegram link")] = False,
) -> None:
    """Register a clinician who can be paged; prints the clinician id."""
    from bot.cli.telegram_links import new_code_for
    from bot.clinicians import ClinicianError, register

    async def work(session: AsyncSession) -> tuple[int, str | None] | str:
        try:
            clinician = await register(
                session,
                name=name,
                phone=phone,
                now=datetime.now(UTC),
                actor="cli",
                telegram_chat_id=telegram_chat_id,
            )
        except ClinicianError as problem:
            return str(problem)
        code = await new_code_for(session, clinician_id=clinician.id) if telegram else None
        return clinician.id, code

    result = run_in_session(work)
    if isinstance(result, str):
        raise fail(result)
    clinician_id, code = result
    typer.echo(clinician_id)
    if code is not None:
        print_link(settings_or_exit(), code)


@clinician_app.command("list")
def clinician_list() -> None:
    """List clinicians: the id that `oncall set` and `user add --clinician-id` take."""
    from sqlalchemy import select

    from bot.phones import mask
    from storage.models import Clinician

    async def work(session: AsyncSession) -> list[Clinician]:
        return list((await session.scalars(select(Clinician).order_by(Clinician.id))).all())

    clinicians = run_in_session(work)
    if not clinicians:
        typer.echo("No clinicians yet: `checkin clinician add` registers one.")
        return
    typer.echo("id\tname\tphone\ttelegram\tactive")
    for c in clinicians:
        telegram = "linked" if c.telegram_chat_id else "-"
        active = "yes" if c.active else "no"
        typer.echo(f"{c.id}\t{c.name}\t{mask(c.phone)}\t{telegram}\t{active}")


def _set_clinician_active(clinician_id: int, active: bool) -> None:
    from bot.clinicians import roles_held, set_active
    from storage.models import Clinician

    async def work(session: AsyncSession) -> tuple[str, list[str]] | None:
        clinician = await session.get(Clinician, clinician_id)
        if clinician is None:
            return None
        now = datetime.now(UTC)
        held = await roles_held(session, clinician, at=now) if not active else []
        await set_active(session, clinician, active=active, now=now, actor="cli")
        return clinician.name, held

    result = run_in_session(work)
    if result is None:
        raise fail(f"no clinician with id {clinician_id}")
    name, held = result
    if active:
        typer.echo(f"{name} reactivated: shifts and rotations that name them apply again")
        return
    typer.echo(f"{name} deactivated: the ladder and the rota skip them")
    if held:
        typer.echo(
            f"warning: they were on call as {' and '.join(held)}; nobody is now. "
            "Put someone on call: `checkin oncall set`.",
            err=True,
        )


@clinician_app.command("deactivate")
def clinician_deactivate(clinician_id: int) -> None:
    """A clinician who has left: no page reaches them again (their shifts stay, skipped)."""
    _set_clinician_active(clinician_id, False)


@clinician_app.command("reactivate")
def clinician_reactivate(clinician_id: int) -> None:
    """Bring a deactivated clinician back."""
    _set_clinician_active(clinician_id, True)


patient_app.command("telegram-link")(patient_link)
clinician_app.command("telegram-link")(clinician_link)


@oncall_app.command("set")
def oncall_set(
    primary: Annotated[int, typer.Option(help="Clinician id paged first")],
    backup: Annotated[int | None, typer.Option(help="Clinician id paged second")] = None,
    director: Annotated[int | None, typer.Option(help="Medical director's clinician id")] = None,
    desk: Annotated[int | None, typer.Option(help="Clinic-desk clinician id (day routing)")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="ISO 8601 start; default now")] = None,
    to: Annotated[str | None, typer.Option(help="ISO 8601 end; default open-ended")] = None,
) -> None:
    """Put clinicians on call; a newer shift overrides an older one where they overlap."""
    from bot import audit
    from storage.models import Clinician, OnCallRole, OnCallShift

    starts = parse_when(from_, "--from") or datetime.now(UTC)
    ends = parse_when(to, "--to")
    if ends is not None and ends <= starts:
        raise fail("--to must be after --from")
    roles = {
        OnCallRole.PRIMARY: primary,
        OnCallRole.BACKUP: backup,
        OnCallRole.DIRECTOR: director,
        OnCallRole.DESK: desk,
    }

    async def work(session: AsyncSession) -> list[str]:
        missing = []
        for role, clinician_id in roles.items():
            if clinician_id is None:
                continue
            if await session.get(Clinician, clinician_id) is None:
                missing.append(f"--{role}: no clinician with id {clinician_id}")
                continue
            session.add(
                OnCallShift(role=role, clinician_id=clinician_id, starts_at=starts, ends_at=ends)
            )
        if not missing:
            audit.record(
                session,
                at=datetime.now(UTC),
                actor="cli",
                action="oncall_set",
                detail_roles={r: c for r, c in roles.items() if c is not None},
            )
        else:
            await session.rollback()
        return missing

    missing = run_in_session(work)
    if missing:
        raise fail("; ".join(missing))
    zone = ZoneInfo(settings_or_exit().clinic_timezone)

    def shown(at: datetime) -> str:
        return f"{at.astimezone(zone):%a %Y-%m-%d %H:%M %Z}"

    until = shown(ends) if ends else "further notice"
    typer.echo(f"on call from {shown(starts)} until {until} (clinic time, {zone.key})")
