"""The six domains a case can belong to (../shared/docs/domains.md)."""
from __future__ import annotations

DOMAINS: tuple[str, ...] = ("union", "farmer", "women", "youth", "veteran", "other")
