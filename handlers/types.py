"""The two shapes every channel adapter speaks: one inbound message type and one outgoing type."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


class InboundKind(str, enum.Enum):
    TEXT = "text"
    BUTTON = "button"          # a press on a button the bot showed; `data` holds its value
    CONTACT = "contact"        # a shared phone number; `text` holds it
    LOCATION = "location"      # a shared place; `latitude`/`longitude` hold it
    UNSUPPORTED = "unsupported"  # sticker, photo, voice, ... (the adapter says which in `text`)


@dataclass(frozen=True, slots=True)
class Inbound:
    """What a citizen did, independent of the platform it came from."""

    channel: str
    chat_id: str
    user_id: str
    kind: InboundKind
    text: str = ""
    data: str | None = None
    update_id: str | None = None      # unique per channel: a redelivered update is recognised by it
    message_id: str | None = None
    display_name: str | None = None
    language: str | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    photo: str | None = None          # the platform's reference to a photo (URL or file id), fetched later
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Reply:
    """A reply as data: a catalogue key, its parameters and buttons as (label key, value) rows."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    buttons: tuple[tuple[tuple[str, str], ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A stored, rendered message waiting in the outbox for its channel's sender."""

    outbox_id: int
    message_id: int
    channel: str
    chat_id: str
    text: str
    buttons: tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class InboundResult:
    duplicate: bool
    queued: int = 0  # replies put in the outbox; the channel's sender delivers them
