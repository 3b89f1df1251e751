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
                    analysis: Analysis, now: datetime, direction: str = "citizen_to_staff") -> bool:
    """Flag the chat (once until a moderator has reviewed it) and note which message; True when
    this message was abusive."""
    if not is_abusive(analysis):
        return False
    flagged, reviewed = conversation.flagged_at, conversation.reviewed_at
    if flagged is None or (reviewed is not None and reviewed >= flagged):
        conversation.flagged_at = now
    session.add(ModerationEvent(conversation_id=conversation.id, kind="abuse_detected", actor="system",
                                created_at=now, data={"message_id": message_id, "intent": analysis.intent,
                                                      "abusive": bool(analysis.abusive), "abuse": direction}))
    return True
