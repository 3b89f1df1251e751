"""The one small contract every channel adapter implements, and what each declares it can do.

The core speaks one inbound type and returns replies with buttons; a channel's `Capabilities` say
how those replies reach its citizens: real buttons or a numbered list answered in words
(bot/text_only.py), how long one message may be, whether photos and shared locations arrive.
Adding a channel means a new module here with an adapter and its fake platform in tests; the
dialogue, routing and case code do not change.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from handlers import Outgoing

__all__ = ["Capabilities", "ChannelAdapter", "TELEGRAM", "ZALO_BOT", "ZALO_OA", "WEB"]


@dataclass(frozen=True, slots=True)
class Capabilities:
    buttons: bool        # False: choices are a numbered list, answered with the number or the words
    max_text: int        # one message, in the platform's own unit (UTF-16 units for Zalo)
    photos: bool         # citizens can send photos (fetched after the message is stored)
    location: bool       # citizens can share a location
    push: bool = True    # the outbox is sent by a sender; False: the client pulls it (web chat)


class ChannelAdapter(Protocol):
    channel: str
    capabilities: Capabilities

    async def deliver(self, item: Outgoing) -> str | None:
        """Send one outbox message; the platform's message id. RetryLater / Undeliverable on failure."""


TELEGRAM = Capabilities(buttons=True, max_text=4096, photos=True, location=True)
ZALO_BOT = Capabilities(buttons=False, max_text=2000, photos=True, location=False)
ZALO_OA = Capabilities(buttons=False, max_text=2000, photos=True, location=True)
WEB = Capabilities(buttons=True, max_text=5000, photos=False, location=True, push=False)
