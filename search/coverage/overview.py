"""The collection at a glance (the home page): reports by kind and year, coverage per province
for the latest complete year of each kind, and the latest additions."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from ..compliance.table import counts_by_kind_year
from ..models import OTHER_REPORT
from ..store import Store
from . import KINDS, Coverage, coverage, latest_complete_year

LATEST = 8


@dataclass(frozen=True)
class Addition:
    report_id: str
    title: str | None
    report_kind: str
    report_year: int | None
    issuer: str | None
    first_seen: str
    synthetic: bool


@dataclass(frozen=True)
class Overview:
    total: int
    years: tuple[int, ...]  # columns of the kind × year table, newest first
    counts: dict[str, dict[int | None, int]]  # kind → year → reports
    coverage: tuple[Coverage, ...]  # one per mandated kind, its latest complete year, whole country
    latest: tuple[Addition, ...]


def latest_additions(store: Store, limit: int = LATEST) -> list[Addition]:
    """The reports the store saw first most recently."""
    rows = store.db.execute(
        "SELECT report_id, report_kind, report_year, issuer, first_seen, report FROM reports"
        " ORDER BY first_seen DESC, report_id LIMIT ?", (limit,))
    out = []
    for row in rows:
        data = json.loads(row["report"])
        out.append(Addition(row["report_id"], data.get("title"), row["report_kind"], row["report_year"],
                            row["issuer"], row["first_seen"], bool(data.get("synthetic"))))
    return out


def collection_overview(store: Store, today: date | None = None, max_years: int = 8) -> Overview:
    """Everything the home page shows, from the store alone (no index needed)."""
    counts: dict[str, dict[int | None, int]] = {}
    total = 0
    for (kind, year), count in counts_by_kind_year(store).items():
        counts.setdefault(kind, {})[year] = count
        total += count
    years = sorted({year for by_year in counts.values() for year in by_year if year is not None}, reverse=True)
    order = list(KINDS) + [OTHER_REPORT]
    counts = {kind: counts[kind] for kind in sorted(counts, key=lambda k: order.index(k) if k in order else len(order))}
    views = tuple(coverage(store, kind, latest_complete_year(store, kind, today), today=today) for kind in KINDS)
    return Overview(total, tuple(years[:max_years]), counts, views, tuple(latest_additions(store)))
