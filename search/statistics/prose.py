"""Figures a 信息公开 report states in its prose (全年主动公开政府信息34152条), marked as prose.

Keys end in ``_prose``; the patterns are data (search/data/statistics.toml, [prose]). The
first statement in the report counts (its 总体情况 comes first). 2.16万条 is 21600.
"""
from __future__ import annotations

from typing import Iterable

from ..normalize import search_form
from .template import template


def _value(number: str, unit: str | None) -> float | int:
    value = float(number.replace(",", ""))
    if unit == "万":
        value *= 10_000
    value = round(value, 4)
    return int(value) if value.is_integer() else value


def prose_figures(texts: Iterable[str]) -> dict[str, float | int]:
    """key → the first figure the texts state for it.

    >>> prose_figures(["2022年,全年通过门户网站主动公开政府信息2.16万条,其中政策文件1320条。"])
    {'proactive_items_prose': 21600}
    >>> prose_figures(["全年主动公开政府信息34152条。全年收到政府信息公开申请884件。"])
    {'proactive_items_prose': 34152, 'applications_prose': 884}
    """
    found: dict[str, float | int] = {}
    patterns = template().prose
    for text in texts:
        form = search_form(text)
        for key, options in patterns.items():
            if key in found:
                continue
            for pattern in options:
                match = pattern.search(form)
                if match:
                    found[key] = _value(match.group(1), match.group(2) if match.lastindex and match.lastindex >= 2 else None)
                    break
    return found
