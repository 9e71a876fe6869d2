"""Opening escalations and climbing the ladder until a human acknowledges.

An escalation row is flushed before any page is queued, and pages are queued
in the same transaction, so a crash can lose neither. Nothing here closes an
escalation: only `acknowledge` and `resolve`, driven by a clinician, move it.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit, metrics
from bot.logs import log
from bot.outbox import enqueue
from bot.safety import voice
from bot.safety.ladder import LadderPolicy
from bot.safety.page_channels import clinician_route, page_route
from bot.safety.rota import everyone_active, resolve_target
from storage.models import (
    Clinician,
    Escalation,
    EscalationPage,
    EscalationState,
    Message,
    OutboxItem,
    Patient,
    Priority,
)

PAGE_TEXT_LIMIT = 320


@dataclass(frozen=True)
class EscalationSettings:
    ladder: LadderPolicy
    crisis_message: str
    emergency_number: str
    clinic_name: str
    crisis_line: str = "call or text 988"  # "In a crisis, ...": from CRISIS_RESOURCES
    page_max_attempts: int = 12
    telegram_pages: bool = False  # page clinicians with a linked chat on Telegram first
    # Where a voice page's keypress is posted (PUBLIC_BASE_URL); None: no voice channel.
    voice_base_url: str | None = None
    # A patient who writes again while their escalation is open gets the crisis message
    # again once this long has passed since the last one (CRISIS_RESEND_MINUTES).
    crisis_resend_after: timedelta = timedelta(minutes=60)
    clinic_timezone: str = "America/New_York"  # the clock `when: business_hours` reads


def new_code() -> str:
    return f"{secrets.randbelow(900000) + 100000}"


async def open_or_join(
    session: AsyncSession,
    cfg: EscalationSettings,
    *,
    patient: Patient | None,
    message: Message,
    reasons: list[str],
    now: datetime,
    kind: str = "suicide_risk",
    detail: str | None = None,
) -> Escalation:
    """Open an escalation for this sender, or add this message to the one already open."""
    existing = await unresolved_for(session, patient=patient, address=message.address)
    if existing is not None:
        await resend_crisis_if_due(session, cfg, existing, message, now=now)
        await relay_to_holder(
            session, existing, patient, message, now=now, telegram=cfg.telegram_pages
        )
        audit.record(
            session,
            at=now,
            actor="system",
            action="escalation_joined",
            subject=f"escalation:{existing.id}",
            message_id=message.id,
            reasons=reasons,
        )
        return existing
    escalation = Escalation(
        code=await _unused_code(session),
        kind=kind,
        patient_id=patient.id if patient else None,
        address=message.address,
        channel=message.channel,
        trigger_message_id=message.id,
        reasons=reasons,
        ladder=cfg.ladder.snapshot(),
        opened_at=now,
        created_at=now,
    )
    session.add(escalation)
    await session.flush()
    await _queue_crisis(session, cfg, escalation, message, key=f"crisis:{escalation.id}", now=now)
    audit.record(
        session,
        at=now,
        actor="system",
        action="escalation_opened",
        subject=f"escalation:{escalation.id}",
        kind=kind,
        reasons=reasons,
    )
    metrics.ESCALATIONS.labels(kind).inc()
    log.warning("escalation_opened", escalation=escalation.id, kind=kind, reasons=reasons)
    await page_current_level(
        session, cfg, escalation, patient, detail or wrote(message.body), now=now
    )
    return escalation


async def resend_crisis_if_due(
    session: AsyncSession,
    cfg: EscalationSettings,
    escalation: Escalation,
    message: Message,
    *,
    now: datetime,
) -> bool:
    """Send the crisis message again if the last one went out `crisis_resend_after` ago.

    A patient still writing an hour into an open escalation may no longer have the
    numbers in view; one resend per interval, however many messages they send.
    """
    prefix = f"crisis:{escalation.id}"
    last = await session.scalar(
        select(func.max(OutboxItem.created_at)).where(
            OutboxItem.escalation_id == escalation.id,
            OutboxItem.purpose == "crisis",
            or_(
                OutboxItem.idempotency_key == prefix, OutboxItem.idempotency_key.like(f"{prefix}:%")
            ),
        )
    )
    if last is not None and now - last < cfg.crisis_resend_after:
        return False
    await _queue_crisis(
        session, cfg, escalation, message, key=f"{prefix}:again:{message.id}", now=now
    )
    audit.record(
        session,
        at=now,
        actor="system",
        action="crisis_resent",
        subject=f"escalation:{escalation.id}",
        message_id=message.id,
    )
    return True


async def _queue_crisis(
    session: AsyncSession,
    cfg: EscalationSettings,
    escalation: Escalation,
    message: Message,
    *,
    key: str,
    now: datetime,
) -> None:
    """The crisis resources to the patient, on the channel their message came by."""
    await enqueue(
        session,
        key=key,
        channel=message.channel,
        address=message.address,
        body=cfg.crisis_message,
        now=now,
        purpose="crisis",
        priority=Priority.CRISIS,
        max_attempts=cfg.page_max_attempts,
        patient_id=escalation.patient_id,
        escalation_id=escalation.id,
    )


async def unresolved_for(
    session: AsyncSession, *, patient: Patient | None, address: str
) -> Escalation | None:
    query = select(Escalation).where(Escalation.state.in_(EscalationState.UNRESOLVED))
    if patient is not None:
        query = query.where(Escalation.patient_id == patient.id)
    else:
        query = query.where(Escalation.patient_id.is_(None), Escalation.address == address)
    return await session.scalar(query.order_by(Escalation.id).limit(1))


async def _unused_code(session: AsyncSession) -> str:
    while True:
        code = new_code()
        if await session.scalar(select(Escalation.id).where(Escalation.code == code)) is None:
            return code


def who(patient: Patient | None, address: str) -> str:
    return f"{patient.name} ({address})" if patient else f"unknown number {address}"


def wrote(text: str) -> str:
    quoted = text if len(text) <= PAGE_TEXT_LIMIT else text[:PAGE_TEXT_LIMIT] + "..."
    return f'wrote: "{quoted}"'


def page_text(escalation: Escalation, patient: Patient | None, detail: str) -> str:
    label = "MEDICAL" if escalation.kind == "medical" else "URGENT suicide risk"
    if patient is not None and patient.test:  # a staff member trying a flow on their phone
        label = f"TEST PATIENT (a staff phone trying a flow) - {label}"
    return (
        f"{label}: {who(patient, escalation.address)} {detail} "
        f"Call back: {escalation.address}. Reply ACK {escalation.code} to take this."
    )


Resolver = Callable[[str], Awaitable[Clinician | None]]


def target_resolver(session: AsyncSession, now: datetime) -> Resolver:
    """`resolve_target` at `now`, remembered: a sweep of many escalations looks each
    ladder target up once, not once per escalation."""
    memo: dict[str, Clinician | None] = {}

    async def resolve(target: str) -> Clinician | None:
        if target not in memo:
            memo[target] = await resolve_target(session, target=target, at=now)
        return memo[target]

    return resolve


async def page_current_level(
    session: AsyncSession,
    cfg: EscalationSettings,
    escalation: Escalation,
    patient: Patient | None,
    detail: str,
    *,
    now: datetime,
    resolve: Resolver | None = None,
) -> None:
    """Page the clinician at the escalation's current level, skipping empty rungs.

    If no rung of the ladder has anyone on call, every active clinician is
    paged: a risk message must reach a human even when the rota is wrong.
    """
    resolve = resolve or target_resolver(session, now)
    policy = LadderPolicy.from_snapshot(escalation.ladder)
    levels = policy.levels
    local = now.astimezone(ZoneInfo(cfg.clinic_timezone))
    for _ in range(len(levels)):
        level = levels[escalation.level_index]
        if not policy.applies(level, local):
            advance_level(escalation, len(levels))
            continue
        clinician = await resolve(level.target)
        if clinician is not None:
            await _page(session, cfg, escalation, clinician, level.target, detail, patient, now)
            escalation.next_page_at = now + timedelta(minutes=level.wait_minutes)
            return
        advance_level(escalation, len(levels))
    metrics.UNROUTABLE.inc()
    everyone = await everyone_active(session)
    log.critical("escalation_unroutable", escalation=escalation.id, fallback=len(everyone))
    for clinician in everyone:
        await _page(session, cfg, escalation, clinician, "everyone", detail, patient, now)
    escalation.next_page_at = now + timedelta(minutes=levels[0].wait_minutes)


def advance_level(escalation: Escalation, n_levels: int) -> None:
    escalation.level_index += 1
    if escalation.level_index >= n_levels:
        escalation.level_index = 0
        escalation.round += 1


async def _page(
    session: AsyncSession,
    cfg: EscalationSettings,
    escalation: Escalation,
    clinician: Clinician,
    role: str,
    detail: str,
    patient: Patient | None,
    now: datetime,
) -> None:
    key = f"page:{escalation.id}:{escalation.round}:{escalation.level_index}:{clinician.id}"
    channel, address, extra = page_route(clinician, escalation, telegram=cfg.telegram_pages)
    item_id = await enqueue(
        session,
        key=key,
        channel=channel,
        address=address,
        body=page_text(escalation, patient, detail),
        now=now,
        purpose="page",
        priority=Priority.PAGE,
        max_attempts=cfg.page_max_attempts,
        clinician_id=clinician.id,
        escalation_id=escalation.id,
        extra=extra,
    )
    session.add(
        EscalationPage(
            escalation_id=escalation.id,
            clinician_id=clinician.id,
            role=role,
            round=escalation.round,
            channel=channel,
            outbox_item_id=item_id,
            created_at=now,
        )
    )
    metrics.PAGES.labels(role).inc()
    log.warning("page_queued", escalation=escalation.id, clinician=clinician.id, role=role)
    if cfg.voice_base_url and LadderPolicy.from_snapshot(escalation.ladder).rings_in(
        escalation.round
    ):
        await voice.queue_call(
            session,
            base_url=cfg.voice_base_url,
            clinic=cfg.clinic_name,
            escalation=escalation,
            clinician=clinician,
            role=role,
            max_attempts=min(cfg.page_max_attempts, 3),
            now=now,
        )


async def relay_to_holder(
    session: AsyncSession,
    escalation: Escalation,
    patient: Patient | None,
    message: Message,
    *,
    now: datetime,
    telegram: bool = False,
) -> None:
    """Send a patient's new message to whoever holds (or was last paged for) the escalation."""
    holder_id = escalation.acked_by_id
    if holder_id is None:
        holder_id = await session.scalar(
            select(EscalationPage.clinician_id)
            .where(EscalationPage.escalation_id == escalation.id)
            .order_by(EscalationPage.id.desc())
            .limit(1)
        )
    holder = await session.get(Clinician, holder_id) if holder_id is not None else None
    if holder is None:
        return
    channel, address = clinician_route(holder, telegram=telegram)
    await enqueue(
        session,
        key=f"relay:{message.id}:{holder.id}",
        channel=channel,
        address=address,
        body=f"[{escalation.code}] {who(patient, message.address)}: {message.body[:600]}",
        now=now,
        purpose="relay",
        priority=Priority.PAGE,
        clinician_id=holder.id,
        escalation_id=escalation.id,
    )
