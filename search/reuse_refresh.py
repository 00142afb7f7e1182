"""Keep every report's ``reuse`` current as reports arrive, change or go (import and reindex call it).

A report's previous report is the same issuer's report of the same kind with the latest
year before its own (ties: the lowest report id). Its reuse is measured again only when
its basis changed: its own text, which report is its previous one, or that report's text
(the store's fingerprints say so without reading any report).
"""
from __future__ import annotations

import logging
from collections import defaultdict

from .reuse import measure
from .store import Store

LOGGER = logging.getLogger(__name__)


def previous_reports(rows) -> dict[str, str | None]:
    """report_id → the id of its issuer's previous report of the kind (None when there is none)."""
    groups: dict[tuple[str, str], list] = defaultdict(list)
    previous: dict[str, str | None] = {}
    for row in rows:
        if row["issuer"] and row["report_year"]:
            groups[(row["issuer"], row["report_kind"])].append(row)
        else:
            previous[row["report_id"]] = None
    for members in groups.values():
        members.sort(key=lambda r: (r["report_year"], r["report_id"]))
        for row in members:
            earlier = [r for r in members if r["report_year"] < row["report_year"]]
            latest = max((r["report_year"] for r in earlier), default=None)
            previous[row["report_id"]] = min((r["report_id"] for r in earlier if r["report_year"] == latest),
                                             default=None)
    return previous


def refresh_reuse(store: Store) -> int:
    """Measure again every report whose basis changed; returns how many were measured."""
    rows = store.reuse_basis()
    by_id = {row["report_id"]: row for row in rows}
    measured = 0
    for report_id, previous_id in previous_reports(rows).items():
        row = by_id[report_id]
        basis = f"{row['fingerprint']}|{previous_id or ''}|{by_id[previous_id]['fingerprint'] if previous_id else ''}"
        if row["basis"] == basis:
            continue
        stored = store.get(report_id)
        previous = store.get(previous_id) if previous_id else None
        if stored is None:
            continue
        reuse = measure(stored.report, previous.report if previous else None, previous_id)
        store.set_reuse(report_id, reuse, basis)
        measured += 1
    store.drop_stale_reuse()
    if measured:
        LOGGER.info("reuse measured for %d reports", measured)
    return measured
