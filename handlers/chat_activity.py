"""When a citizen last wrote on a chat: channels with a reply window (Zalo OA's 48 hours) ask it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from storage import Conversation, Database, Direction, Message

__all__ = ["last_inbound_at"]


async def last_inbound_at(db: Database, channel: str, chat_id: str) -> datetime | None:
    async with db.transaction() as session:
        return await session.scalar(
            select(func.max(Message.created_at))
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Conversation.channel == channel, Conversation.chat_id == chat_id,
                   Message.direction == Direction.IN))
