"""One message prepared once for every part of ``NLU.analyse``.

Why: the classifier, the urgency cues, the intent rules and the locator each lowercased,
split and stripped the message again.  ``prepare`` does NFC, lowercase and tone placement
once (``nlu.locate`` reads the same lowered text, with its own tokens since it keeps numbers
and abbreviations as written: the same scan serves both when there is no number, repeated
letter or apostrophe to treat), normalises once, splits once and strips each word once
through the shared per-word cache of ``nlu.normalize.strip_tokens``.
"""
from __future__ import annotations

from typing import NamedTuple

from .normalize import lowered, strip_tokens, words_and_tokens

__all__ = ["Prepared", "prepare"]


class Prepared(NamedTuple):
    """A message in every form the analysis reads (a tuple: cheapest to build)."""

    nfc: str              # NFC, case kept: nlu.locate reads capitals from it
    low: str              # NFC lowercase with the tone placement fixed
    acc: str              # normalize(text)
    words: list[str]      # acc.split()
    stripped: list[str]   # each word without diacritics (one to one with ``words``)
    place_tokens: list[str] | None = None   # nlu.locate's tokens of ``low``, when one scan gave both


def prepare(text: str) -> Prepared:
    """The forms of ``text``; ``prepare(t).acc == normalize(t)``."""
    nfc, low = lowered(text)
    words, toks = words_and_tokens(low)
    # with no apostrophe the locator's tokens (which keep "l'eau" whole) are the same scan's
    shared = toks if toks is not None and "'" not in low and "’" not in low else None
    return Prepared(nfc, low, " ".join(words), words, strip_tokens(words), shared)
