"""Relevance evaluation: judged queries → recall@10, MRR and full recall over an index.

A judgment names the paragraphs a query must find, either by substrings every relevant
paragraph contains (``contains_all``; the ground truth for "a string that occurs is found")
or by hand-picked snippets (``snippets``: one paragraph each, for ranking). Filters in
the judgment apply to both the search and the ground truth.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .engine import SearchRequest
from .normalize import search_form
from .schema import _TRANSPARENT
from .store import Store


@dataclass(frozen=True)
class QueryScore:
    query: str
    relevant: int
    recall_at_10: float
    reciprocal_rank: float
    recall_all: float


def load_judgments(path: str | Path) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))["queries"]


def _passes_filters(report, filters: dict) -> bool:
    region = report.region
    if filters.get("region") and not set(filters["region"]) & set(region.names()):
        return False
    if filters.get("year") and str(report.report_year) not in filters["year"]:
        return False
    if filters.get("kind") and report.report_kind not in filters["kind"]:
        return False
    return True


def relevant_paragraphs(store: Store, judgment: dict) -> set[str]:
    """paragraph ids the judgment says must be found."""
    filters = judgment.get("filters", {})
    # Quotation marks do not break a string (“八五”普法 contains 八五普法), as in the index.
    form = lambda text: _TRANSPARENT.sub("", search_form(text)).lower()  # noqa: E731
    needles = [form(n) for n in judgment.get("contains_all", [])]
    snippets = [form(s) for s in judgment.get("snippets", [])]
    relevant = set()
    for stored in store.iter_reports():
        if not _passes_filters(stored.report, filters):
            continue
        for seq, paragraph in enumerate(stored.report.paragraphs):
            text = form(paragraph.text)
            if needles and all(n in text for n in needles) or any(s in text for s in snippets):
                relevant.add(f"{stored.report_id}-{seq}")
    return relevant


def request_for(judgment: dict, per_page: int) -> SearchRequest:
    filters = judgment.get("filters", {})
    return SearchRequest(query=judgment["query"], regions=tuple(filters.get("region", ())),
                         years=tuple(filters.get("year", ())), kinds=tuple(filters.get("kind", ())),
                         per_page=per_page)


def evaluate(engine, store: Store, judgments: list[dict]) -> list[QueryScore]:
    """Score every judged query against the engine."""
    scores = []
    for judgment in judgments:
        relevant = relevant_paragraphs(store, judgment)
        if not relevant:
            raise ValueError(f"judgment for {judgment['query']!r} matches no paragraph: fix the judgment")
        ranked = [hit.paragraph_id for hit in engine.search(request_for(judgment, 1000)).hits]
        top = ranked[:10]
        found_top = len(relevant & set(top))
        rank = next((i + 1 for i, pid in enumerate(top) if pid in relevant), None)
        scores.append(QueryScore(
            query=judgment["query"], relevant=len(relevant),
            recall_at_10=found_top / min(len(relevant), 10),
            reciprocal_rank=1.0 / rank if rank else 0.0,
            recall_all=len(relevant & set(ranked)) / len(relevant),
        ))
    return scores


def summary(scores: list[QueryScore]) -> dict[str, float]:
    count = len(scores) or 1
    return {
        "queries": len(scores),
        "recall_at_10": sum(s.recall_at_10 for s in scores) / count,
        "mrr": sum(s.reciprocal_rank for s in scores) / count,
        "recall_all": sum(s.recall_all for s in scores) / count,
    }
