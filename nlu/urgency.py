"""Is someone in danger right now?  (violence, threat to life, child in danger, self-harm)

Rules, not the classifier, because a miss is costly, the cues are few and
explicit, and they must work identically with and without diacritics.  Every
pattern is written on the diacritic-stripped normalised text (teencode already
expanded), and needs an actor/victim or an immediacy word so that a topic
("bạo lực học đường", "đánh giá", "đánh bạc", "đánh cá") is not an emergency.
Phrases that are ambiguous once stripped ("tu tu" = tự tử / từ từ) are matched
on the accented text, or in ascii only after an intent word ("muon tu tu").
"""
from __future__ import annotations

import re

from .normalize import normalize, strip_diacritics
from .types import Urgency

__all__ = ["is_urgent", "is_urgent_normalized", "assess_normalized"]

_PERSON = (r"(?:toi|em|me|vo|con|chau|be|chi|bo|ong|anh|minh|no|nguoi ta|tui|tao|"
           r"hai me con|ca nha|gia dinh|hang xom|co ay|chi ay)")
# "dam" only with an object/instrument: "khong dam" (dare) is everyday language
_HIT = r"(?:danh|chem|bop co|siet co|boc dau|ha doc|dam(?=\s+(?:chet|vao|dao|toi|em|con|me|vo|nguoi|bi thuong)))"
# words after "đánh/dành" that make it not violence ("đánh giá", "dành cho", "đánh cá")
_HIT_NOT = (r"(?!\s+(?:gia|bac|thue|rang|may|ca\b|bat|luoi|dau\b|so\b|tieng|thuc|bong|dan\b|co\b|"
            r"roi\b|van|lua\b|don|trong|chu|dong|cho|dum|tien|thoi|rieng|cap|chiem|diem|dau|"
            r"ba\b|vong|phan|mat|doi|xe|cuoc|gian|tran|con ga))")

_STRIPPED_PATTERNS = [
    # ongoing / direct violence against a person
    rf"\b(?:dang|lai|vua|cu|hay|doa|muon|se|bi)\s+(?:\w+\s+){{0,2}}{_HIT}\b{_HIT_NOT}",
    rf"\b{_HIT}\s+(?:chet\s+)?{_PERSON}\b",
    r"\bdang\s+danh nhau\b",
    r"\b(?:danh dap|hanh hung|dam chem|chem giet|danh chet|danh den chet|danh trong thuong)\b",
    r"\b(?:bi|dang|van|lien tuc|hay)\s+(?:\w+\s+){0,2}bao hanh\b",
    r"\bbao hanh\s+(?:\w+\s+){0,1}" + _PERSON + r"\b",
    r"\b(?:cam|rut|vung)\s+(?:dao|kiem|rua|bua|sung|gay|ma tau)\b",
    # threats to life
    r"\b(?:doa|muon|se|dinh|thue nguoi)\s+(?:\w+\s+){0,2}giet\b",
    r"\bgiet\s+(?:chet\s+)?" + _PERSON + r"\b",
    r"\b(?:nguy hiem|de doa|nguy)\s+(?:den\s+)?tinh mang\b",
    r"\bcuu\s+(?:voi|toi|em|con|me|chau|minh|chung toi|giup)\b",
    r"\b(?:tat|ha|bo)\s+axit\b|\bbo thuoc doc\b|\bdot nha\b|\bphong hoa\b",
    # self-harm
    r"\b(?:tu sat|tu van minh|ket lieu|tu hai ban than|tu lam hai)\b",
    r"\b(?:muon|dinh|se|doa|nghi den|tinh|co y dinh|da)\s+(?:\w+\s+){0,1}tu tu\b",
    r"\b(?:muon chet|khong muon song|chan song|song khong noi|khong thiet song|chet cho xong|"
    r"nhay cau|nhay lau|treo co|uong thuoc chuot|rach tay|cat co tay)\b",
    # children in danger (and sexual violence), not the topic in general
    r"\b(?:bi|dang|vua|da)\s+(?:\w+\s+){0,2}(?:xam hai|hiep dam|lam dung|bat coc|dam o|cuong hiep|bat di)\b",
    r"\b(?:xam hai|hiep dam|lam dung|bat coc|dam o|cuong hiep)\s+" + _PERSON + r"\b",
    r"\b(?:be|chau|con|tre|em be|tre em|thang be|con be)\s+(?:\w+\s+){0,3}"
    r"(?:mat tich|bi nhot|bi bo doi|bi bo roi|bi lam dung|bi xam hai|bi bat|bi danh)\b",
    r"\b(?:nhot|bo doi)\s+(?:\w+\s+){0,2}(?:con|chau|be|tre)\b",
]
_ACCENTED_PATTERNS = [
    r"tự tử",
    r"tự sát",
]

_STRIPPED_RE = re.compile("|".join(f"(?:{p})" for p in _STRIPPED_PATTERNS))
_ACCENTED_RE = re.compile("|".join(f"(?:{p})" for p in _ACCENTED_PATTERNS))


def is_urgent(text: str) -> bool:
    """True when the message reports violence, a threat to life, a child in danger or self-harm."""
    return is_urgent_normalized(normalize(text))


def is_urgent_normalized(acc: str) -> bool:
    """``is_urgent`` for text already passed through ``normalize``."""
    if _ACCENTED_RE.search(acc):
        return True
    return _STRIPPED_RE.search(strip_diacritics(acc)) is not None


def assess_normalized(acc: str) -> Urgency:
    """The urgency verdict with its score and reason, for text already normalised."""
    urgent = is_urgent_normalized(acc)
    return Urgency(urgent, 1.0 if urgent else 0.0, "rules" if urgent else None)
