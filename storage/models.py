"""The tables of Lắng Nghe.

The transcript is the `message` table: every message in and out, with the platform's ids.
Outgoing messages are delivered through `outbox_item` rows written in the same transaction as
the change that caused them, so nothing reaches a citizen before it is committed.
"""
from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def _enum(cls: type[enum.Enum]) -> Enum:
    # Stored as plain strings (no native enum) so migrations stay trivial on both backends; the
    # allowed values are enforced by a named CHECK (`_one_of`) that a migration can change.
    return Enum(cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


def _one_of(table: str, column: str, cls: type[enum.Enum]) -> CheckConstraint:
    """The database refuses a value the code does not know (a typo in a script, an old worker)."""
    values = ", ".join(f"'{m.value}'" for m in cls)
    return CheckConstraint(f"{column} IN ({values})", name=f"ck_{table}_{column}")


class Direction(str, enum.Enum):
    IN = "in"
    OUT = "out"


class CaseStatus(str, enum.Enum):
    OPEN = "open"                        # routed, waiting for the unit to accept
    IN_PROGRESS = "in_progress"          # the unit works on it
    WAITING_CITIZEN = "waiting_citizen"  # the unit asked the citizen for details
    RESOLVED = "resolved"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        return self in (CaseStatus.OPEN, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_CITIZEN)


class OutboxStatus(str, enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class UnitLevel(str, enum.Enum):
    CENTRAL = "central"
    PROVINCE = "province"
    COMMUNE = "commune"


class StaffRole(str, enum.Enum):
    STAFF = "staff"
    MODERATOR = "moderator"
    ADMIN = "admin"
    SUPERVISOR = "supervisor"   # every unit's cases of one province (or the country): issue 9


class Citizen(Base):
    """One identity per channel: the same person on Telegram and Zalo is two citizens."""

    __tablename__ = "citizen"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(128))
    language: Mapped[str] = mapped_column(String(8), default="vi")
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_version: Mapped[str | None] = mapped_column(String(32))
    consent_declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Conversation(Base):
    """A chat with one citizen; `state` and `draft` hold the dialogue so any worker can continue it."""

    __tablename__ = "conversation"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"))
    state: Mapped[str] = mapped_column(String(32), default="start")
    draft: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Moderation (issue 9): when something put the chat in the flagged queue, when a moderator read it.
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    citizen: Mapped[Citizen] = relationship(lazy="joined")


class Unit(Base):
    """A responsible body: organisation (one per domain) x area (central, province or commune)."""

    __tablename__ = "unit"
    __table_args__ = (_one_of("unit", "level", UnitLevel),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(96), unique=True)
    domain: Mapped[str] = mapped_column(String(16), index=True)
    level: Mapped[UnitLevel] = mapped_column(_enum(UnitLevel))
    province: Mapped[str | None] = mapped_column(String(64))
    commune: Mapped[str | None] = mapped_column(String(96))
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Case(Base):
    """One case, one responsible unit, one deadline, one result."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_case_cluster_lookup", "domain", "province", "created_at"),
        _one_of("cases", "status", CaseStatus),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="ck_cases_rating"),
        CheckConstraint("escalation_level >= 0", name="ck_cases_escalation_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    domain: Mapped[str] = mapped_column(String(16))
    nlu_label: Mapped[str | None] = mapped_column(String(16))
    nlu_confidence: Mapped[float | None] = mapped_column(Float)
    domain_chosen_by: Mapped[str] = mapped_column(String(16), default="nlu")
    province: Mapped[str | None] = mapped_column(String(64))
    commune: Mapped[str | None] = mapped_column(String(96))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    latitude: Mapped[float | None] = mapped_column(Float)    # a location the citizen shared
    longitude: Mapped[float | None] = mapped_column(Float)
    status: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus), default=CaseStatus.OPEN)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    accept_deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    resolve_deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    result: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(Integer)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    # Similar reports (same problem, place, window) share a cluster: the id of its first case.
    cluster_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # What the similarity comparison needs, computed once when the case is created.
    similarity_key: Mapped[str | None] = mapped_column(Text)
    # Public-vocabulary terms of the text ('|'-joined), for the board's topics (handlers/topics.py).
    topic_terms: Mapped[str | None] = mapped_column(Text)
    # The NLU model version that labelled the case (issue 9: handlers/model_registry.py).
    model_version: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Web chat: sha256 of the secret shown once with the code; code + secret resume the chat elsewhere.
    resume_secret_hash: Mapped[str | None] = mapped_column(String(64))
    # The citizen agreed to show this case's progress on /cong-khai (never its text or contact);
    # None is the default and what withdrawing sets back.
    public_since: Mapped[datetime | None] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship(lazy="joined")
    citizen: Mapped[Citizen] = relationship(lazy="joined")


# The inbox: one unit's cases of one status, urgent first, nearest deadline first (handlers/queries.py).
Index("ix_case_inbox", Case.unit_id, Case.status, Case.urgent.desc(), Case.resolve_deadline)
# Escalation and the moderators' inbox: open cases by deadline, whatever the unit (handlers/escalation.py).
Index("ix_case_escalation", Case.status, Case.resolve_deadline)


class CaseEvent(Base):
    """The audit trail: every change of a case and who made it."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Message(Base):
    """Every message in and out of a conversation: the transcript."""

    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint("channel", "platform_update_id", name="uq_message_update"),
        Index("ix_message_conversation", "conversation_id", "id"),
        _one_of("message", "direction", Direction),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[Direction] = mapped_column(_enum(Direction))
    author: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="text")
    text: Mapped[str] = mapped_column(Text, default="")
    buttons: Mapped[list[Any]] = mapped_column(default=list)
    platform_update_id: Mapped[str | None] = mapped_column(String(64))
    platform_message_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutboxItem(Base):
    """A message waiting to be delivered by its channel's sender."""

    __tablename__ = "outbox_item"
    __table_args__ = (
        Index("ix_outbox_pending", "channel", "status", "next_attempt_at"),
        # "is an earlier message of this chat still waiting?" for every claimed row (handlers/outbox.py)
        Index("ix_outbox_chat", "channel", "chat_id", "status", "id"),
        # pruning delivered rows past their retention
        Index("ix_outbox_sent", "status", "sent_at"),
        _one_of("outbox_item", "status", OutboxStatus),
        CheckConstraint("attempts >= 0", name="ck_outbox_item_attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    message: Mapped[Message] = relationship(lazy="joined")


class StaffAccount(Base):
    __tablename__ = "staff_account"
    __table_args__ = (_one_of("staff_account", "role", StaffRole),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[StaffRole] = mapped_column(_enum(StaffRole), default=StaffRole.STAFF)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Sessions carry this number; logout and a password change bump it, so copies of old cookies die.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A supervisor's province; None for a supervisor of the whole country (issue 9).
    province: Mapped[str | None] = mapped_column(String(64))

    unit: Mapped[Unit | None] = relationship(lazy="joined")


class AttachmentStatus(str, enum.Enum):
    PENDING = "pending"      # known by its platform reference, not fetched yet
    STORED = "stored"
    FAILED = "failed"        # never fetched (gone, too big, not an image); the message itself is kept


class Attachment(Base):
    """A photo a citizen sent with a message: fetched after the message is stored, then kept by hash."""

    __tablename__ = "attachment"
    __table_args__ = (
        Index("ix_attachment_due", "channel", "status", "next_attempt_at"),
        _one_of("attachment", "status", AttachmentStatus),
        CheckConstraint("attempts >= 0", name="ck_attachment_attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    platform_ref: Mapped[str] = mapped_column(Text)   # a URL (Zalo) or a file id (Telegram)
    status: Mapped[AttachmentStatus] = mapped_column(_enum(AttachmentStatus), default=AttachmentStatus.PENDING)
    media_key: Mapped[str | None] = mapped_column(String(80))
    thumb_key: Mapped[str | None] = mapped_column(String(80))
    mime: Mapped[str | None] = mapped_column(String(32))
    size: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# --- issue 9: moderation, personal-data audit, corrections, model versions, supervisors' notices ---

class ModerationEvent(Base):
    """What moderators and the abuse detector did to a conversation, and every reveal of personal
    data: who, when, why, which case. Append-only; the audit-log page reads it."""

    __tablename__ = "moderation_event"
    __table_args__ = (Index("ix_moderation_event_kind", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CorrectionStatus(str, enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Correction(Base):
    """A domain someone said a case should have had: waits for a moderator's yes or no; accepted
    ones become (masked) training examples."""

    __tablename__ = "correction"
    __table_args__ = (_one_of("correction", "status", CorrectionStatus),
                      Index("ix_correction_status", "status", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    source: Mapped[str] = mapped_column(String(16))            # "moderator" or "staff"
    actor: Mapped[str] = mapped_column(String(64))
    from_domain: Mapped[str] = mapped_column(String(16))
    to_domain: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)                    # masked when it is written
    reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[CorrectionStatus] = mapped_column(_enum(CorrectionStatus), default=CorrectionStatus.PENDING)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ModelStatus(str, enum.Enum):
    TRAINING = "training"
    FAILED = "failed"
    REJECTED = "rejected"      # evaluated, regressed: never served
    CANDIDATE = "candidate"    # evaluated, not promoted (yet)
    ACTIVE = "active"          # the one serving
    RETIRED = "retired"        # served before


class ModelVersion(Base):
    """One trained NLU model: its file, the hash of the data it learnt from, its metrics and the
    comparison with the model it would replace."""

    __tablename__ = "model_version"
    __table_args__ = (_one_of("model_version", "status", ModelStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(40), unique=True)
    path: Mapped[str] = mapped_column(Text)
    data_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[ModelStatus] = mapped_column(_enum(ModelStatus), default=ModelStatus.TRAINING)
    progress: Mapped[str] = mapped_column(Text, default="")
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    examples: Mapped[int] = mapped_column(Integer, default=0)
    started_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StaffNotice(Base):
    """A short notice in one staff member's console (a case escalated past its deadline)."""

    __tablename__ = "staff_notice"
    __table_args__ = (Index("ix_staff_notice_unread", "staff_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StaffLink(Base):
    """A staff member's own chat on a channel (Telegram, Zalo), where short case notices go (issues 7, 9)."""

    __tablename__ = "staff_link"
    __table_args__ = (
        UniqueConstraint("channel", "chat_id", name="uq_staff_link_chat"),
        UniqueConstraint("staff_id", "channel", name="uq_staff_link_staff_channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StaffLinkCode(Base):
    """A one-time code that links a chat to a staff account; only its SHA-256 is kept."""

    __tablename__ = "staff_link_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DeadlineReminder(Base):
    """One reminder per case and deadline: the unique key makes the timed job idempotent."""

    __tablename__ = "deadline_reminder"
    __table_args__ = (UniqueConstraint("case_id", "deadline", name="uq_deadline_reminder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
