"""The page's title: from the metadata table, the page's meta tags and headings, the headline, the opening.

Titles arrive dressed: a repost tags them ([权威发布], (文字版)), a flattened list puts a
bullet before them (• …), a saved file keeps its extension (….docx), a template truncates
them (…年度...). ``tidy`` undresses a title; ``pick`` chooses among the candidates;
``announced`` reads a title the opening sentence names (现发布《…》). The markers live in
``search/data/cleaner/titles.toml``.
"""
from __future__ import annotations

import functools
import re

from .dedup import line_key
from .metadata import Header, is_org_line, looks_like_title
from ..vocab import pattern, section

_ELLIPSIS = re.compile(r"\s*(?:\.{2,}|…+|。{3,})\s*$")
_EXTENSION = re.compile(r"\.(?:docx?|pdf|wps|txt|ofd)\s*$", re.IGNORECASE)
_DATE_AFTER = re.compile(r"\s*[(\[]\s*(?:19|20)\d{2}[-./年]\d{1,2}[-./月]\d{1,2}日?\s*[)\]]\s*$")
_PAGE_NUMBER = re.compile(r"\s*[-—–―]\s*\d{1,3}\s*[-—–―]\s*$|^\s*[-—–―]\s*\d{1,3}\s*[-—–―]\s*")


@functools.lru_cache(maxsize=1)
def _markers() -> tuple[re.Pattern[str], re.Pattern[str]]:
    names = "|".join(map(re.escape, section("titles", "markers")))
    bracket_open, bracket_close = r"[\[【(〔]", r"[\]】)〕]"
    leading = re.compile(
        rf"^\s*(?:{bracket_open}\s*(?:{names})\s*{bracket_close}|【[^】\d]{{1,12}}】|\[[^\]\d]{{1,12}}\])\s*")
    trailing = re.compile(rf"\s*{bracket_open}\s*(?:{names})\s*{bracket_close}\s*$")
    return leading, trailing


def tidy(title: str) -> str:
    """A title without the tags, bullets, page numbers and file extension around it.

    >>> tidy("[权威发布]福建省2017年法治政府建设情况报告")
    '福建省2017年法治政府建设情况报告'
    >>> tidy("• (文字版)2017年芜湖市政府信息公开工作年度报告.docx")
    '2017年芜湖市政府信息公开工作年度报告'
    """
    leading, trailing = _markers()
    bullets = section("titles", "bullets")
    previous = None
    title = title.strip()
    while previous != title:
        previous = title
        title = title.lstrip(bullets + " ")
        title = leading.sub("", title)
        title = trailing.sub("", title)
        title = _EXTENSION.sub("", title)
        title = _DATE_AFTER.sub("", title)
        title = _PAGE_NUMBER.sub("", title).strip()
        title = re.sub(section("titles", "numbering"), "", title)
    return title


def untruncate(hints: list[str], page_lines: list[str]) -> list[str]:
    """A hint cut short (某某区2023年法治政府建设年度...) gives way to the page line it begins.

    Templates truncate ArticleTitle and <title>; the full title is then only in some
    element of the page (often a div with no telling class).
    """
    result = []
    for hint in hints:
        match = _ELLIPSIS.search(hint)
        if not match:
            result.append(hint)
            continue
        prefix = hint[:match.start()].strip()
        full = next((line.strip() for line in page_lines
                     if len(prefix) >= 6 and line.strip().startswith(prefix) and len(prefix) < len(line.strip()) <= 90), None)
        if full:
            result.append(full)
    return result


def pick(header: Header, fields: dict[str, str], hints: list[str], file_title: str | None) -> str | None:
    """The best title among the header's, the metadata table's, the page's hints and the file's name."""
    candidates = [header.title, fields.get("标题"), *hints, file_title]
    titles = [tidy(c) for c in candidates if c]
    titles = [c for c in titles if c and looks_like_title(c)]
    if not titles:
        return None
    best = titles[0]
    # <h1>法治政府建设年度报告</h1> beside <title>某县2023年法治政府建设年度报告: the complete one
    # (completed in front, by place and year; a longer tail is a site name, not more title)
    fuller = [c for c in titles[1:] if line_key(c).endswith(line_key(best)) and len(line_key(c)) > len(line_key(best))]
    return max(fuller, key=len) if fuller else best


def headline(hints: list[str]) -> str | None:
    """A page of any kind has a title: the first hint (ArticleTitle, <h1>, <title>) that reads as a headline.

    A hint that is only a body's name (<title>某某市人民政府</title>) is the site's, not the page's.

    For pages whose titles carry no report words (某某区举办法治宣传活动), when nothing else did.
    """
    for hint in hints:
        hint = tidy(hint)
        if 6 <= len(hint) <= 60 and not re.search(r"[。;!?]", hint) and not hint.endswith((":", ",")) \
                and not pattern("titles", "site_name").search(hint) and not is_org_line(hint) \
                and re.search(r"[\u4e00-\u9fff]{4}", hint):
            return hint
    return None


def announced(lines: list[str]) -> str | None:
    """The title an opening sentence gives its report: 现发布《辽宁省2019年度政府信息公开工作报告》.

    >>> announced(["根据《中华人民共和国政府信息公开条例》规定,现发布《辽宁省2019年度政府信息公开工作报告》。"])
    '辽宁省2019年度政府信息公开工作报告'
    """
    for line in lines[:2]:
        match = pattern("titles", "announced").search(line[:300])
        if match:
            name = next(group for group in match.groups() if group)
            if looks_like_title(name) and re.search(r"(?:报告|年报)$", name):
                return name.strip()
    return None


def strip_leading_title(line: str, title: str) -> str:
    """The first line without the title run into it (乌拉特中旗… 2021 年…年度报告 根据…): the text alone."""
    key = line_key(title)
    if not key or not line_key(line).startswith(key) or len(line_key(line)) <= len(key) + 4:
        return line
    match = re.match(r"^\s*" + r"[\W_]*".join(map(re.escape, key)) + r"\s*", line)
    return line[match.end():].lstrip() if match else line
