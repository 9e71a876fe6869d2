"""What the audit log page shows: events newest first, filtered, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent, Clinician, Escalation, Patient, StaffUser

PER_PAGE = 50


@dataclass
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    pages: int
    names: dict[str, str]  # "staff:3" -> "nurse@clinic.example.org", "patient:7" -> name
    # Each event's details in words: ids named, times in the clinic's zone.
    details: dict[int, list[tuple[str, str]]] = field(default_factory=dict)


# Detail keys that hold the id of a row with a name, and `oncall set`'s role -> clinician.
_DETAIL_REFS = ("clinician", "patient")
_ROLES = "detail_roles"


async def _names(session: AsyncSession, refs: set[str]) -> dict[str, str]:
    """Readable names for `kind:id` references to staff, clinicians and patients."""
    ids: dict[str, set[int]] = {
        "staff": set(),
        "clinician": set(),
        "patient": set(),
        "escalation": set(),
    }
    for ref in refs:
        kind, _, ident = ref.partition(":")
        if kind in ids and ident.isdigit():
            ids[kind].add(int(ident))
    names: dict[str, str] = {}
    for kind, model, label in (
        ("staff", StaffUser, StaffUser.email),
        ("clinician", Clinician, Clinician.name),
        ("patient", Patient, Patient.name),
        ("escalation", Escalation, Escalation.code),
    ):
        if ids[kind]:
            rows = await session.execute(select(model.id, label).where(model.id.in_(ids[kind])))
            shown = "escalation {}" if kind == "escalation" else "{}"
            names.update({f"{kind}:{i}": shown.format(name) for i, name in rows.all()})
    return names


def _in_words(value: object, key: str, names: dict[str, str], zone: ZoneInfo) -> str:
    if key in _DETAIL_REFS and isinstance(value, int):
        return names.get(f"{key}:{value}", str(value))
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        try:
            return f"{datetime.fromisoformat(value).astimezone(zone):%a %d %b %Y %H:%M}"
        except ValueError:
            return value
    if isinstance(value, list):
        return ", ".join(str(v).replace("_", " ") for v in value)
    if isinstance(value, dict) and key == _ROLES:
        return ", ".join(f"{k} {names.get(f'clinician:{v}', v)}" for k, v in value.items())
    return str(value)


async def choices(session: AsyncSession) -> tuple[list[str], dict[str, str]]:
    """Every action recorded, and every actor with a readable label, for the filters."""
    actions = (await session.scalars(select(AuditEvent.action).distinct())).all()
    actors = set((await session.scalars(select(AuditEvent.actor).distinct())).all())
    names = await _names(session, actors)
    return sorted(actions), {a: names.get(a, a) for a in sorted(actors)}


async def events_page(
    session: AsyncSession,
    *,
    action: str = "",
    actor: str = "",
    page: int = 1,
    zone: str = "UTC",
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
    refs |= {
        f"{key}:{value}"
        for e in events
        for key, value in (e.detail or {}).items()
        if key in _DETAIL_REFS and isinstance(value, int)
    }
    refs |= {
        f"clinician:{v}"
        for e in events
        for v in ((e.detail or {}).get(_ROLES) or {}).values()
        if isinstance(v, int)
    }
    names = await _names(session, refs)
    where = ZoneInfo(zone)
    details = {
        e.id: [
            (
                "on call" if key == _ROLES else key.replace("_", " "),
                _in_words(value, key, names, where),
            )
            for key, value in (e.detail or {}).items()
        ]
        for e in events
    }
    return AuditPage(events, total, page, pages, names, details)
