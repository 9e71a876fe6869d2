"""What the audit log page shows: events newest first, filtered, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent, Clinician, Patient, StaffUser

PER_PAGE = 50


@dataclass
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    pages: int
    names: dict[str, str]  # "staff:3" -> "nurse@clinic.example.org", "patient:7" -> name


async def _names(session: AsyncSession, refs: set[str]) -> dict[str, str]:
    """Readable names for `kind:id` references to staff, clinicians and patients."""
    ids: dict[str, set[int]] = {"staff": set(), "clinician": set(), "patient": set()}
    for ref in refs:
        kind, _, ident = ref.partition(":")
        if kind in ids and ident.isdigit():
            ids[kind].add(int(ident))
    names: dict[str, str] = {}
    for kind, model, label in (
        ("staff", StaffUser, StaffUser.email),
        ("clinician", Clinician, Clinician.name),
        ("patient", Patient, Patient.name),
    ):
        if ids[kind]:
            rows = await session.execute(select(model.id, label).where(model.id.in_(ids[kind])))
            names.update({f"{kind}:{i}": str(name) for i, name in rows.all()})
    return names


async def choices(session: AsyncSession) -> tuple[list[str], dict[str, str]]:
    """Every action recorded, and every actor with a readable label, for the filters."""
    actions = (await session.scalars(select(AuditEvent.action).distinct())).all()
    actors = set((await session.scalars(select(AuditEvent.actor).distinct())).all())
    names = await _names(session, actors)
    return sorted(actions), {a: names.get(a, a) for a in sorted(actors)}


async def events_page(
    session: AsyncSession, *, action: str = "", actor: str = "", page: int = 1
) -> AuditPage:
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    events = list(
        (
            await session.scalars(
                query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                .offset((page - 1) * PER_PAGE)
                .limit(PER_PAGE)
            )
        ).all()
    )
    refs = {e.actor for e in events} | {e.subject for e in events if e.subject}
    return AuditPage(events, total, page, pages, await _names(session, refs))
