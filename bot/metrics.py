"""Prometheus metrics an operator alerts on."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

INBOUND = Counter("checkin_inbound_messages_total", "Inbound messages stored", ["channel"])
SCREENED = Counter("checkin_screened_total", "Screening results", ["level"])
ESCALATIONS = Counter("checkin_escalations_opened_total", "Escalations opened", ["kind"])
PAGES = Counter("checkin_pages_queued_total", "Pages queued to clinicians", ["role"])
UNROUTABLE = Counter(
    "checkin_escalation_unroutable_total", "Escalation rounds that found no clinician to page"
)
SENT = Counter("checkin_outbox_sent_total", "Outbound messages sent", ["channel", "purpose"])
SEND_FAILURES = Counter(
    "checkin_outbox_failures_total", "Failed send attempts", ["channel", "outcome"]
)
OUTBOX_BACKLOG = Gauge("checkin_outbox_backlog", "Pending outbox items")
OLDEST_UNACKED = Gauge(
    "checkin_oldest_unacknowledged_escalation_seconds",
    "Age of the oldest unacknowledged escalation",
)
INBOUND_LATENCY = Histogram(
    "checkin_inbound_handle_seconds", "Time to store, screen and act on one inbound message"
)
SCREENING_DEGRADED = Gauge(
    "checkin_screening_degraded",
    "1 while the learned risk model is not loaded and the rules screen alone",
)
SCREENED_WITHOUT_MODEL = Counter(
    "checkin_screened_without_model_total",
    "Messages screened by the rules alone because the risk model did not load",
)
SPOOLED = Counter(
    "checkin_inbound_spooled_total",
    "Inbound messages kept in the local spool because the database did not take them in time",
)
