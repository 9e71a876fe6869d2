"""The composition root: build every service from settings. Tests build the same root."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

import flows
from bot.channels.base import Sender
from bot.channels.sandbox import SandboxSender
from bot.channels.telegram import TelegramSender
from bot.channels.telegram_blocked import mark_blocked_chat
from bot.channels.twilio_sms import TwilioSender
from bot.channels.twilio_voice import TwilioVoiceSender
from bot.clock import Clock, system_clock
from bot.config import Settings, SettingsError
from bot.flow_versions import FILES_OWN_LIBRARY
from bot.inbound_spool import InboundSpool
from bot.outbox import OutboxWorker
from bot.safety.crisis import crisis_lines
from bot.safety.escalation import EscalationSettings
from bot.safety.ladder import load_ladder
from bot.safety.page_channels import FallbackOnFailure
from bot.safety.screener import Screener
from bot.services import Services
from storage.db import make_engine, make_sessionmaker


def default_senders(settings: Settings) -> dict[str, Sender]:
    """SMS through Twilio and Telegram when configured; the sandbox stands in for SMS only
    when it is on, so a Telegram-only clinic never "delivers" a page to nowhere."""
    senders: dict[str, Sender] = {}
    if settings.twilio_enabled:
        assert settings.twilio_account_sid and settings.twilio_auth_token
        senders["sms"] = TwilioSender(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            from_number=settings.twilio_from_number,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            api_base_url=settings.twilio_api_base_url,
            status_callback=settings.public_base_url.rstrip("/") + "/webhooks/twilio/status",
            timeout=settings.provider_timeout_seconds,
        )
        if settings.voice_from_number:
            senders["voice"] = TwilioVoiceSender(
                account_sid=settings.twilio_account_sid,
                auth_token=settings.twilio_auth_token,
                from_number=settings.voice_from_number,
                messaging_service_sid=None,
                api_base_url=settings.twilio_api_base_url,
                status_callback=settings.public_base_url.rstrip("/") + "/webhooks/twilio/status",
                timeout=settings.provider_timeout_seconds,
            )
    elif settings.sandbox_enabled:
        senders["sms"] = SandboxSender()
    if settings.telegram_enabled:
        assert settings.telegram_bot_token
        senders["telegram"] = TelegramSender(
            token=settings.telegram_bot_token,
            api_base_url=settings.telegram_api_base_url,
            timeout=settings.provider_timeout_seconds,
        )
    return senders


def build_services(
    settings: Settings,
    *,
    senders: Mapping[str, Sender] | None = None,
    clock: Clock | None = None,
    engine: AsyncEngine | None = None,
    library: flows.FlowLibrary | None = None,
    screener: Screener | None = None,
) -> Services:
    engine = engine or make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    clock = clock or system_clock
    senders = senders if senders is not None else default_senders(settings)
    lines = crisis_lines(settings.crisis_resources)
    ladder = load_ladder(settings.escalation_ladder)
    if ladder.voice_after_rounds is not None and "voice" not in senders:
        # Fail at start-up rather than let the ladder's last resort fail on the night.
        raise SettingsError(
            "ESCALATION_LADDER sets voice_after_rounds, but voice calls need Twilio "
            "(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER or "
            "TWILIO_VOICE_FROM_NUMBER)"
        )
    worker = OutboxWorker(
        sessions=sessions,
        senders=senders,
        clock=clock,
        worker_id=f"{socket.gethostname()}:{os.getpid()}",
        lease_seconds=settings.outbox_lease_seconds,
        retry_base_seconds=settings.retry_base_seconds,
        retry_max_seconds=settings.retry_max_seconds,
        on_failure=[FallbackOnFailure(senders), mark_blocked_chat],
        routine_max_attempts=settings.routine_max_attempts,
        routine_rates={
            "sms": settings.sms_rate_per_second,
            "telegram": settings.telegram_rate_per_second,
        },
    )
    services = Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        clock=clock,
        senders=senders,
        outbox=worker,
        escalation=EscalationSettings(
            ladder=ladder,
            crisis_message=lines.message,
            emergency_number=lines.emergency,
            crisis_line=lines.line,
            clinic_name=settings.clinic_name,
            page_max_attempts=settings.page_max_attempts,
            telegram_pages="telegram" in senders,
            voice_base_url=settings.public_base_url if "voice" in senders else None,
            crisis_resend_after=timedelta(minutes=settings.crisis_resend_minutes),
            clinic_timezone=settings.clinic_timezone,
        ),
        safety_check_window=timedelta(minutes=settings.safety_check_window_minutes),
        flows=library or flows.load_library(settings.flows_dir),
        screener=screener or Screener(),
        spool=InboundSpool(Path(settings.inbound_spool_path)),
    )
    # The files the library came from are imported into the database at start-up; a
    # library handed in (tests, tools) is left as it is.
    services.extras[FILES_OWN_LIBRARY] = library is None
    return services
