"""Persistence: SQLAlchemy 2 models, the engine/session factory and Alembic migrations.

Nothing here knows about chat platforms, the NLU or the web: other layers pass plain values in.
"""
from storage.db import Database, create_database
from storage.migrate import upgrade_to, upgrade_to_head
from storage.models import (
    Attachment,
    AttachmentStatus,
    Base,
    Case,
    CaseEvent,
    CaseStatus,
    Citizen,
    Conversation,
    Correction,
    CorrectionStatus,
    Direction,
    Message,
    ModelStatus,
    ModelVersion,
    ModerationEvent,
    OutboxItem,
    OutboxStatus,
    StaffAccount,
    StaffNotice,
    StaffRole,
    Unit,
    UnitLevel,
)

__all__ = [
    "Attachment",
    "AttachmentStatus",
    "Base",
    "Case",
    "CaseEvent",
    "CaseStatus",
    "Citizen",
    "Conversation",
    "Correction",
    "CorrectionStatus",
    "Database",
    "Direction",
    "Message",
    "ModelStatus",
    "ModelVersion",
    "ModerationEvent",
    "OutboxItem",
    "OutboxStatus",
    "StaffAccount",
    "StaffNotice",
    "StaffRole",
    "Unit",
    "UnitLevel",
    "create_database",
    "upgrade_to",
    "upgrade_to_head",
]
