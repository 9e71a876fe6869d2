"""Screening inside the service: rules on the event loop, the model in a worker thread.

`screen()` is synchronous, and the learned model costs milliseconds for a text message and
up to about a tenth of a second for a 4,096-character one, and the first message of a
process would pay the model's load. Run on the event loop, that stalls every webhook, page
and timer in the process. So the service screens through a `Screener`:

- the quick layers (the rules) run first, on the loop: microseconds;
- an `urgent` result is returned at once: nothing can raise it further, so an urgent rule
  hit never waits behind the model;
- otherwise the slow layers (the risk model) run in one worker thread and their result
  is merged in, exactly as `screen()` would merge it. One thread, not a pool: several
  model threads contend with the event loop for the GIL and both cores, and pages
  (which never wait for the model) then wait for the CPU;
- `warm_up()` loads the model at start-up (the app's lifespan), in a thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bot.logs import log
from bot.safety import model_tier
from bot.safety.screening import (
    Layer,
    Level,
    Screening,
    max_level,
    model_layer,
    rules_layer,
    screen_with,
)

# Threads start on first use, so a rules-only install never starts one.
_MODEL_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="screening")


def _load_and_report() -> None:
    """Load the risk model and log which tiers screen, or loudly that the rules are alone."""
    found = model_tier.status()
    if found.degraded:
        log.error("screening_degraded", tiers=",".join(found.tiers), problem=found.problem)
    else:
        log.info("screening_tiers", tiers=",".join(found.tiers))


@dataclass(frozen=True)
class Screener:
    quick: tuple[Layer, ...] = (rules_layer,)
    slow: tuple[Layer, ...] = (model_layer,)
    warmers: tuple[Callable[[], object], ...] = field(default=(_load_and_report,))

    async def __call__(self, text: str) -> Screening:
        """Screen one inbound message without blocking the event loop on the model."""
        first = screen_with(text, self.quick)
        if first.level == Level.URGENT or not self.slow:
            return first
        loop = asyncio.get_running_loop()
        later = await loop.run_in_executor(_MODEL_THREAD, screen_with, text, self.slow)
        return Screening(
            max_level(first.level, later.level), tuple(dict.fromkeys(first.reasons + later.reasons))
        )

    async def warm_up(self) -> None:
        """Load the slow layers' model now, off the loop, rather than on the first message.

        A failure is logged, not raised: the service must still start. A model that does not
        load leaves the rules screening alone, reported by `model_tier.status()`.
        """
        for warm in self.warmers:
            try:
                await asyncio.to_thread(warm)
            except Exception as error:
                log.error("screening_warm_up_failed", error=type(error).__name__)
