"""APScheduler only ticks: the work itself lives in database rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.checkins.runner import tick_flows
from bot.conversation import drain_spool
from bot.flow_versions import refresh_or_log as refresh_flows_or_log
from bot.logs import log
from bot.outcomes.signals import raise_signals, send_digest
from bot.safety.safety_check import sweep_unanswered
from bot.safety.sweeps import sweep_escalations
from bot.scheduling.dispatch import dispatch_due
from bot.scheduling.plan import QuietHours
from bot.scheduling.planned import plan_missing_dailies, plan_missing_on_cadence
from bot.services import Services

SWEEP_BATCH = 500
SWEEP_MAX_BATCHES = 100  # a bound, so a row that stays due can never spin a tick forever


async def tick_safety(services: Services) -> int:
    """Move every due escalation and unanswered safety question one step.

    One transaction per batch of escalations, until a batch comes back short: a page
    due now must not wait a whole tick because many others were due with it.
    """
    now = services.clock()
    moved = 0
    for _ in range(SWEEP_MAX_BATCHES):
        async with services.sessions() as session, session.begin():
            batch = await sweep_escalations(
                session, services.escalation, now=now, limit=SWEEP_BATCH
            )
        moved += batch
        if batch < SWEEP_BATCH:
            break
    async with services.sessions() as session, session.begin():
        moved += await sweep_unanswered(session, services.escalation, now=now)
    if moved:
        log.info("safety_tick", moved=moved)
        services.outbox.wake()
    return moved


SWEPT_AT = "planning_swept_at"


def _sweep_due(services: Services, now: datetime) -> bool:
    """Whether the planning sweep runs this tick: the first tick, then every
    PLANNING_SWEEP_SECONDS (a clock set back counts as due)."""
    last = services.extras.get(SWEPT_AT)
    if not isinstance(last, datetime):
        return True
    every = timedelta(seconds=services.settings.planning_sweep_seconds)
    return now < last or now - last >= every


async def tick_checkins(services: Services) -> int:
    """Plan missing daily rows, start due check-ins, send reminders, expire silence."""
    now = services.clock()
    quiet = QuietHours(*services.settings.quiet_hours)
    size = services.settings.dispatch_batch_size
    handled = 0
    # Conversations first: one that ends now releases the check-ins waiting for it.
    # A version published by another process is what new check-ins start on.
    await refresh_flows_or_log(services)
    async with services.sessions() as session, session.begin():
        handled += await tick_flows(session, services, now=now)
    if _sweep_due(services, now):
        async with services.sessions() as session, session.begin():
            await plan_missing_dailies(session, now=now, quiet=quiet)
            await plan_missing_on_cadence(session, services.flows, now=now, quiet=quiet)
        services.extras[SWEPT_AT] = now
    while True:  # one transaction per batch, so a crash loses at most one batch's work
        async with services.sessions() as session, session.begin():
            batch = await dispatch_due(session, services, now=now, quiet=quiet, limit=size)
        handled += batch
        if batch:
            services.outbox.wake()
        if batch < size:
            break
    if handled:
        services.outbox.wake()
    return handled


async def tick_outcomes(services: Services) -> int:
    """Put new relapse and early non-response signals on the review list, and send the
    day's digest of unseen ones once its time has come."""
    settings = services.settings
    now = services.clock()
    async with services.sessions() as session, session.begin():
        found = await raise_signals(session, now=now)
        digest = await send_digest(
            session,
            clinic=settings.clinic_name,
            zone=settings.clinic_timezone,
            at=settings.outcome_digest_time,
            now=now,
        )
    if digest is not None:
        services.outbox.wake()
    return found


async def tick_outbox(services: Services) -> None:
    services.outbox.wake()


async def tick_spool(services: Services) -> None:
    """Handle inbound messages spooled while the database was busy (usually none)."""
    if await drain_spool(services):
        services.outbox.wake()


def build_scheduler(services: Services) -> AsyncIOScheduler:
    settings = services.settings
    scheduler = AsyncIOScheduler(timezone=UTC)
    ticks = (
        ("safety", tick_safety, settings.escalation_tick_seconds),
        ("checkins", tick_checkins, settings.checkin_tick_seconds),
        ("outbox", tick_outbox, settings.outbox_tick_seconds),
        ("spool", tick_spool, settings.outbox_tick_seconds),
        ("outcomes", tick_outcomes, settings.outcome_sweep_seconds),
    )
    for job_id, tick, seconds in ticks:
        # One run at a time, missed runs folded into one: each tick drains all due rows.
        scheduler.add_job(
            tick,
            "interval",
            seconds=seconds,
            args=[services],
            id=job_id,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
    return scheduler
