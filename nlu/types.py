"""The public value types of the NLU contract (frozen, slotted: cheap and hashable)."""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LABELS", "INTENTS", "Classification", "Location", "Urgency", "Analysis", "ModelMissingError"]

LABELS: tuple[str, ...] = ("union", "farmer", "women", "youth", "veteran", "other")
# What the message is, before which body owns it: only a "report" can become a case.
INTENTS: tuple[str, ...] = ("report", "greeting", "thanks", "chitchat", "bot_question", "abuse")


@dataclass(frozen=True, slots=True)
class Classification:
    """Best label, its calibrated probability, the full ranking and the abstain flag."""

    label: str
    confidence: float
    ranking: tuple[tuple[str, float], ...]
    abstain: bool


@dataclass(frozen=True, slots=True)
class Location:
    """Where the message says it happened (new 2025 divisions).

    ``district`` is the pre-2025 district the citizen named ("Huyện Yên Phong"; there are no
    districts since 2025, staff still recognise them) and ``landmark`` the industrial park or
    landmark that placed it ("KCN Quế Võ").
    """

    province: str | None
    province_code: int | None
    commune: str | None
    commune_code: int | None
    old_province: str | None
    district: str | None = None
    landmark: str | None = None


@dataclass(frozen=True, slots=True)
class Urgency:
    """Is someone in danger now: the flag, a 0-1 score and the kind of danger that decided it."""

    urgent: bool
    score: float
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything the bot needs from one message.

    ``intent`` is one of INTENTS: greetings, thanks, small talk, questions about the bot and
    abuse never become a case.  ``abusive`` flags insults even inside a real report.
    ``second`` is a second problem for another body when the message holds two.
    """

    classification: Classification
    location: Location
    urgent: bool
    intent: str = "report"
    abusive: bool = False
    urgency: Urgency | None = None
    second: Classification | None = None


class ModelMissingError(FileNotFoundError):
    """Raised by ``load`` when no trained model exists at the given path."""
