"""Cleaner stage: a 信息公开 report's statistics (search/statistics), flagged when its tables do not add up.

    … kind → dates → **statistics** → issuer …

Only 信息公开 reports carry statistics (a report of another kind whose tables still follow
the template, a mis-typed page, carries them too). A failed check flags the report
``statistics_unbalanced`` (统计表不平衡).
"""
from __future__ import annotations

from ..models import DISCLOSURE_REPORT
from ..statistics import read_statistics
from .draft import Draft

UNBALANCED = "statistics_unbalanced"


def statistics(draft: Draft) -> Draft:
    """Figures and checks from the report's tables, lines and prose."""
    disclosure = draft.kind is not None and draft.kind.kind == DISCLOSURE_REPORT
    if not disclosure and not draft.tables:
        return draft
    found = read_statistics(draft.tables, draft.body, [block.text for block in draft.blocks])
    if not disclosure and found.template is None:
        return draft  # tables, but not the template's
    return draft.but(statistics=found).flagged(*([] if found.balanced else [UNBALANCED]))
