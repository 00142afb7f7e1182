"""The expected issuers: every county-level-and-above government in the code table.

One per unit of ``search/data/regions.tsv`` (provinces, prefecture-level cities and
county-level units, current names and codes), except the two special administrative
regions, which these mainland rules do not bind. A government is named as it signs: a
district with its city (杭州市临平区人民政府, 北京市朝阳区人民政府), a county or county-level city
alone (桐庐县人民政府, 诸暨市人民政府), a 地区 or 盟 by its 行政公署.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from ..enrich.regions import AdminUnit, administrative_units
from ..models import Region

SPECIAL_REGIONS = ("810000", "820000")  # 香港, 澳门
MUNICIPALITIES = ("110000", "120000", "310000", "500000")
DIRECT = "省直辖"  # the group of county-level units directly under a province (not in a city)
PROVINCE_ITSELF = "省本级"  # the group of a province's own government
LEVEL_LABELS = {"province": "省级", "city": "地市级", "county": "县级"}


@dataclass(frozen=True)
class ExpectedIssuer:
    """A government that must publish: its unit's code and names, and its own name."""

    code: str
    name: str  # the government: 杭州市临平区人民政府
    unit: str  # the unit: 临平区
    level: str  # province | city | county
    province_code: str
    city_code: str | None  # None for provinces and for units directly under a province
    region: Region

    @property
    def province(self) -> str:
        return self.region.province or ""

    def group(self) -> str:
        """The city it is counted under: its own name for a city; its city for a county; the
        municipality for a municipality's districts (and the municipality itself); 省直辖 for a
        county-level unit directly under a province; 省本级 for a province's own government."""
        if self.level == "city":
            return self.unit
        if self.province_code in MUNICIPALITIES:
            return self.province
        if self.level == "province":
            return PROVINCE_ITSELF
        return self.region.city or DIRECT


def _government(unit: AdminUnit) -> str:
    return unit.name + ("行政公署" if unit.type in ("地区", "盟") else "人民政府")


@functools.lru_cache(maxsize=1)
def expected_issuers() -> tuple[ExpectedIssuer, ...]:
    """Every expected issuer, top-down: each province, then its cities and counties."""
    units = {unit.code: unit for unit in administrative_units()}
    out = []
    for unit in administrative_units():
        province = unit if unit.level == "province" else None
        city = None
        parent = units.get(unit.parent)
        if unit.level == "city":
            province = parent
        elif unit.level == "county":
            if parent is not None and parent.level == "city":
                city, province = parent, units.get(parent.parent)
            else:
                province = parent
        if province is None or province.code in SPECIAL_REGIONS:
            continue
        if unit.level == "county" and unit.type == "市辖区":  # districts sign with their city: 杭州市临平区人民政府
            prefix = city.name if city else (province.name if province.code in MUNICIPALITIES else "")
            name = prefix + _government(unit)
        else:
            name = _government(unit)
        region = Region(province=province.name, city=city.name if city else (unit.name if unit.level == "city" else None),
                        county=unit.name if unit.level == "county" else None, code=unit.code)
        out.append(ExpectedIssuer(unit.code, name, unit.name, unit.level, province.code,
                                  city.code if city else (unit.code if unit.level == "city" else None), region))
    return tuple(out)


@functools.lru_cache(maxsize=1)
def by_code() -> dict[str, ExpectedIssuer]:
    return {issuer.code: issuer for issuer in expected_issuers()}


def provinces() -> list[ExpectedIssuer]:
    return [issuer for issuer in expected_issuers() if issuer.level == "province"]


def find_province(value: str) -> ExpectedIssuer | None:
    """A province by name (浙江省, 浙江), code (330000, 33) or its government's name.

    >>> find_province("浙江").unit, find_province("330000").unit, find_province("广西").unit
    ('浙江省', '浙江省', '广西壮族自治区')
    """
    value = (value or "").strip()
    if not value:
        return None
    for issuer in provinces():
        if value in (issuer.unit, issuer.name, issuer.code, issuer.code[:2]) or issuer.unit.startswith(value):
            return issuer
    return None
