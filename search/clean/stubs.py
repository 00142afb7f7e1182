"""Saved pages that stand in for an article: anti-crawler challenges, redirects, paginated slices.

A crawler (or a person saving pages) sometimes keeps the WZWS/瑞数/加速乐 challenge, or a
``meta refresh`` stub, instead of the article; neither may become a report. TRS articles
split over several pages (``createPageHTML(3, 0, …)``) give only part of the text per page.
The challenge markers are shared with the crawler's response-level check
(``search.challenges``); this one works on the saved bytes alone, as ``govsearch clean
FILE`` sees them.
"""
from __future__ import annotations

import logging
import re

from ..challenges import challenge_marker

LOGGER = logging.getLogger(__name__)

_REFRESH = re.compile(r"^\s*\d*\s*;?\s*url\s*=\s*['\"]?(?P<url>[^'\" >]+)", re.I)
_REDIRECT_WORDS = re.compile(r"正在跳转|自动跳转|页面跳转|如果.{0,8}没有.{0,4}跳转|点击这里|redirect", re.I)
_PAGINATION = re.compile(r"createPageHTML\(\s*(?P<total>\d+)\s*,\s*(?P<current>\d+)")


def refusal_reason(content: bytes, meta: dict[str, str], text: str) -> str | None:
    """Why a page with little report text is a stand-in rather than an article, else None.

    Args:
        content: the saved bytes (challenge markers live in scripts, not in the text).
        meta: the page's <meta> values (``refresh`` holds a redirect target).
        text: the report text left after cleaning.
    """
    challenge = challenge_marker(content[:65536])
    if challenge:
        return f"blocked: {challenge} page saved instead of the article"
    refresh = _REFRESH.match(meta.get("refresh") or meta.get("Refresh") or "")
    if refresh or (_REDIRECT_WORDS.search(text) and len(text) < 80):
        target = refresh.group("url") if refresh else "elsewhere"
        return f"no report text: a redirect page (to {target})"
    return None


# A column page lists titles, each with its date: 某某区2023年法治政府建设年度报告2024-03-28
_LISTED_TITLE = re.compile(r"^.{6,80}?\s*[(\[]?(?:19|20)\d{2}[-./年]\d{1,2}[-./月]\d{1,2}日?[)\]]?$")


def is_link_list(lines: list[str]) -> bool:
    """A column (list) page: mostly dated titles and no sentence of prose."""
    listed = sum(1 for line in lines if "。" not in line and _LISTED_TITLE.match(line))
    prose = sum(1 for line in lines if line.count("。") >= 1 and len(line) > 30)
    return listed >= 3 and prose == 0 and listed * 2 >= len(lines)


def pages_total(html: str) -> int | None:
    """How many pages a TRS article is split over (createPageHTML(N, …)), when more than one."""
    match = _PAGINATION.search(html)
    if match and int(match.group("total")) > 1:
        return int(match.group("total"))
    return None
