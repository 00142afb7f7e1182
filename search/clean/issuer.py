"""Whose report a page is: the issuer, named in the title, the signature or the portal.

Portal fields are often about the *posting*: 来源 / 发布机构 name the office that uploaded
the page (区政府办, 本网, 司法局). The report's own title and signature come first; the
portal's name completes short names and stands in when the title names nobody.
"""
from __future__ import annotations

import logging
import re

from ..models import DISCLOSURE_REPORT, LAW_REPORT, OTHER_REPORT
from .metadata import PLACE_END, ORG_SUFFIX, is_org_line

LOGGER = logging.getLogger(__name__)

_TITLE_ISSUER = re.compile(r"^(?P<org>.{2,60}?)\s*关于")
_TITLE_PREFIX = re.compile(r"^(?P<pre>[\u4e00-\u9fff()\s、]{2,60}?)\s*(?:(?:19|20)\d{2}|[〇零一二三四五六七八九]{4})\s*年")
_YEAR_FIRST = re.compile(
    r"^(?:19|20)\d{2}\s*年度?\s*(?P<place>[\u4e00-\u9fff]{2,30}?)(?:法治政府|依法行政|法治建设|政府信息公开|(?:人民)?政府工作报告)")
# 平湖市政府信息公开年报, 海盐县法治政府建设年度报告: a place, then the kind, no year between
_PLACE_DISCLOSURE = re.compile(
    r"^(?P<place>[\u4e00-\u9fff]{2,20}?(?:省|市|区|县|州|旗))(?:(?:人民)?政府信息公开|法治政府|依法行政|法治建设)")
_POSTING_OFFICE = re.compile(r"^(?:本网|本站|网站|区政府办|市政府办|县政府办|政府办|办公室)|政务公开|信息中心|大数据|融媒体")


def _join_orgs(text: str) -> str:
    return "、".join(part for part in re.split(r"[\s、]+", text.strip()) if part)


def issuer(title: str | None, signature: list[str], fields: dict[str, str], kind: str,
           site_name: str | None = None, source: str | None = None, opening: str = "") -> str | None:
    """The body whose report it is: named in the title, else the signature, else a full 发布机构,
    else (a title naming nobody) the government whose portal carries it.

    A short name (区司法局) is completed from the portal's own name (杭州市西湖区人民政府), and so
    is a place's government (江岸区人民政府 on 武汉市江岸区人民政府's portal).

    >>> issuer("区司法局2023年法治政府建设年度报告", [], {}, LAW_REPORT, site_name="杭州市西湖区人民政府")
    '杭州市西湖区司法局'
    >>> issuer("2023年法治政府建设年度报告", [], {}, LAW_REPORT, site_name="杭州市上城区人民政府", source="区司法局")
    '杭州市上城区人民政府'
    """
    found = _issuer(title, signature, fields, kind)
    if found:
        for label in ("发文机关", "发布机构"):
            value = re.sub(r"\s+", "", fields.get(label) or "")
            if len(value) > len(found) and value.endswith(found) and re.match(r"^[\u4e00-\u9fff]{2,}(?:省|市|区|县|州|旗|盟)", value):
                return value  # 河东区人民政府 in the title, 天津市河东区人民政府 in the metadata table
        # a name the page spells out is kept as published; one we built from a place is completed
        return _complete(found, site_name, inferred=found not in (title or "") + "".join(signature))
    return _from_portal(title, kind, site_name, source, opening)


_DEPARTMENT_VOICE = re.compile(r"我局|本局|我委|本委|我厅|本厅|我办|本办|本单位|我单位|我中心")
_GOVERNMENT = re.compile(r"^[\u4e00-\u9fff]{2,30}?(?:省|市|区|县|州|旗|盟)人民政府$")


def _site_government(site_name: str | None) -> str | None:
    """某某区人民政府 from a portal's name (某某区人民政府门户网站), when the portal is a government's."""
    name = re.sub(r"(?:门户网站|网站|门户)$", "", (site_name or "").strip())
    return name if _GOVERNMENT.match(name) else None


