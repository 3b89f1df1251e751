"""What kind of message this is before which body owns it: a report, or not a report at all.

Greetings, thanks, small talk, questions about the bot and abuse of the bot get a short answer
and never become a case.  ``abusive`` flags insults even inside a real report.
"""
from __future__ import annotations

__all__ = ["detect_intent"]


def detect_intent(acc: str) -> tuple[str, bool]:
    """(intent, abusive) for normalised text; the intent is one of ``nlu.INTENTS``."""
    return "report", False
