"""Two problems in one message: "công ty nợ lương 3 tháng. Còn chồng em say rượu đánh em".

One case goes to one body, so a message that names two problems for two bodies should tell
the dialogue about the second one.  The message is cut into clauses (sentences, ";", new lines,
and words that start another topic: "còn", "ngoài ra", "thêm nữa", "với lại", "mà còn"); each
long-enough clause is classified on its own, and when two clauses are confidently about two
different bodies, the one that is not the message's main label is the second problem.

Cheap for the common case: a message of one clause costs one regex split; clauses are only
classified when the whole message's ranking leaves room for a second body.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from .normalize import normalize
from .types import Classification

__all__ = ["second_problem", "clauses"]

_SPLIT_RE = re.compile(
    r"[.;!?\n]+|,\s*con(?![^\W\d_])"   # ", con" typed without diacritics is "còn"
    r"|(?<![^\W\d_])(?:còn|ngoài ra|thêm nữa|với lại|mà còn|bên cạnh đó|ngoai ra|them nua|voi lai|ma con)"
    r"(?![^\W\d_])",
    re.IGNORECASE,
)
_MIN_TOKENS = 4            # a clause shorter than this is glued to the one before it
_MAX_CLAUSES = 4           # beyond this, the cost outgrows the value
_MIN_CONFIDENCE = 0.85     # each of the two clauses must be at least this sure
_MIN_RUNNER_UP = 0.01      # whole message: below this the second body is not worth looking for


def clauses(text: str) -> list[str]:
    """The message cut into clauses of at least ``_MIN_TOKENS`` words (short ones glued back)."""
    out: list[str] = []
    for part in _SPLIT_RE.split(text):
        words = part.split()
        if not words:
            continue
        if out and len(words) < _MIN_TOKENS:
            out[-1] = f"{out[-1]} {part.strip()}"
        else:
            out.append(part.strip())
    if len(out) > 1 and len(out[0].split()) < _MIN_TOKENS:   # a short opening ("alo,") joins the next
        out[1] = f"{out[0]} {out[1]}"
        del out[0]
    return out


def second_problem(classify_normalized: Callable[[str], Classification], text: str,
                   first: Classification) -> Classification | None:
    """A second, confident problem for another body than ``first.label``, else None.

    ``classify_normalized`` classifies text already passed through ``normalize``.
    """
    # "other" (the general desk) is where a generic clause lands ("ra xã hỏi thì..."), not a
    # second body; the second body must already be visible in the whole message's ranking
    wanted = {label for label, p in first.ranking
              if p >= _MIN_RUNNER_UP and label not in (first.label, "other")}
    if not wanted:
        return None
    parts = clauses(text)
    if len(parts) < 2 or len(parts) > _MAX_CLAUSES:
        return None
    sure = [c for c in (classify_normalized(normalize(p)) for p in parts)
            if not c.abstain and c.confidence >= _MIN_CONFIDENCE]
    if first.label not in {c.label for c in sure}:
        return None   # no clause confirms the main problem: the clauses disagree with the whole
    others = [c for c in sure if c.label in wanted]
    return max(others, key=lambda c: c.confidence) if others else None
