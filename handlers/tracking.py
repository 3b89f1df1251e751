"""Tracking codes: `LN-` and six characters a citizen can read aloud without confusion."""
from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, no 1/I
CODE_RE = re.compile(rf"\bLN-?([{ALPHABET}]{{6}})\b", re.IGNORECASE)


def new_code() -> str:
    return "LN-" + "".join(secrets.choice(ALPHABET) for _ in range(6))


def parse_code(text: str) -> str | None:
    """Find a code in what a citizen typed ('ln-7k3q9p', 'LN7K3Q9P' included)."""
    match = CODE_RE.search(text.upper())
    return f"LN-{match.group(1)}" if match else None
