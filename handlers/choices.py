"""Choices on channels without buttons (Zalo): the citizen answers with a number or the words.

The dialogue always offers its choices as buttons.  A channel that cannot show buttons prints
them as a numbered list; when the citizen answers, `live_choices` finds the buttons the bot's
latest messages offered (those sent after the citizen last wrote) and `match_choice` turns "1",
"đồng ý", "gửi" or "5 sao" into the button's value, so the same dialogue code serves every
channel.  Slash commands are rare on Zalo, so "tra cứu LN-ABC234" works like "/status LN-ABC234".
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import func, select

from handlers.types import Button
from nlu.normalize import strip_diacritics
from storage import Conversation, Database, Direction, Message

__all__ = ["live_choices", "match_choice", "command_alias"]

_NUMBER = re.compile(r"(?:so|chon|phuong an|lua chon|option)?\s*(\d{1,2})\s*(?:sao|diem|star|stars)?")
_LOOKUP = re.compile(r"^\s*(?:tra\s*cuu|kiem\s*tra|xem)\s+(?:ma\s+|ho\s*so\s+)?(LN-?[0-9A-Z]{6})\s*$", re.I)
_SCAN_BACK = 10   # the bot never sends more than a few messages in answer to one


def _plain(text: str) -> str:
    words = re.sub(r"[^\w\s-]", " ", strip_diacritics(text.lower())).split()
    return " ".join(words)


def match_choice(text: str, choices: Sequence[Button]) -> str | None:
    """The value of the choice the text names by number or by its words, else None."""
    if not choices:
        return None
    said = _plain(text)
    number = _NUMBER.fullmatch(said)
    if number:
        n = int(number.group(1))
        return choices[n - 1].value if 1 <= n <= len(choices) else None
    for button in choices:
        if _plain(button.label) == said:
            return button.value
    return None


def command_alias(text: str) -> str:
    """'tra cứu LN-ABC234' -> '/status LN-ABC234'; any other text unchanged."""
    match = _LOOKUP.match(strip_diacritics(text))
    if match is None:
        return text
    code = match.group(1).upper()
    return f"/status {code if '-' in code else code[:2] + '-' + code[2:]}"


async def live_choices(db: Database, channel: str, chat_id: str) -> list[Button]:
    """Buttons of the newest bot message sent since the citizen last wrote, in reading order."""
    async with db.transaction() as session:
        conversation_id = await session.scalar(
            select(Conversation.id).where(Conversation.channel == channel, Conversation.chat_id == chat_id))
        if conversation_id is None:
            return []
        last_in = await session.scalar(
            select(func.max(Message.id)).where(Message.conversation_id == conversation_id,
                                               Message.direction == Direction.IN))
        rows = (await session.scalars(
            select(Message.buttons)
            .where(Message.conversation_id == conversation_id, Message.direction == Direction.OUT,
                   Message.id > (last_in or 0))
            .order_by(Message.id.desc()).limit(_SCAN_BACK))).all()
    for buttons in rows:
        if buttons:
            return [Button(b["label"], b["value"]) for row in buttons for b in row]
    return []
