"""Errors the core raises for the web layer to turn into answers."""
from __future__ import annotations


class CaseNotFound(LookupError):
    """No such case, or not one this staff member may see (the two look the same on purpose)."""


class InvalidAction(ValueError):
    """The action does not fit the case's state or its input is bad; the message says why."""
