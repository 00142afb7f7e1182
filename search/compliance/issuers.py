"""Who issued a report, as the rules see it: a government, a department, a township, or other.

A 政府信息公开 report's deadline depends on it (departments by 1月31日, governments by
3月31日), and only a government's own report counts for coverage. The issuer (发布机关) is
read after the report's place names are removed: ``杭州市临平区人民政府`` is a government,
``杭州市临平区司法局`` and ``…人民政府办公室`` are departments, ``中共…区委 …区人民政府`` (a
joint report) is a government, ``…镇人民政府`` / ``…街道办事处`` a township. With no issuer the
title is read the same way once the kind's own words are gone (``诸暨市2023年法治政府建设
工作情况报告`` names only a place: the place's government).
"""
from __future__ import annotations

import re

from ..models import Region, Report
from ..normalize import search_form
from .rules import IssuerWords, load_rules

GOVERNMENT, DEPARTMENT, TOWNSHIP, OTHER, UNKNOWN = "government", "department", "township", "other", "unknown"

_PARTS = re.compile(r"[、,,;;/\s]+|(?<=委)和|(?<=政府)和")
_BRACKETS = re.compile(r"[((【\[][^))】\]]*[))】\]]")
_PARTY_PREFIX = re.compile(r"^(?:中国共产党|中共)")
# What a title says besides who issued it: the kind, the year, "report" words.
_TITLE_NOISE = re.compile(
    r"\d{4}\s*年?度?|[一二三四五六七八九〇零]{4}年度?|关于|法治政府建设|政府信息公开|政务公开|工作|年度|情况|的|报告|"
    r"推进|依法行政|建设|全面|落实|责任|推进法治")
_PLACE_SUFFIX = re.compile(r"^.{1,12}?(?:省|自治区|市|自治州|地区|盟|区|县|旗)")


def _place_names(region: Region) -> list[str]:
    """The report's place names and their short forms, longest first (临平区, 临平, 杭州市, 杭州)."""
    names = set()
    for name in region.names():
        names.add(name)
        for suffix in ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "新区", "林区", "省", "市", "区", "县", "盟", "旗"):
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                names.add(name[: -len(suffix)])
                break
    return sorted((search_form(n) for n in names), key=len, reverse=True)


def _strip_places(text: str, places: list[str]) -> str:
    for name in places:
        text = text.replace(name, "")
    return text


def _part_level(part: str, words: IssuerWords, places: list[str]) -> str:
    """The level of one issuing body (one part of a joint issuer)."""
    part = _BRACKETS.sub("", part).strip(" .。")
    if not part:
        return UNKNOWN
    government_at = part.rfind("政府")
    if government_at >= 0:
        before, after = part[:government_at], part[government_at + 2:]
        if after and any(word in after for word in words.township):
            return TOWNSHIP  # …区人民政府仓前街道办事处
        if after and any(after.endswith(word) for word in words.department):
            return DEPARTMENT  # 人民政府办公室, 人民政府研究室
        before = before.removesuffix("人民")
        if before and any(before.endswith(word) for word in words.township):
            return TOWNSHIP  # …镇人民政府
        return GOVERNMENT
    if any(word in part for word in words.other):
        return OTHER  # 开发区管委会: an agency of a government, with no deadline of its own
    bare = _strip_places(_PARTY_PREFIX.sub("", part), places)
    if any(part.endswith(word) for word in words.party) and len(bare) <= 2:
        return GOVERNMENT  # 中共…区委 (jointly with, or for, its government)
    if any(part.endswith(word) for word in words.township):
        return TOWNSHIP
    if bare and any(bare.endswith(word) for word in words.department):
        return DEPARTMENT
    if not bare or _PLACE_SUFFIX.fullmatch(bare):
        return GOVERNMENT if part.strip() else UNKNOWN  # a place and nothing else: its government
    return UNKNOWN


def level_of(name: str | None, region: Region = Region()) -> str:
    """The level of an issuer name (joint issuers: a government among them makes it a government).

    >>> level_of("杭州市临平区人民政府"), level_of("杭州市临平区司法局"), level_of("北京市朝阳区人民政府办公室")
    ('government', 'department', 'department')
    >>> level_of("中共温州市龙湾区委、温州市龙湾区人民政府"), level_of("临平区南苑街道办事处"), level_of("余杭经济技术开发区管委会")
    ('government', 'township', 'other')
    """
    if not name or not name.strip():
        return UNKNOWN
    words = load_rules().issuers
    places = _place_names(region)
    levels = [_part_level(part, words, places) for part in _PARTS.split(search_form(name)) if part]
    for level in (GOVERNMENT, DEPARTMENT, TOWNSHIP, OTHER):
        if level in levels:
            return level
    return UNKNOWN


def title_issuer(title: str | None) -> str:
    """What a title says about who issued it, once year, kind and report words are gone.

    >>> title_issuer("诸暨市2023年法治政府建设工作情况报告"), title_issuer("杭州市司法局2022年法治政府建设年度报告")
    ('诸暨市', '杭州市司法局')
    """
    if not title:
        return ""
    return _TITLE_NOISE.sub("", search_form(title)).strip(" ,、")


def issuer_level(report: Report) -> str:
    """The level of the report's issuer; from the title when the issuer is unknown.

    A title that names only a place (诸暨市…报告) is that place's government's report; a title
    that names nothing (2022年法治政府建设情况报告) leaves the level unknown.
    """
    if report.issuer:
        level = level_of(report.issuer, report.region)
        if level != UNKNOWN:
            return level
    named = title_issuer(report.title)
    if not named:
        return UNKNOWN
    return level_of(named, report.region)