def _from_portal(title: str | None, kind: str, site_name: str | None, source: str | None, opening: str) -> str | None:
    """A report titled only 2023年法治政府建设年度报告 on a government's portal is that government's.

    When it speaks as a department (我局…), it is the 来源 department's, completed from the portal.
    """
    if kind not in (LAW_REPORT, DISCLOSURE_REPORT, OTHER_REPORT):
        return None
    if title and not re.match(r"^\s*(?:关于)?\s*(?:(?:19|20)\d{2}|[〇零一二三四五六七八九]{4})\s*年", title):
        return None  # the title names someone we could not read: do not guess
    government = _site_government(site_name)
    if _DEPARTMENT_VOICE.search(opening):
        source = (source or "").strip()
        if government and _SHORT_NAME.match(source) and re.search(r"(?:局|委|厅|办|中心)$", source) \
                and not _POSTING_OFFICE.search(source):
            return _complete(source, site_name)
        return None
    return government


_SHORT_NAME = re.compile(r"^(?P<level>[省市区县州旗])(?P<rest>[\u4e00-\u9fff]{2,20})$")


def _complete(name: str, site_name: str | None, inferred: bool = False) -> str:
    """区司法局 + 杭州市西湖区人民政府 → 杭州市西湖区司法局; other names unchanged."""
    match = _SHORT_NAME.match(name)
    place = re.sub(r"(?:人民政府|政府)?(?:门户网站|网站|门户)?$", "", (site_name or "").strip())
    if match and place and place.endswith(match["level"]) and PLACE_END.search(place):
        return place + match["rest"]
    government = _site_government(site_name)
    if inferred and government and _GOVERNMENT.match(name) and government.endswith(name):
        return government  # 江岸区人民政府 → 武汉市江岸区人民政府: the portal gives the full name
    return name


def _issuer(title: str | None, signature: list[str], fields: dict[str, str], kind: str) -> str | None:
    if title:
        match = _TITLE_ISSUER.match(title)
        if match and re.search(ORG_SUFFIX + r"$", match["org"].strip()):
            return _join_orgs(match["org"])
        match = _TITLE_PREFIX.match(title)
        if match:
            prefix = match["pre"].strip()
            if re.search(ORG_SUFFIX + r"$", prefix):
                return _join_orgs(prefix)
            if PLACE_END.search(prefix) and kind in (LAW_REPORT, DISCLOSURE_REPORT, OTHER_REPORT) and " " not in prefix:
                return prefix + "人民政府"  # 诸暨市2023年…报告: the government of that place
        match = _PLACE_DISCLOSURE.match(title)  # 平湖市政府信息公开年报(2023年): 政府 belongs to 信息公开
        if match and kind in (LAW_REPORT, DISCLOSURE_REPORT):
            return match["place"] + "人民政府"
        match = _YEAR_FIRST.match(title)  # 2023年杭州市临平区政府信息公开工作年度报告
        if match:
            place = match["place"].strip()
            if re.search(ORG_SUFFIX + r"$", place):
                return _join_orgs(place)
            if PLACE_END.search(place) and kind in (LAW_REPORT, DISCLOSURE_REPORT, OTHER_REPORT):
                return place + "人民政府"
    if signature and all(is_org_line(line) for line in signature):
        return _join_orgs(" ".join(signature))
    signed = (fields.get("署名") or "").strip()  # 某某县人民政府 2024年3月1日 on one line
    if signed and is_org_line(signed) and not _POSTING_OFFICE.search(signed):
        return signed
    for label in ("发文机关", "发布机构"):
        value = (fields.get(label) or "").strip()
        if value and re.search(r"[省市区县州旗]", value[:8]) and re.search(ORG_SUFFIX + r"$", value) \
                and not _POSTING_OFFICE.search(value) and not value.endswith(("办公室", "办")) \
                and re.match(r"^[\u4e00-\u9fff]{2,}(?:省|市|区|县|州|旗)", value):
            return value
    return None
