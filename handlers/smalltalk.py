"""Messages that are not reports (greetings, thanks, small talk, questions about the bot, insults)
get a short, kind answer and never become a case, join one, or enter a draft."""
from __future__ import annotations

from handlers.turn import Turn
from nlu import INTENTS, Analysis

REPORT = "report"


def not_a_report(analysis: Analysis) -> bool:
    # An intent the core does not know yet is treated as a report: better one question too many
    # than a citizen's problem answered with small talk.
    return analysis.intent != REPORT and analysis.intent in INTENTS


def answer(turn: Turn, analysis: Analysis) -> None:
    turn.say(f"smalltalk.{analysis.intent}")
