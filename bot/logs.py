"""Structured logs: key=value or JSON, never message bodies or full phone numbers."""

from __future__ import annotations

import logging

import structlog


def configure_logging(fmt: str = "console", level: int = logging.INFO) -> None:
    # The twilio client logs every request line at INFO; keep only its warnings.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.processors.KeyValueRenderer(key_order=["event", "level"])
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=False,
    )


log = structlog.get_logger("checkin")
