"""Which saved queries match which newly indexed or changed reports.

A run compares the index with the alerts' ledger (the version of each report the
alerts last considered). Only reports that are new or changed since are candidates,
and each saved query is searched with ``report_ids`` restricted to its candidates, so
many saved queries never rescan the whole index.

Rules (simple on purpose, and the same everywhere):

- **new**: the report was not in the ledger and the store first saw it at or after the
  saved query was created.
- **updated**: the report's indexed version differs from the ledger's, it changed after
  the saved query was created, and at least one paragraph that matches the saved query
  is new: its text, normalised (NFKC, simplified, spaces and punctuation dropped), was not
  among the previous version's paragraphs. A report whose topics, metadata, punctuation or
  paragraph order changed fires nothing; a rewritten or added matching paragraph fires.
- A report the store holds in another version than the index (imported, not yet
  reindexed) waits for the reindex; nothing is recorded for it meanwhile.
"""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Callable

from ..engine import Engine, SearchRequest
from ..models import Hit, StoredReport
from ..normalize import search_form
from ..store import Store
from ..tableview import table_rows
from .db import AlertItem, AlertsDB, LedgerEntry, SavedQuery
from .links import item_id

LOGGER = logging.getLogger(__name__)

PARAGRAPHS_PER_ITEM = 5  # matching paragraphs an alert shows (the report page shows all)
_HITS_PER_SEARCH = 500
_HITS_PER_REPORT = 200
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Candidate:
    """A report new to the alerts, or changed since they last considered it."""

    report_id: str
    content_hash: str
    first_seen: str
    last_changed: str
    paragraph_hashes: tuple[str, ...]  # by paragraph seq
    previous: LedgerEntry | None  # None: never considered before

    def ledger_entry(self) -> LedgerEntry:
        return LedgerEntry(self.content_hash, frozenset(self.paragraph_hashes))


def paragraph_hash(text: str) -> str:
    """Hash of a paragraph's wording, blind to spacing, punctuation, width and script.

    >>> paragraph_hash("（一）行政复议,") == paragraph_hash("(一) 行政復議。")
    True
    """
    return hashlib.sha1(_NOT_WORD.sub("", search_form(text)).encode("utf-8")).hexdigest()[:12]


def find_candidates(store: Store, engine: Engine, db: AlertsDB) -> tuple[list[Candidate], list[str]]:
    """Indexed reports new or changed since the last run, and ledger entries whose report left the index."""
    indexed = engine.indexed()
    ledger = db.ledger()
    removed = [report_id for report_id in ledger if report_id not in indexed]
    candidates = []
    for report_id in sorted(r for r, version in indexed.items() if ledger.get(r) != version):
        stored = store.get(report_id)
        if stored is None or stored.content_hash != indexed[report_id]:
            LOGGER.debug("%s: store and index differ; waiting for the reindex", report_id)
            continue
        candidates.append(Candidate(
            report_id=report_id, content_hash=stored.content_hash, first_seen=stored.first_seen,
            last_changed=stored.last_changed,
            paragraph_hashes=tuple(paragraph_hash(p.text) for p in stored.report.paragraphs)
            + tuple(paragraph_hash(row.view.text()) for row in table_rows(stored.report.tables)),
            previous=db.ledger_entry(report_id) if report_id in ledger else None,
        ))
    return candidates, removed


def eligible(saved_query: SavedQuery, candidate: Candidate) -> str | None:
    """'new', 'updated' or None: whether a candidate may fire for this saved query at all."""
    if candidate.previous is None:
        return "new" if candidate.first_seen >= saved_query.created_at else None
    if candidate.last_changed >= saved_query.created_at:
        return "updated"
    return None


def search_request(saved_query: SavedQuery, report_ids: tuple[str, ...], group: bool, per_page: int) -> SearchRequest:
    """The saved query with its filters, restricted to some reports."""
    return SearchRequest(
        query=saved_query.query, filters=saved_query.filters, per_page=max(1, per_page), group_by_report=group, report_ids=report_ids,
        partial=False,  # an alert fires on paragraphs with every word of the saved query
    )


def matching_paragraphs(engine: Engine, saved_query: SavedQuery,
                        report_ids: list[str]) -> dict[str, list[Hit]]:
    """report_id → its paragraphs that match the saved query (best first), for the given reports only."""
    if not report_ids:
        return {}
    # Usually one search: a few new reports hold far fewer matching paragraphs than a page.
    result = engine.search(search_request(saved_query, tuple(report_ids), False, _HITS_PER_SEARCH))
    per_report: dict[str, list[Hit]] = {}
    if result.total <= len(result.hits):
        for hit in result.hits:
            per_report.setdefault(hit.report_id, []).append(hit)
        return per_report
    # Too many to list at once: which reports match (one hit each), then each report's own paragraphs.
    grouped = engine.search(search_request(saved_query, tuple(report_ids), True, len(report_ids)))
    for hit in grouped.hits:
        own = engine.search(search_request(saved_query, (hit.report_id,), False, _HITS_PER_REPORT))
        per_report[hit.report_id] = list(own.hits)
    return per_report


def match(engine: Engine, get_report: Callable[[str], StoredReport | None], saved_query: SavedQuery,
          candidates: list[Candidate], now: str) -> list[AlertItem]:
    """The alert items one saved query fires for the candidates (``get_report``: the store's, cached)."""
    kinds = {c.report_id: kind for c in candidates if (kind := eligible(saved_query, c))}
    if not kinds:
        return []
    by_id = {c.report_id: c for c in candidates}
    items = []
    for report_id, hits in matching_paragraphs(engine, saved_query, sorted(kinds)).items():
        candidate = by_id[report_id]
        if kinds[report_id] == "updated":
            hits = [hit for hit in hits if _is_new_paragraph(hit, candidate)]
            if not hits:
                continue
        stored = get_report(report_id)
        if stored is None or stored.content_hash != candidate.content_hash:
            continue
        items.append(_item(saved_query, stored, kinds[report_id], hits, now))
    return items


def _seq(hit: Hit) -> int:
    return int(hit.paragraph_id.rsplit("-", 1)[1])


def _is_new_paragraph(hit: Hit, candidate: Candidate) -> bool:
    if candidate.previous is None:
        return True
    # the hit's own text (a paragraph, or a table row as the index shows it)
    return paragraph_hash(hit.text) not in candidate.previous.paragraph_hashes


def _item(saved_query: SavedQuery, stored: StoredReport, kind: str, hits: list[Hit], now: str) -> AlertItem:
    report = stored.report
    title = report.title or "(无标题)"
    details = {
        "report": {
            "report_id": stored.report_id, "title": title, "region": report.region.label(),
            "report_year": report.report_year, "report_kind": report.report_kind, "issuer": report.issuer,
            "publish_date": report.publish_date, "synthetic": report.synthetic,
        },
        "query": saved_query.query,
        "matches": len(hits),
        "paragraphs": [
            {"seq": _seq(hit), "section_path": list(hit.section_path), "text": hit.text, "highlight": hit.highlight}
            for hit in hits[:PARAGRAPHS_PER_ITEM]
        ],
    }
    return AlertItem(id=item_id(saved_query.id, stored.report_id, stored.content_hash), saved_query_id=saved_query.id,
                     report_id=stored.report_id, content_hash=stored.content_hash, kind=kind, title=title,
                     details=details, created_at=now)
