"""Are two reports about the same problem? A cheap, offline text comparison for clustering.

Why not the NLU model: it tells the body responsible (the domain), not which problem; two wage
claims and an insurance claim are all `union`. Why not embeddings: nothing heavy may run inside
a citizen's turn. So: the normalised text without diacritics (accented and unaccented writers
look alike), content words and word pairs, plus a handful of *problem concepts* that map the
many ways people say one thing ("nợ lương", "chậm trả lương", "chua tra tien cong") to one
feature. A workplace named in both texts settles the question either way: the same factory
strengthens the match, two different factories are two problems.
"""
from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass

from nlu.normalize import normalize, strip_diacritics

# Measured on bench/cluster_pairs.jsonl (python -m bench.clusters): see the report there.
THRESHOLD = 0.30
WORKPLACE_BONUS = 0.25
CONCEPT_WEIGHT = 3.0

_STOP = frozenset("""
a ai anh ba bac bi bo cac cai chi cho chu chung co con cua cung da dang day de den di do duoc em gi giup
ha hay het hoi khi la lam len lai luc ma may minh mot mong moi nao nay neu nen nhe nhieu nhu nha nhung
o oi ong qua ra rat roi sao se sang tai thi theo the thay toi trong tu va van vao vay ve voi vi xin
zmoney znum zphone a ah nhe nha ha lam on cam cu ca
""".split())

# Problem concepts: ASCII regexes over the normalised, diacritic-free text.
_CONCEPTS: dict[str, str] = {
    "wage": r"\b((?<!chat )(?<!so )(?<!khoi )(?<!nang )luong|tien cong|tien thuong|thu nhap)\b",
    "owed": r"\b(no|cham|khat|quyt|chua (duoc )?(tra|nhan|thanh toan|phat)|khong (duoc )?(tra|nhan|thanh toan|phat)|"
            r"treo|giam|tru|cat)\b",
    "insurance": r"\b(bao hiem|so bao hiem)\b",
    "overtime": r"\b(tang ca|lam them|lam dem|gio lam)\b",
    "dismissal": r"\b(duoi viec|sa thai|cho nghi|nghi viec|cat hop dong|cham dut hop dong|mat viec)\b",
    "contract": r"\b(hop dong)\b",
    "safety": r"\b(tai nan|an toan|bong|ngat|doc hai|hoa chat)\b",
    "land": r"\b(dat|so do|thu hoi|giai toa|den bu|boi thuong)\b",
    "pollution": r"\b(o nhiem|nuoc thai|khoi|mui hoi|hoi thoi|rac thai|xa thai|bui)\b",
    "farm_input": r"\b(phan bon|giong|thuoc tru sau|thuoc bao ve thuc vat|thuc an chan nuoi)\b",
    "price": r"\b(ep gia|gia (lua|heo|lon|ca|thu mua|ban|re|thap)|thuong lai|thu mua|tieu thu|mat gia|rot gia)\b",
    "water": r"\b(tuoi|thuy loi|kenh|muong|han han|ngap|lu)\b",
    "violence": r"\b(danh|bao luc|hanh ha|chui|de doa)\b",
    "harassment": r"\b(quay roi|sam so|xam hai|gia gam|tan tinh)\b",
    "road": r"\b(duong|ngo|hem|den duong)\b",
    "drugs": r"\b(ma tuy|bong cuoi|hut chich|nghien|tu tap)\b",
    "school": r"\b(truong hoc|hoc sinh|hoc phi|thay co|giao vien)\b",
    "pension": r"\b(che do|tro cap|luong huu|thuong binh|chat doc da cam|nguoi co cong)\b",
}
# One pass over the text for all concepts: a named group each.
_MODIFIERS = frozenset({"#owed", "#contract"})  # say how, not what: they never tell problems apart
_CONCEPT_RE = re.compile("|".join(f"(?P<{name}>{rx})" for name, rx in _CONCEPTS.items()))

_WORKPLACE_RE = re.compile(
    r"\b(cong ty|xuong|nha may|khu cong nghiep|doanh nghiep|hop tac xa|cua hang|nha hang|trang trai)"
    r"((?: (?:tnhh|co phan|cp|mtv|mot thanh vien|san xuat|may mac|thuong mai|dich vu|tm|dv|sx))*)"
    r"((?: [a-z0-9]+){1,4})")
# Words that end a workplace name: what follows "công ty" is usually a verb or a pronoun.
_NAME_STOP = (_STOP - {"may"}) | frozenset("""
no cham chua khong tra bat bo ep cat duoi dong giam khat quyt hon luong nam thang tuan ngay lam tai noi
xa chay thai do dung lay tu ngung dong nghi tuyen ton ky phat hoat gay
nguoi cong nhan anh chi em toi minh chung tao cua moi cu van da dang bi
""".split())


