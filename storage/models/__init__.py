"""The database schema. Alembic owns it; these classes describe it."""

from storage.models.audit import AuditEvent
from storage.models.base import Base, table_of, utcnow
from storage.models.checkins import (
    Answer,
    CheckinStatus,
    FlowSession,
    FlowSessionStatus,
    Infusion,
    ScheduledCheckin,
    Score,
    precedence_of,
)
from storage.models.escalations import (
    Escalation,
    EscalationPage,
    EscalationState,
    SafetyCheck,
    SafetyCheckState,
)
from storage.models.flow_versions import FlowVersion, FlowVersionStatus
from storage.models.links import TelegramLinkCode
from storage.models.messages import DeliveryAttempt, Message, OutboxItem, OutboxStatus, Priority
from storage.models.outcomes import OutcomeSignal, SignalKind
from storage.models.people import (
    Clinician,
    OnCallRole,
    OnCallRotation,
    OnCallShift,
    Patient,
    PatientStatus,
)
from storage.models.staff import StaffRole, StaffUser  # staff accounts (dashboard)

__all__ = [
    "Answer",
    "CheckinStatus",
    "FlowSession",
    "FlowSessionStatus",
    "FlowVersion",
    "FlowVersionStatus",
    "Infusion",
    "ScheduledCheckin",
    "Score",
    "AuditEvent",
    "Base",
    "Clinician",
    "DeliveryAttempt",
    "Escalation",
    "EscalationPage",
    "EscalationState",
    "Message",
    "OutcomeSignal",
    "SignalKind",
    "OnCallRole",
    "OnCallRotation",
    "OnCallShift",
    "OutboxItem",
    "OutboxStatus",
    "Patient",
    "PatientStatus",
    "Priority",
    "SafetyCheck",
    "SafetyCheckState",
    "StaffRole",
    "StaffUser",
    "TelegramLinkCode",
    "precedence_of",
    "table_of",
    "utcnow",
]
