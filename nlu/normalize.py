"""Text normalisation for messy Vietnamese chat messages.

Why hand-written instead of underthesea: `word_tokenize` costs ~500 µs and
`text_normalize` ~90 µs per message (measured), which alone would break the
5,000 messages/s budget. Everything here is a handful of precompiled regex
passes and dict look-ups, each skipped after a cheap first look when it has
nothing to do (no digit, no tripled letter, no old-style tone): 51 -> 24 µs
a message on dev + real-dev, output identical on 48,000 texts.

Pipeline (``normalize``): NFC -> lowercase -> one tone-mark placement
(hoà -> hòa, thuỷ -> thủy) -> squeeze letters repeated 3+ times -> numbers,
money and phone numbers to placeholder tokens -> chat abbreviations/teencode
expanded to full words.  ``strip_diacritics`` gives the ASCII form used for
the features that must survive a message typed without diacritics.
"""
from __future__ import annotations

import re
import unicodedata
from typing import cast

__all__ = [
    "normalize",
    "lowered",
    "normalize_lowered",
    "normalized_words",
    "words_and_tokens",
    "strip_diacritics",
    "strip_tokens",
    "fix_tone_placement",
    "has_diacritics",
    "tokens",
    "TEENCODE",
]

# --- diacritics -------------------------------------------------------------

_VOWEL_BASES = {
    "a": "aàáảãạ", "ă": "ăằắẳẵặ", "â": "âầấẩẫậ", "e": "eèéẻẽẹ", "ê": "êềếểễệ",
    "i": "iìíỉĩị", "o": "oòóỏõọ", "ô": "ôồốổỗộ", "ơ": "ơờớởỡợ", "u": "uùúủũụ",
    "ư": "ưừứửữự", "y": "yỳýỷỹỵ",
}
_ASCII = {"ă": "a", "â": "a", "ê": "e", "ô": "o", "ơ": "o", "ư": "u"}
# char -> (base vowel, tone index 0..5)
_TONE_OF: dict[str, tuple[str, int]] = {}
for _base, _forms in _VOWEL_BASES.items():
    for _i, _ch in enumerate(_forms):
        _TONE_OF[_ch] = (_base, _i)

_STRIP_TABLE = {ord(ch): _ASCII.get(base, base) for ch, (base, _) in _TONE_OF.items()}
_STRIP_TABLE.update({ord(ch.upper()): _ASCII.get(base, base).upper()
                     for ch, (base, _) in _TONE_OF.items() if ch.upper() != ch})
_STRIP_TABLE[ord("đ")] = "d"
_STRIP_TABLE[ord("Đ")] = "D"