@dataclass(frozen=True)
class Signature:
    """What the comparison needs from one report; built once per text."""

    features: dict[str, float]
    norm: float
    workplace: frozenset[str]
    topics: frozenset[str]

    @classmethod
    def of(cls, features: dict[str, float], workplace: frozenset[str]) -> Signature:
        return cls(features, math.sqrt(sum(v * v for v in features.values())), workplace,
                   frozenset(k for k in features if k.startswith("#") and k not in _MODIFIERS))

    def to_text(self) -> str:
        """Stored on the case, so comparing a new report with its candidates skips re-reading them."""
        words = [k for k, v in self.features.items() if not k.startswith("#") for _ in range(round(v))]
        marks = [k for k in self.features if k.startswith("#")]
        return " ".join([*words, *marks, *(f"@{w}" for w in sorted(self.workplace))])

    @classmethod
    def from_text(cls, text: str) -> Signature:
        """A stored key read back. Every new case is compared with the same hundred recent ones
        of its domain and province, so the keys read last time are kept (never changed: a
        Signature is frozen, and nothing writes to its features)."""
        return _read_key(text)

    @classmethod
    def _parse(cls, text: str) -> Signature:
        counts: Counter[str] = Counter(text.split())  # counted in C: this runs for every candidate
        place = frozenset(k[1:] for k in counts if k[0] == "@")
        features: dict[str, float] = {k: (CONCEPT_WEIGHT if k[0] == "#" else float(v))
                                      for k, v in counts.items() if k[0] != "@"}
        return cls.of(features, frozenset(place))


@functools.lru_cache(maxsize=4096)
def _read_key(text: str) -> Signature:
    return Signature._parse(text)


def ascii_text(text: str) -> str:
    return strip_diacritics(normalize(text))


def workplace(text_ascii: str) -> frozenset[str]:
    """The name of a factory or company the text mentions ("cty TNHH May Sông Cầu" -> may song cau),
    as a set of words; empty when none or only a pronoun follows ("công ty em")."""
    for match in _WORKPLACE_RE.finditer(text_ascii):
        name: list[str] = []
        for word in match.group(3).split():
            if word in _NAME_STOP:
                break
            name.append(word)
        if name:
            kind = "kcn" if match.group(1) == "khu cong nghiep" else "org"
            return frozenset([f"{kind}:{w}" for w in name])
    return frozenset()


def signature(text: str) -> Signature:
    t = ascii_text(text)
    words = [w for w in t.split() if w not in _STOP and len(w) > 1]
    feats: Counter[str] = Counter(words)
    feats.update(f"{a}_{b}" for a, b in zip(words, words[1:], strict=False))
    weighted = {k: float(v) for k, v in feats.items()}
    for match in _CONCEPT_RE.finditer(t):
        weighted[f"#{match.lastgroup}"] = CONCEPT_WEIGHT
    return Signature.of(weighted, workplace(t))


def _named_in(place: frozenset[str], other: Signature) -> bool:
    return bool(place) and all(w.split(":", 1)[1] in other.features for w in place)


def same_workplace(a: Signature, b: Signature) -> bool | None:
    """True or False when both texts name a workplace; None when either does not (unless the one
    name also appears in the other text without "công ty" before it: "song cau no luong")."""
    if not a.workplace or not b.workplace:
        return True if _named_in(a.workplace, b) or _named_in(b.workplace, a) else None
    # Names swallow the words after them ("kcn yen phong kem chat luong"): two shared words, or
    # the whole of a one-word name, is the same place.
    shared = a.workplace & b.workplace
    return len(shared) >= min(2, len(a.workplace), len(b.workplace))


def similarity(a: Signature, b: Signature) -> float:
    """Cosine of the two feature vectors, moved by what the workplaces say."""
    if not a.norm or not b.norm:
        return 0.0
    small, big = (a.features, b.features) if len(a.features) < len(b.features) else (b.features, a.features)
    cosine = sum(v * big.get(k, 0.0) for k, v in small.items()) / (a.norm * b.norm)
    same = same_workplace(a, b)
    if same is False:
        return 0.0
    ta, tb = a.topics, b.topics
    if ta and tb:
        # Unpaid insurance and unpaid wages at one factory are two problems: topics must agree,
        # and one factory named in both does not make up for topics that do not meet.
        if not ta & tb:
            return 0.0
        cosine *= len(ta & tb) / len(ta | tb)
    return min(1.0, cosine + WORKPLACE_BONUS) if same else cosine
