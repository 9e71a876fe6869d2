"""The web application: webhooks, health, sandbox, and the background workers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from bot import flow_versions
from bot.bootstrap import build_services
from bot.config import Settings, load_settings
from bot.polling import poll_forever
from bot.scheduler import build_scheduler
from bot.services import Services
from bot.web import admin, api, health, sandbox, telegram, twilio, twilio_voice
from bot.web.headers import SecurityHeaders
from bot.worker import stop_outbox


def create_app(
    settings: Settings | None = None,
    *,
    services: Services | None = None,
    background: bool = True,
    polling: bool = False,
) -> FastAPI:
    """Build the app; with `background` the lifespan runs the scheduler and outbox worker
    (and, with `polling`, fetches Telegram updates instead of registering the webhook)."""
    settings = settings or (services.settings if services else load_settings())
    services = services or build_services(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await services.screener.warm_up()  # the model loads now, not on a patient's message
        await flow_versions.sync_or_log(services)  # changed flow files: new published versions
        if settings.sandbox_enabled:
            await sandbox.seed_demo(services)
        if settings.telegram_enabled and not polling:
            await telegram.register_webhook(services)
        if not background:
            yield
            return
        scheduler = build_scheduler(services)
        scheduler.start()
        worker = asyncio.create_task(
            services.outbox.run_forever(settings.outbox_tick_seconds), name="outbox"
        )
        tasks = [worker]
        if polling and settings.telegram_enabled:
            tasks.append(asyncio.create_task(poll_forever(services), name="telegram-polling"))
        try:
            yield
        finally:
            scheduler.shutdown(wait=False)
            for task in tasks[1:]:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await stop_outbox(services, worker)
            await services.close()

    docs = settings.api_docs_enabled
    app = FastAPI(
        title="checkin-bot",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.add_middleware(SecurityHeaders)
    app.state.services = services
    app.include_router(health.router)
    app.include_router(twilio.router)
    app.include_router(twilio_voice.router)
    if settings.telegram_enabled:
        app.include_router(telegram.router)
    if settings.sandbox_enabled:
        app.include_router(sandbox.router)
    # Staff dashboard (/admin, signed-in staff) and admin API (/api, bearer token).
    admin.mount(app, settings)
    app.include_router(api.router)
    return app
