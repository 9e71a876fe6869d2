"""The Telegram webhook: check the secret token, persist, answer fast."""

from __future__ import annotations

import hmac
import json

from fastapi import APIRouter, Request, Response
from starlette.background import BackgroundTask

from bot.channels.base import SendError
from bot.channels.telegram import TelegramSender
from bot.channels.telegram_updates import MalformedUpdate, parse_update
from bot.conversation import receive
from bot.logs import log
from bot.services import Services
from bot.web.bodies import BodyTooLarge, read_capped

router = APIRouter()
MAX_BODY_BYTES = 256 * 1024
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


def secret_is_valid(expected: str | None, given: str | None) -> bool:
    if not expected or not given:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


@router.post("/webhooks/telegram")
async def telegram_update(request: Request) -> Response:
    """Store, screen and act on one Update; replies go through the outbox."""
    services: Services = request.app.state.services
    if not secret_is_valid(
        services.settings.telegram_webhook_secret, request.headers.get(SECRET_HEADER)
    ):
        log.warning("telegram_secret_rejected")
        return Response("invalid secret token", status_code=403)
    try:
        raw = await read_capped(request, MAX_BODY_BYTES)
    except BodyTooLarge:
        return Response("request too large", status_code=413)
    try:
        update = parse_update(json.loads(raw), services.clock())
    except (ValueError, MalformedUpdate) as exc:  # JSONDecodeError and UnicodeError too
        return Response(f"not a Telegram update: {type(exc).__name__}", status_code=400)
    if update is None:
        log.info("telegram_update_ignored")
        return Response(status_code=200)
    result = await receive(services, update.inbound)
    sender = services.senders.get("telegram")
    task = None
    fresh = result is not None and not result.duplicate
    if isinstance(sender, TelegramSender) and update.callback_query_id and fresh:
        # After the response: Telegram is not kept waiting on our call back to it.
        task = BackgroundTask(sender.acknowledge_tap, update)
    return Response(status_code=200, background=task)


async def register_webhook(services: Services) -> bool:
    """Point Telegram at this service with the secret; only for an https PUBLIC_BASE_URL.

    A failure is logged, not raised: SMS and pages must keep working while
    an operator fixes the Telegram side.
    """
    settings = services.settings
    sender = services.senders.get("telegram")
    secret = settings.telegram_webhook_secret
    if not isinstance(sender, TelegramSender) or not secret:
        return False
    if not settings.public_base_url.startswith("https://"):
        log.info("telegram_webhook_not_registered", why="PUBLIC_BASE_URL is not https")
        return False
    url = settings.public_base_url.rstrip("/") + "/webhooks/telegram"
    try:
        await sender.set_webhook(url, secret)
    except SendError as exc:
        log.error("telegram_webhook_registration_failed", error=exc.reason)
        return False
    log.info("telegram_webhook_registered", url=url)
    return True
