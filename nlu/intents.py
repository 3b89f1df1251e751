"""What kind of message this is before which body owns it: a report, or not a report at all.

Greetings, thanks, small talk, questions about the bot and abuse of the bot get a short answer
and never become a case.  ``abusive`` flags swearing and insults even inside a real report.

Conservative by construction: a message is a non-report only when EVERY word is covered by a
phrase of nlu/data/intents/lexicon.yml or is a filler word ("bot", "em", "ạ", ...).  One
other word ("lương", "nợ", "đánh", "giúp") keeps it a report, so "alo, cty nợ lương em" and
"lương chưa trả" are reports while "alo", "bot ngu vl", "cảm ơn các anh chị" are not.  Rules
instead of a model because the cost of a miss is asymmetric (a lost report is far worse than
a small-talk message that the dialogue treats as a report) and rules make that guarantee
explicit; it also costs a few microseconds per message.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .normalize import TEENCODE, strip_diacritics, strip_tokens

__all__ = ["detect_intent", "detect_intent_words", "LEXICON_PATH"]

LEXICON_PATH = Path(__file__).parent / "data" / "intents" / "lexicon.yml"
# longer messages are reports whatever words they use (small talk is short)
_MAX_SMALL_TALK_TOKENS = 14
# when several kinds of non-report phrase appear, the strongest decides
_PRIORITY = ("abuse", "bot_question", "thanks", "greeting", "chitchat")


# words normalisation writes in place of teencode ("ko" -> "không"): they say nothing about
# whether the citizen typed diacritics
_EXPANDED = frozenset(w for v in TEENCODE.values() for w in v.split())


@dataclass(frozen=True, slots=True)
class _Phrase:
    accented: tuple[str, ...]
    kind: str


@dataclass(frozen=True, slots=True)
class _Lexicon:
    phrases: dict[tuple[str, ...], list[_Phrase]]    # stripped tokens -> phrases
    starts: dict[str, tuple[int, ...]]                # first stripped token -> lengths, longest first
    profanity: dict[tuple[str, ...], list[_Phrase]]
    profanity_starts: dict[str, tuple[int, ...]]
    profanity_first: frozenset[str]
    profanity_any: frozenset[str]                     # first words as written and without diacritics


def _index(entries: dict[tuple[str, ...], list[_Phrase]]) -> dict[str, tuple[int, ...]]:
    lengths: dict[str, set[int]] = {}
    for key in entries:
        lengths.setdefault(key[0], set()).add(len(key))
    return {k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()}


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    from .normalize import normalize

    raw = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    phrases: dict[tuple[str, ...], list[_Phrase]] = {}
    for kind in (*_PRIORITY, "filler"):
        for text in raw[kind]:
            acc = tuple(normalize(str(text)).split())   # the same form detect_intent receives
            if acc:
                key = tuple(strip_diacritics(t) for t in acc)
                phrases.setdefault(key, []).append(_Phrase(acc, kind))
    profanity: dict[tuple[str, ...], list[_Phrase]] = {}
    for text in raw["profanity"]:
        word = str(text)
        acc = tuple(normalize(word.rstrip("!")).split())
        kind = "accented" if word.endswith("!") else "profanity"   # "ngu!": not when typed "ngu"
        profanity.setdefault(tuple(strip_diacritics(t) for t in acc), []).append(_Phrase(acc, kind))
    starts = _index(profanity)
    written = {p.accented[0] for ps in profanity.values() for p in ps}
    return _Lexicon(phrases, _index(phrases), profanity, starts, frozenset(starts), frozenset(starts) | written)


def _typed_as(acc: list[str], strip: list[str], i: int, phrase: tuple[str, ...]) -> bool:
    """Each word typed without diacritics matches any; typed with them, only its own ('ngủ' is not 'ngu')."""
    return all(acc[i + k] == strip[i + k] or acc[i + k] == p for k, p in enumerate(phrase))


def _is_profane(acc: list[str], strip: list[str], lex: _Lexicon) -> bool:
    """Swearing anywhere; words marked '!' only in a text typed with diacritics ("mat ngu" is "mất ngủ")."""
    if lex.profanity_first.isdisjoint(strip):   # the common case, decided in C
        return False
    n_tok = len(strip)
    starts = lex.profanity_starts
    accented_text: bool | None = None   # decided on first need: most texts never ask
    for i in [k for k, w in enumerate(strip) if w in starts]:
        for n in starts[strip[i]]:
            if i + n <= n_tok:
                for p in lex.profanity.get(tuple(strip[i:i + n]), ()):
                    if p.kind == "accented":
                        if accented_text is None:
                            accented_text = any(a != s and a not in _EXPANDED for a, s in zip(acc, strip))
                        if not (accented_text and tuple(acc[i:i + n]) == p.accented):
                            continue
                    if _typed_as(acc, strip, i, p.accented):
                        return True
    return False


def _kinds_if_small_talk(acc: list[str], strip: list[str], lex: _Lexicon) -> set[str] | None:
    """The kinds of phrase covering the whole message, or None as soon as a word is content."""
    kinds: set[str] = set()
    n_tok = len(strip)
    i = 0
    while i < n_tok:
        step = 0
        for n in lex.starts.get(strip[i], ()):
            if i + n > n_tok:
                continue
            hit = [p for p in lex.phrases.get(tuple(strip[i:i + n]), ()) if _typed_as(acc, strip, i, p.accented)]
            # typed without diacritics, a phrase can be several: "cho" is "cho" (filler) before "chó"
            exact = [p for p in hit if p.accented == tuple(acc[i:i + n])]
            hit = exact or [p for p in hit if p.kind != "abuse"] or hit
            if hit:
                kinds.update(p.kind for p in hit if p.kind != "filler")
                step = n
                break
        if not step:
            return None
        i += step
    return kinds


def detect_intent(acc: str) -> tuple[str, bool]:
    """(intent, abusive) for normalised text; the intent is one of ``nlu.INTENTS``."""
    return detect_intent_words(acc.split(), None)


def _surely_a_report(toks: list[str]) -> bool:
    """Long, and no first word of a swear word: a report without stripping diacritics."""
    return len(toks) > _MAX_SMALL_TALK_TOKENS and _lexicon().profanity_any.isdisjoint(toks)


def detect_intent_words(toks: list[str], strip: list[str] | None) -> tuple[str, bool]:
    """``detect_intent`` for a normalised message's words and their diacritic-free forms
    (``nlu.text.Prepared``; ``strip`` may be None when the message is long and clean)."""
    if _surely_a_report(toks):
        return "report", False   # the common case, decided without the stripped words
    lex = _lexicon()
    if strip is None:
        strip = strip_tokens(toks)
    if len(strip) != len(toks):   # cannot happen for normalised text; be safe rather than wrong
        return "report", False
    abusive = _is_profane(toks, strip, lex)
    if len(toks) > _MAX_SMALL_TALK_TOKENS:
        return "report", abusive
    kinds = _kinds_if_small_talk(toks, strip, lex)
    if kinds is None:
        return "report", abusive
    intent = next((k for k in _PRIORITY if k in kinds), "chitchat")
    return intent, abusive or intent == "abuse"
