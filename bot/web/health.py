"""Liveness, readiness and metrics."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import SQLAlchemyError

from bot import metrics
from bot.outbox.worker import backlog
from bot.safety import model_tier
from bot.services import Services
from storage.migrate import current_revision, head_revision

router = APIRouter()


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready when the database answers and its schema is at the migrations' head.

    The body also says which screening tiers are in force: a service whose risk model did
    not load still answers (the rules screen alone), with ``"degraded": true`` and why.
    """
    services: Services = request.app.state.services
    screening = (await asyncio.to_thread(model_tier.status)).to_json()
    try:
        current = await current_revision(services.engine)
    except (SQLAlchemyError, OSError) as exc:
        return JSONResponse(
            {"status": "unavailable", "database": type(exc).__name__, "screening": screening},
            status_code=503,
        )
    head = head_revision()
    if current != head:
        return JSONResponse(
            {"status": "unavailable", "migration": current, "head": head, "screening": screening},
            status_code=503,
        )
    return JSONResponse({"status": "ready", "migration": current, "screening": screening})


@router.get("/metrics")
async def prometheus_metrics(request: Request) -> Response:
    services: Services = request.app.state.services
    try:
        async with services.sessions() as session:
            metrics.OUTBOX_BACKLOG.set(await backlog(session))
    except SQLAlchemyError:
        pass  # scraping must still work when the database does not
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
