"""Insults, threats and hate put the chat in the moderators' flagged queue. Never more than that:
the citizen is answered as always (an angry report that swears is still a report)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from nlu import Analysis
from storage import Conversation, ModerationEvent

ABUSE_INTENT = "abuse"


def is_abusive(analysis: Analysis) -> bool:
    return bool(analysis.abusive) or analysis.intent == ABUSE_INTENT


def flag_if_abusive(session: AsyncSession, conversation: Conversation, message_id: int | None,
                    analysis: Analysis, now: datetime) -> bool:
    """Flag the chat once until a moderator has reviewed it; True when this call flagged it."""
    if not is_abusive(analysis):
        return False
    flagged, reviewed = conversation.flagged_at, conversation.reviewed_at
    if flagged is not None and (reviewed is None or reviewed < flagged):
        return False
    conversation.flagged_at = now
    session.add(ModerationEvent(conversation_id=conversation.id, kind="abuse_detected", actor="system",
                                created_at=now, data={"message_id": message_id, "intent": analysis.intent,
                                                      "abusive": bool(analysis.abusive)}))
    return True
