"""The outbox worker: claim due rows, send them, record every attempt."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import metrics
from bot.channels.base import (
    OutboundMessage,
    PermanentSendError,
    Reconciling,
    Sender,
    SendError,
)
from bot.clock import Clock
from bot.logs import log
from bot.outbox.ratelimit import RateLimit
from bot.phones import mask
from storage.db import on_postgres
from storage.models import (
    DeliveryAttempt,
    Message,
    OutboxItem,
    OutboxStatus,
    Priority,
    table_of,
)

# Called in the failing item's transaction when it fails for good (a refused
# send, or retries used up): a page falls back to another channel, a blocked
# Telegram chat marks its patient unreachable.
# Clocks differ between us and the provider: look this much further back for a lost send.
RECONCILE_MARGIN = timedelta(minutes=5)

_OUTBOX = table_of(OutboxItem)
_MARK_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("item_id"))
    .values(
        status=OutboxStatus.SENT,
        provider_id=bindparam("sid"),
        sent_at=bindparam("at"),
        attempts=bindparam("tries"),
        claimed_until=None,
    )
)

FailureHook = Callable[[AsyncSession, OutboxItem, SendError, datetime], Awaitable[None]]


class OutboxWorker:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        senders: Mapping[str, Sender],
        clock: Clock,
        worker_id: str,
        lease_seconds: float = 60.0,
        retry_base_seconds: float = 2.0,
        retry_max_seconds: float = 300.0,
        batch_size: int = 100,
        concurrency: int = 16,
        on_failure: Sequence[FailureHook] = (),
        routine_rates: Mapping[str, float] | None = None,
        routine_max_attempts: int | None = None,
    ) -> None:
        self._sessions = sessions
        self._senders = senders
        self._clock = clock
        self._worker_id = worker_id
        self._lease = timedelta(seconds=lease_seconds)
        self._retry_base = retry_base_seconds
        self._retry_max = retry_max_seconds
        self._batch_size = batch_size
        self._routine_max_attempts = routine_max_attempts
        # Two lanes, each with its own concurrency: pages and crisis messages
        # never wait for a slot held by routine traffic.
        self._limits = {True: asyncio.Semaphore(concurrency), False: asyncio.Semaphore(concurrency)}
        self._wakeups = {True: asyncio.Event(), False: asyncio.Event()}
        self._on_failure = tuple(on_failure)
        self._stopping = False
        self._lost: dict[int, datetime] = {}  # item id -> when its lost attempt could have begun
        self._rates = {
            channel: RateLimit(rate) for channel, rate in (routine_rates or {}).items() if rate > 0
        }

    def wake(self) -> None:
        """Send now rather than on the next tick (called after a commit that queued a page)."""
        for event in self._wakeups.values():
            event.set()

    async def run_forever(self, idle_seconds: float) -> None:
        """Run the urgent lane (pages, crisis messages) and the full lane side by side."""
        await asyncio.gather(self._lane(True, idle_seconds), self._lane(False, idle_seconds))

    def stop(self) -> None:
        """Finish the batch in hand, then return from `run_forever` (a graceful shutdown)."""
        self._stopping = True
        self.wake()

    async def _lane(self, urgent: bool, idle_seconds: float) -> None:
        wakeup = self._wakeups[urgent]
        while not self._stopping:
            wakeup.clear()
            try:
                sent = await self.drain(urgent_only=urgent)
            except Exception:  # the worker must outlive one bad batch
                log.exception("outbox_batch_failed", urgent=urgent)
                sent = 0
            if sent == 0 and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wakeup.wait(), timeout=idle_seconds)

    async def drain(self, *, urgent_only: bool = False) -> int:
        """Claim and send due items until none are due; return how many were processed.

        The full lane takes every priority, so pages still go out if the urgent
        lane is busy or failing; the claim makes sure each item goes to one lane.
        """
        total = 0
        while not self._stopping:
            batch = await self._claim(urgent_only)
            if not batch:
                return total
            # Highest priority first, as a group: a page is on the wire before
            # any routine message claimed in the same batch starts.
            for priority in sorted({item.priority for item in batch}):
                group = [item for item in batch if item.priority == priority]
                provider_ids = await asyncio.gather(*(self._deliver(item) for item in group))
                await self._record_sent(
                    [(item, sid) for item, sid in zip(group, provider_ids, strict=True) if sid]
                )
            total += len(batch)
        return total

    async def _claim(self, urgent_only: bool) -> list[OutboxItem]:
        """Lease a batch of due items in one UPDATE ... RETURNING (atomic on both engines)."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            due = (
                select(OutboxItem.id)
                .where(
                    OutboxItem.status == OutboxStatus.PENDING,
                    OutboxItem.next_attempt_at <= now,
                    or_(OutboxItem.claimed_until.is_(None), OutboxItem.claimed_until < now),
                )
                .order_by(OutboxItem.priority, OutboxItem.next_attempt_at, OutboxItem.id)
                .limit(self._batch_size)
            )
            if urgent_only:
                due = due.where(OutboxItem.priority <= Priority.CRISIS)
            if on_postgres(session):
                due = due.with_for_update(skip_locked=True)
            # A lease that ran out (set, and past) is a send whose outcome was never
            # recorded: the process died or was cancelled mid-send. Look before resending.
            found = await session.execute(due.add_columns(OutboxItem.claimed_until))
            leases = {item_id: until for item_id, until in found}
            if not leases:
                return []
            claimed = await session.scalars(
                update(OutboxItem)
                .where(
                    OutboxItem.id.in_(list(leases)),
                    or_(OutboxItem.claimed_until.is_(None), OutboxItem.claimed_until < now),
                )
                .values(claimed_until=now + self._lease)
                .returning(OutboxItem),
                execution_options={"synchronize_session": False},
            )
            items = list(claimed.all())
        for item in items:
            lost_lease = leases.get(item.id)
            if lost_lease is not None:
                self._lost[item.id] = lost_lease - self._lease - RECONCILE_MARGIN
        items.sort(key=lambda item: (item.priority, item.next_attempt_at, item.id))
        return items

    async def _deliver(self, item: OutboxItem) -> str | None:
        """Send one item: the provider's id, or None when it failed (recorded already)."""
        sender = self._senders.get(item.channel)
        buttons = (item.extra or {}).get("buttons") or []
        message = OutboundMessage(
            channel=item.channel,
            address=item.address,
            body=item.body,
            idempotency_key=item.idempotency_key,
            buttons=tuple((str(label), str(reply)) for label, reply in buttons),
        )
        urgent = item.priority <= Priority.CRISIS
        async with self._limits[urgent]:
            if not urgent and item.channel in self._rates:
                await self._rates[item.channel].acquire()
            try:
                if sender is None:
                    raise PermanentSendError(f"no sender configured for channel {item.channel}")
                provider_id = await self._already_sent(sender, item, message)
                if provider_id is None:
                    provider_id = await sender.send(message)
            except SendError as exc:
                await self._record_failure(item, exc)
                return None
        return provider_id

    async def _already_sent(
        self, sender: Sender, item: OutboxItem, message: OutboundMessage
    ) -> str | None:
        """The provider's id when an earlier, lost attempt did go out (so no second text)."""
        since = self._lost.pop(item.id, None)
        if since is None or not isinstance(sender, Reconciling):
            return None
        found = await sender.find_sent(message, since=since)
        if found is not None:
            log.info("outbox_send_recovered", item=item.id, purpose=item.purpose)
        return found

    async def _record_sent(self, sent: list[tuple[OutboxItem, str]]) -> None:
        """Record a group's deliveries in one transaction: one commit, not one per text.

        A crash before this commit leaves the items leased; when the lease runs out
        the next claim asks the provider before sending again (`_already_sent`).
        """
        if not sent:
            return
        now = self._clock()
        # Core statements on the tables, without the ORM's bulk machinery on top.
        async with self._sessions() as session, session.begin():
            await session.execute(
                _MARK_SENT,
                [
                    {
                        "item_id": item.id,
                        "sid": provider_id,
                        "at": now,
                        "tries": item.attempts + 1,
                    }
                    for item, provider_id in sent
                ],
            )
            await session.execute(
                insert(table_of(DeliveryAttempt)),
                [
                    {"outbox_item_id": item.id, "at": now, "outcome": "sent", "error": None}
                    for item, _ in sent
                ],
            )
            await session.execute(
                insert(table_of(Message)),
                [
                    {
                        "direction": "out",
                        "channel": item.channel,
                        "provider_id": provider_id,
                        "address": item.address,
                        "patient_id": item.patient_id,
                        "clinician_id": item.clinician_id,
                        "body": item.body,
                        "status": "sent",
                        "outbox_item_id": item.id,
                        "created_at": now,
                    }
                    for item, provider_id in sent
                ],
            )
        routine = 0
        for item, _ in sent:
            metrics.SENT.labels(item.channel, item.purpose).inc()
            if item.priority <= Priority.CRISIS:  # every page and crisis message, by name
                log.info("outbox_sent", item=item.id, purpose=item.purpose, to=mask(item.address))
            else:
                routine += 1
                log.debug("outbox_sent", item=item.id, purpose=item.purpose)
        if routine:
            log.info("outbox_sent_routine", count=routine)

    async def _record_failure(self, item: OutboxItem, exc: SendError) -> None:
        now = self._clock()
        attempts = item.attempts + 1
        permanent = gives_up(item, exc, attempts, routine_limit=self._routine_max_attempts)
        values: dict[str, object] = {
            "attempts": attempts,
            "last_error": exc.reason[:300],
            "claimed_until": None,
        }
        if permanent:
            values["status"] = OutboxStatus.FAILED
        else:
            values["next_attempt_at"] = now + timedelta(
                seconds=self._backoff(attempts, exc, never_abandoned(item))
            )
            if exc.maybe_sent:
                # Leave a lease that has run out, as a worker that died mid-send would:
                # whichever worker retries it asks the provider first (`_claim`).
                values["claimed_until"] = now
        async with self._sessions() as session, session.begin():
            await session.execute(update(OutboxItem).where(OutboxItem.id == item.id).values(values))
            session.add(
                DeliveryAttempt(
                    outbox_item_id=item.id,
                    at=now,
                    outcome="failed" if permanent else "retry",
                    error=exc.reason[:300],
                )
            )
            if permanent:
                for hook in self._on_failure:
                    await hook(session, item, exc, now)
        outcome = "failed" if permanent else "retry"
        metrics.SEND_FAILURES.labels(item.channel, outcome).inc()
        log.warning(
            "outbox_send_failed",
            item=item.id,
            purpose=item.purpose,
            to=mask(item.address),
            outcome=outcome,
            attempt=attempts,
            error=exc.reason,
        )

    def _backoff(self, attempts: int, exc: SendError, safety: bool) -> float:
        cap = min(self._retry_max, SAFETY_RETRY_MAX_SECONDS) if safety else self._retry_max
        if exc.retry_after is not None:
            return min(max(exc.retry_after, 0.0), cap)
        ceiling = min(self._retry_base * 2 ** (min(attempts, 32) - 1), cap)
        # Full jitter keeps a recovering provider from being hit by every retry at once.
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - not for security


