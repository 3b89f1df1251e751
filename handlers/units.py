"""Units (organisation x area) built from config.yml, and routing a case to exactly one of them."""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.settings import AppConfig
from storage import Unit, UnitLevel

# The five centrally-run cities are "thành phố"; TP Hồ Chí Minh already carries its prefix.
CITIES: frozenset[str] = frozenset({"Hà Nội", "Huế", "Hải Phòng", "Đà Nẵng", "Cần Thơ"})


def slug(name: str) -> str:
    """'Bắc Ninh' -> 'bac-ninh': stable ASCII keys that staff can type."""
    ascii_name = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    ascii_name = "".join(c for c in ascii_name if not unicodedata.combining(c)).lower()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_name).split())


def unit_key(domain: str, province: str | None = None, commune: str | None = None) -> str:
    parts = [domain] + [slug(p) for p in (province, commune) if p]
    return ".".join(parts)


def area_name(province: str) -> str:
    if province.startswith("TP "):
        return province
    return f"thành phố {province}" if province in CITIES else f"tỉnh {province}"


def units_from_config(config: AppConfig, provinces: Sequence[str]) -> list[Unit]:
    """Every unit the configuration describes: central, one per province, and commune desks."""
    units: list[Unit] = []
    for domain, org in config.organisations.items():
        units.append(Unit(key=unit_key(domain), domain=domain, level=UnitLevel.CENTRAL, name=org.central_unit))
        for province in provinces:
            units.append(
                Unit(
                    key=unit_key(domain, province),
                    domain=domain,
                    level=UnitLevel.PROVINCE,
                    province=province,
                    name=org.unit_name.format(area=area_name(province)),
                )
            )
    for cu in config.commune_units:
        if cu.province not in provinces:
            raise ValueError(f"commune unit {cu.name!r}: unknown province {cu.province!r}")
        units.append(
            Unit(
                key=unit_key(cu.domain, cu.province, cu.commune),
                domain=cu.domain,
                level=UnitLevel.COMMUNE,
                province=cu.province,
                commune=cu.commune,
                name=cu.name,
            )
        )
    return units


async def sync_units(session: AsyncSession, config: AppConfig, provinces: Sequence[str]) -> int:
    """Insert or rename units to match the configuration; units no longer configured go inactive."""
    wanted = {u.key: u for u in units_from_config(config, provinces)}
    existing = {u.key: u for u in (await session.scalars(select(Unit))).all()}
    for key, unit in wanted.items():
        if (old := existing.get(key)) is None:
            session.add(unit)
        else:
            old.name, old.active = unit.name, True
    for key, old in existing.items():
        if key not in wanted:
            old.active = False
    return len(wanted)


async def route(session: AsyncSession, domain: str, province: str | None, commune: str | None) -> Unit:
    """The most specific active unit for (domain, commune/province), else the province's, else central."""
    for key in (unit_key(domain, province, commune) if province and commune else None,
                unit_key(domain, province) if province else None,
                unit_key(domain)):
        if key is None:
            continue
        unit = await session.scalar(select(Unit).where(Unit.key == key, Unit.active.is_(True)))
        if unit is not None:
            return unit
    raise LookupError(f"no unit configured for domain {domain!r}: check config.yml")
