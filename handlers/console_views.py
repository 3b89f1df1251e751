"""What the console shows a newcomer: people by name, units grouped the way staff think of them."""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from storage import Database, StaffAccount, Unit, UnitLevel


async def staff_names(db: Database, actors: Iterable[str]) -> dict[str, str]:
    """"staff:username" -> the member's display name, for the actors named in a case's history."""
    usernames = {a.partition(":")[2] for a in actors if a.startswith("staff:")}
    if not usernames:
        return {}
    async with db.sessions() as session:
        rows = (await session.execute(select(StaffAccount.username, StaffAccount.display_name)
                                      .where(StaffAccount.username.in_(usernames)))).all()
    return {f"staff:{username}": name for username, name in rows}


def folded(text: str) -> str:
    """Lower case without diacritics ("Bắc Ninh" -> "bac ninh"), so a search typed without accents finds it."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


@dataclass(frozen=True, slots=True)
class UnitChoice:
    key: str
    label: str
    search: str      # folded words a filter matches against


@dataclass(frozen=True, slots=True)
class UnitGroup:
    domain: str
    choices: list[UnitChoice]


_LEVEL_ORDER = {UnitLevel.CENTRAL: 0, UnitLevel.PROVINCE: 1, UnitLevel.COMMUNE: 2}


def group_units(units: Sequence[Unit], domain_order: Sequence[str], central_label: str) -> list[UnitGroup]:
    """One group per organisation (in `domain_order`); inside it the central unit first, then each
    province followed by its commune desks, provinces in alphabetical order."""
    groups: list[UnitGroup] = []
    for domain in domain_order:
        members = sorted((u for u in units if u.domain == domain),
                         key=lambda u: (u.level is not UnitLevel.CENTRAL, folded(u.province or ""),
                                        _LEVEL_ORDER[u.level], folded(u.commune or "")))
        choices = [UnitChoice(u.key, f"{u.province or central_label} · {u.name}",
                              folded(f"{u.name} {u.province or central_label} {u.commune or ''} {u.key}"))
                   for u in members]
        if choices:
            groups.append(UnitGroup(domain, choices))
    return groups