_DIACRITIC_CHARS = frozenset(
    ch for ch, (base, tone) in _TONE_OF.items() if tone or base in _ASCII
) | {"đ"}


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese tone marks and hats: 'Đường hỏng' -> 'Duong hong'."""
    return text.translate(_STRIP_TABLE)


_STRIP_CACHE: dict[str, str] = {}
_STRIP_CACHE_MAX = 100_000


def strip_tokens(tokens: list[str]) -> list[str]:
    """``strip_diacritics`` of each token, cached per token: str.translate is slow on
    non-ASCII text, and chat vocabulary is Zipfian, so almost every token is a dict hit
    (all of them: one ``map`` in C; a miss falls back to the loop that fills the cache).
    One cache for every caller (urgency, intents, locate) keeps one copy of each word."""
    try:
        return list(map(_STRIP_CACHE.__getitem__, tokens))
    except KeyError:
        return [_strip_and_cache(w) for w in tokens]


def _strip_and_cache(word: str) -> str:
    s = _STRIP_CACHE.get(word)
    if s is None:
        if len(_STRIP_CACHE) >= _STRIP_CACHE_MAX:
            _STRIP_CACHE.clear()   # crude bound; refills with the frequent words
        s = _STRIP_CACHE[word] = strip_diacritics(word)
    return s


def has_diacritics(text: str) -> bool:
    """True when the text contains at least one Vietnamese diacritic letter."""
    low = text.lower()
    return any(ch in _DIACRITIC_CHARS for ch in unicodedata.normalize("NFC", low))


# --- tone placement ---------------------------------------------------------
# Old style puts the tone on the second vowel of an open oa/oe/uy syllable
# (hoà, thuỷ); new style (used by domains.md: "Khánh Hòa", "Thanh Hóa") puts
# it on the first.  Only open syllables are affected: "hoàng" is correct in
# both styles, and "quý" keeps the tone on y because "qu" is a consonant.

def _build_tone_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    repl: dict[str, str] = {}
    for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
        for tone in range(1, 6):
            old = first + _VOWEL_BASES[second][tone]
            new = _VOWEL_BASES[first][tone] + second
            repl[old] = new
    alt = "|".join(sorted(repl, key=len, reverse=True))
    # not preceded by q (qu is a consonant cluster), not followed by a letter
    return re.compile(rf"(?<![qQ])({alt})(?![^\W\d_])"), repl


_TONE_RE, _TONE_REPL = _build_tone_regex()
# a cheap first look: most messages have no old-style syllable, and this plain
# class search costs a fraction of the full pattern's look-around scan
_TONE_HINT_RE = re.compile("o[" + "".join(_VOWEL_BASES["a"][1:] + _VOWEL_BASES["e"][1:]) + "]"
                           "|u[" + _VOWEL_BASES["y"][1:] + "]")


def fix_tone_placement(text: str) -> str:
    """Rewrite old-style tone placement to the new one: 'hoà' -> 'hòa', 'thuỷ' -> 'thủy'.

    Expects lowercase NFC text.
    """
    if _TONE_HINT_RE.search(text) is None:
        return text
    return _TONE_RE.sub(lambda m: _TONE_REPL[m.group(1)], text)


# --- chat abbreviations / teencode -------------------------------------------
# Only expansions that are unambiguous in citizen-feedback messages.  Keys are
# matched against whole lowercase tokens; values are the full accented words,
# so the diacritic-stripped features of "ko" and "không" coincide.
TEENCODE: dict[str, str] = {
    # negation
    "ko": "không", "k": "không", "kh": "không", "khg": "không", "kg": "không",
    "hok": "không", "hông": "không", "hem": "không",
    "k0": "không",
    # được / gì / vậy / rồi
    "dc": "được", "đc": "được", "dk": "được", "đk": "được", "dcj": "được",
    "j": "gì", "ji": "gì", "gi": "gì", "z": "vậy", "v": "vậy", "zậy": "vậy", "dzậy": "vậy",
    "r": "rồi", "rùi": "rồi", "ròi": "rồi",
    # people
    "ng": "người", "ngta": "người ta", "ck": "chồng", "vk": "vợ",
    "mk": "mình", "mik": "mình", "mn": "mọi người", "mng": "mọi người", "cj": "chị",
    "a": "anh", "e": "em", "b": "bạn", "bn": "bạn", "bro": "bạn", "ad": "admin",
    "sv": "sinh viên", "hs": "học sinh", "gv": "giáo viên", "cn": "công nhân",
    "ccb": "cựu chiến binh", "tnxp": "thanh niên xung phong", "tn": "thanh niên",
    # institutions
    "cty": "công ty", "ct": "công ty", "cgty": "công ty", "kcn": "khu công nghiệp",
    "bhxh": "bảo hiểm xã hội", "bhyt": "bảo hiểm y tế", "bhtn": "bảo hiểm thất nghiệp",
    "hđlđ": "hợp đồng lao động", "hdld": "hợp đồng lao động", "hđ": "hợp đồng",
    "ubnd": "ủy ban nhân dân", "ub": "ủy ban", "xh": "xã hội",
    "htx": "hợp tác xã", "dn": "doanh nghiệp", "tnxh": "tệ nạn xã hội", "đtn": "đoàn thanh niên",
    "lđ": "lao động", "ld": "lao động", "tc": "tăng ca", "gd": "gia đình", "gđ": "gia đình",
    "tg": "thời gian", "sdt": "số điện thoại", "sđt": "số điện thoại",
    "tp": "thành phố", "tphcm": "thành phố hồ chí minh", "hcm": "hồ chí minh",
    # verbs / misc
    "ntn": "như thế nào", "vs": "với", "nc": "nước", "bt": "biết", "bik": "biết", "bít": "biết",
    "ms": "mới", "trc": "trước", "ns": "nói", "nt": "nhắn tin", "nch": "nói chuyện",
    "lm": "làm", "đag": "đang", "dag": "đang", "dg": "đang", "đg": "đang",
    "wa": "quá", "qá": "quá", "qa": "quá", "ik": "đi", "di": "đi", "thik": "thích",
    "bjo": "bây giờ", "bh": "bây giờ", "bgio": "bây giờ", "h": "giờ", "hnay": "hôm nay",
    "hqua": "hôm qua", "tks": "cảm ơn", "thanks": "cảm ơn", "thank": "cảm ơn",
    "oke": "ok", "okela": "ok", "okie": "ok", "uk": "ừ", "uh": "ừ", "ừm": "ừ",
    "fai": "phải", "jờ": "giờ", "ntnao": "như thế nào", "nhiu": "nhiêu",
    "lun": "luôn", "wá": "quá", "iu": "yêu", "thui": "thôi",
    "lg": "lương", "sl": "số lượng", "nv": "nhân viên", "qly": "quản lý", "ql": "quản lý",
    "cv": "công việc", "cvc": "công việc", "mxh": "mạng xã hội", "fb": "facebook",
    "đt": "điện thoại", "dt": "điện thoại", "tr": "triệu",
}

_TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)

# numbers, money, phones -> placeholder words (letters only, so they survive
# tokenisation and diacritic stripping unchanged)
# Each pattern starts with the characters a match starts with, and checks the character before
# the match right after them ("0(?<!\d0)" is "a 0 not after a digit"), instead of starting with
# that look-behind: re then skips to candidate characters in C instead of trying the pattern at
# every position (measured on texts with digits: phones 5.7 -> 1.1 µs, money 7.2 -> 3.3 µs; the
# same substitutions on 13,246 such texts as "(?<!\d)(?:\+?84|0)..." and "(?<![^\W\d_])\d+...").
_PHONE_RE = re.compile(r"(?:\+84(?<!\d\+84)|84(?<!\d84)|0(?<!\d0))(?:[\s.\-]?\d){8,10}(?!\d)")
_MONEY_RE = re.compile(
    r"\d(?<![^\W\d_]\d)\d*(?:[.,]\d+)*\s*(?:k|tr|triệu|trieu|củ|cu|nghìn|nghin|ngàn|ngan|"
    r"đồng|dong|đ|vnd|vnđ|tỷ|ty|tỏi|lít|lit|m|ka)(?![^\W\d_])",
    re.IGNORECASE,
)
_NUM_RE = re.compile(r"\d+(?:[.,/:]\d+)*")
_REPEAT_RE = re.compile(r"([^\W\d_])\1{2,}")
_TRIPLE_RE = re.compile(r"(.)\1\1", re.DOTALL)   # any tripled character: 5x cheaper to look for
_DIGIT_RE = re.compile(r"\d")


def _squeeze_repeats(text: str) -> str:
    """'quaaaa' -> 'qua', 'điiii' -> 'đi' (3+ repeats only: 'xoong' stays)."""
    if _TRIPLE_RE.search(text) is None:
        return text
    return _REPEAT_RE.sub(r"\1", text)


def _replace_numbers(text: str) -> str:
    if _DIGIT_RE.search(text) is None:   # about half of all messages: skip three scans
        return text
    text = _PHONE_RE.sub(" zphone ", text)
    text = _MONEY_RE.sub(" zmoney ", text)
    return _NUM_RE.sub(" znum ", text)


# abbreviations that expand to several words ("ngta" -> "người ta")
_MULTIWORD = frozenset(k for k, v in TEENCODE.items() if " " in v)


def normalized_words(low: str) -> list[str]:
    """The words of ``normalize_lowered(low)``, abbreviations expanded, without joining and
    splitting again: one tokenising scan and one ``map`` of the abbreviation dict in C; only
    a message with a several-word expansion ("ngta") is split once more."""
    return words_and_tokens(low)[0]


def words_and_tokens(low: str) -> tuple[list[str], list[str] | None]:
    """(``normalized_words(low)``, the tokens of ``low`` itself when no repeat or number had to
    be rewritten before tokenising, else None): ``nlu.text`` hands the latter to the locator."""
    t = _replace_numbers(_squeeze_repeats(low))
    toks = _TOKEN_RE.findall(t)
    words = cast("list[str]", list(map(TEENCODE.get, toks, toks)))   # get(w, w): never None
    if not _MULTIWORD.isdisjoint(toks):
        words = " ".join(words).split()
    return words, toks if t is low else None


def normalize(text: str) -> str:
    """Canonical lowercase accented form with placeholders and expanded abbreviations.

    Punctuation is turned into spaces; the output is single-space separated
    tokens.  Deliberately not cached: benchmarks replay the same texts and a
    cache would only flatter them.
    """
    return normalize_lowered(lowered(text)[1])


def lowered(text: str) -> tuple[str, str]:
    """(NFC text in its own case, NFC lowercase with the tone placement fixed): the first
    steps of ``normalize``, which ``nlu.locate`` shares (it reads capitals and keeps numbers)."""
    nfc = unicodedata.normalize("NFC", text)
    return nfc, fix_tone_placement(nfc.lower())


def normalize_lowered(low: str) -> str:
    """The rest of ``normalize``, for the second element of ``lowered(text)``: tokens joined by
    single spaces (expansions are letters and spaces only, so tokenising again changes nothing)."""
    return " ".join(normalized_words(low))


def tokens(text: str) -> list[str]:
    """Tokens of the normalised text (split on whitespace)."""
    return normalize(text).split()
