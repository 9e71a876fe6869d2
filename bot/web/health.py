"""Liveness, readiness and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import SQLAlchemyError

from bot import metrics
from bot.bootstrap import Services
from bot.outbox.worker import backlog
from storage.migrate import current_revision, head_revision

router = APIRouter()


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready when the database answers and its schema is at the migrations' head."""
    services: Services = request.app.state.services
    try:
        current = await current_revision(services.engine)
    except (SQLAlchemyError, OSError) as exc:
        return JSONResponse(
            {"status": "unavailable", "database": type(exc).__name__}, status_code=503
        )
    head = head_revision()
    if current != head:
        return JSONResponse(
            {"status": "unavailable", "migration": current, "head": head}, status_code=503
        )
    return JSONResponse({"status": "ready", "migration": current})


@router.get("/metrics")
async def prometheus_metrics(request: Request) -> Response:
    services: Services = request.app.state.services
    try:
        async with services.sessions() as session:
            metrics.OUTBOX_BACKLOG.set(await backlog(session))
    except SQLAlchemyError:
        pass  # scraping must still work when the database does not
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