async def backlog(session: AsyncSession) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(OutboxItem)
        .where(OutboxItem.status == OutboxStatus.PENDING)
    )
    return int(count or 0)


# A crisis text or a page is retried at least this often while a provider refuses for now.
SAFETY_RETRY_MAX_SECONDS = 30.0
# Purposes that are never given up while the provider only refuses for now (429, 5xx,
# timeouts): a crisis text that stops trying is a patient in crisis left with nothing.
NEVER_ABANDONED = frozenset({"crisis", "page"})


def never_abandoned(item: OutboxItem) -> bool:
    """A crisis text or a text page; a voice call stays bounded (the next rung is minutes
    away, and a call that rings an hour late helps nobody)."""
    return item.purpose in NEVER_ABANDONED and item.channel != "voice"


def gives_up(
    item: OutboxItem, exc: SendError, attempts: int, *, routine_limit: int | None = None
) -> bool:
    """Whether this failure ends the item for good.

    Pages and crisis texts keep the limit they were queued with; anything else (replies,
    check-ins, reminders) is given up after ``routine_limit`` attempts (ROUTINE_MAX_ATTEMPTS)
    when the worker has one.
    """
    if isinstance(exc, PermanentSendError):
        return True
    limit = item.max_attempts
    if routine_limit is not None and item.priority != Priority.PAGE:
        limit = routine_limit
    return not never_abandoned(item) and attempts >= limit
