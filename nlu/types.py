"""The public value types of the NLU contract (frozen, slotted: cheap and hashable)."""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LABELS", "Classification", "Location", "Analysis", "ModelMissingError"]

LABELS: tuple[str, ...] = ("union", "farmer", "women", "youth", "veteran", "other")


@dataclass(frozen=True, slots=True)
class Classification:
    """Best label, its calibrated probability, the full ranking and the abstain flag."""

    label: str
    confidence: float
    ranking: tuple[tuple[str, float], ...]
    abstain: bool


@dataclass(frozen=True, slots=True)
class Location:
    """Where the message says it happened (new 2025 divisions)."""

    province: str | None
    province_code: int | None
    commune: str | None
    commune_code: int | None
    old_province: str | None


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything the bot needs from one message."""

    classification: Classification
    location: Location
    urgent: bool


class ModelMissingError(FileNotFoundError):
    """Raised by ``load`` when no trained model exists at the given path."""
