"""Is someone in danger right now?  Violence, threats with a time, a child or an elder in danger,
self-harm intent, kidnapping, trafficking, confinement, people trapped or hurt in a disaster or
an accident.

Why two layers: the cue groups (``nlu.urgency_cues``) name the kind of danger and the words that
undo it (past, resolved, negated, hearsay, figurative, hypothetical, procedural, a topic, animals
or things); a small logistic regression trained on hand-written sentences (``nlu.urgency_model``,
stored in the NLU model file) weighs them against the surrounding words.  Without a trained model
the hand rule decides alone, so ``is_urgent`` works with no model file at all.  A miss costs a
citizen the emergency numbers, so the model is trained to prefer a false alarm to a miss.
"""
from __future__ import annotations

from .normalize import normalize, strip_tokens
from .types import Urgency
from .urgency_cues import KINDS, as_flags, found_groups
from .urgency_model import UrgencyModel, rule_verdict

__all__ = ["is_urgent", "is_urgent_normalized", "assess_normalized", "assess_words", "REASONS"]

# the kind reported as the reason, most specific first
_KIND_ORDER = ("self_harm", "kidnap", "trafficking", "child", "elder", "threat", "violence",
               "confinement", "disaster", "accident", "injury", "help")
_REASON = {"injury": "accident", "help": "danger"}
_WEAK = ("help", "injury")
_UNDO_WEAK = ("figurative", "procedural")
REASONS: tuple[str, ...] = tuple(dict.fromkeys(_REASON.get(k, k) for k in _KIND_ORDER))


def _reason(c: dict[str, bool]) -> str:
    for k in _KIND_ORDER:
        if c[k]:
            return _REASON.get(k, k)
    return "danger"


def assess_normalized(acc: str, model: UrgencyModel | None = None) -> Urgency:
    """The verdict, a 0-1 score and the kind of danger, for text already passed through ``normalize``."""
    words = acc.split()
    return assess_words(words, strip_tokens(words), model)


def assess_words(words: list[str], stripped: list[str], model: UrgencyModel | None = None) -> Urgency:
    """``assess_normalized`` for a normalised message's words and their diacritic-free forms
    (``nlu.text.Prepared``), so ``NLU.analyse`` splits and strips the message once."""
    found = found_groups(words, stripped)
    if model is None:
        c = as_flags(found)
        urgent = rule_verdict(c)
        return Urgency(urgent, 1.0 if urgent else 0.0, _reason(c) if urgent else None)
    if found.isdisjoint(KINDS):   # no kind of danger named: never urgent, whatever the words
        return Urgency(False, 0.0, None)
    c = as_flags(found)
    if not any(c[k] for k in KINDS if k not in _WEAK) and any(c[m] for m in _UNDO_WEAK):
        # only a cry for help or a wound, next to a figure of speech or a procedure:
        # "cứu em với, lương chưa trả, chết đói mất", "cứu em với, thủ tục gì mà lâu thế"
        return Urgency(False, 0.0, None)
    score = model.score_words(stripped, c)
    urgent = score >= model.threshold
    return Urgency(urgent, round(score, 4), _reason(c) if urgent else None)


def is_urgent_normalized(acc: str, model: UrgencyModel | None = None) -> bool:
    """``is_urgent`` for text already passed through ``normalize``."""
    return assess_normalized(acc, model).urgent


def is_urgent(text: str, model: UrgencyModel | None = None) -> bool:
    """True when the message says someone is in danger now (see the module docstring)."""
    return is_urgent_normalized(normalize(text), model)
