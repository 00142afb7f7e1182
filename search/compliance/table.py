"""Assessments kept beside the reports, in ``store.sqlite``: one row per report.

Coverage asks "who published kind K for year Y, and when" over thousands of reports at once;
reading every report's text for that would be slow, so each report's assessment is stored
with the version of the report and of the rules it was made from. ``refresh`` recomputes
the rows whose report changed (content, first sighting) or whose rules changed, and drops
nothing by hand: a deleted report takes its row with it (foreign key, ON DELETE CASCADE).
The reindex refreshes it; readers call ``refresh`` too, which costs one query when nothing
is stale.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from ..store import Store
from . import assess, rules_version

LOGGER = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS compliance (
    report_id         TEXT PRIMARY KEY REFERENCES reports(report_id) ON DELETE CASCADE,
    content_hash      TEXT NOT NULL,          -- the report version assessed
    first_seen        TEXT NOT NULL,
    rules_version     TEXT NOT NULL,          -- search.compliance.rules_version() at the time
    report_kind       TEXT NOT NULL,
    report_year       INTEGER,
    region_code       TEXT,
    issuer_level      TEXT NOT NULL,          -- government | department | township | other | unknown
    deadline          TEXT,
    on_time           TEXT,                   -- yes | no | unknown; NULL for kinds no rule covers
    days_late         INTEGER,
    date_basis        TEXT,
    publish_date      TEXT,
    sections_complete INTEGER,                -- 1 / 0 / NULL
    missing           TEXT NOT NULL,          -- JSON list of missing section names
    synthetic         INTEGER NOT NULL,
    title             TEXT,
    issuer            TEXT,
    assessment        TEXT NOT NULL           -- Compliance.to_dict() as JSON
);
CREATE INDEX IF NOT EXISTS compliance_kind_year ON compliance(report_kind, report_year, issuer_level);
"""
_BATCH = 200


@dataclass(frozen=True)
class Assessed:
    """One stored assessment, as coverage reads it."""

    report_id: str
    report_kind: str
    report_year: int | None
    region_code: str | None
    issuer_level: str
    on_time: str | None
    days_late: int | None
    publish_date: str | None
    deadline: str | None
    sections_complete: bool | None
    missing: tuple[str, ...]
    synthetic: bool
    title: str | None
    issuer: str | None
    first_seen: str


def ensure_table(store: Store) -> None:
    store.db.executescript(SCHEMA)


def stale_ids(store: Store) -> list[str]:
    """Reports whose stored assessment is missing or made from another version."""
    ensure_table(store)
    rows = store.db.execute(
        "SELECT r.report_id FROM reports r LEFT JOIN compliance c ON c.report_id = r.report_id"
        " WHERE c.report_id IS NULL OR c.content_hash != r.content_hash OR c.first_seen != r.first_seen"
        " OR c.rules_version != ?", (rules_version(),))
    return [row[0] for row in rows]


def store_version(store: Store) -> tuple:
    """Changes whenever a report is added, changed or removed, or the rules change: a cache key
    for what is computed from the stored assessments (one cheap query)."""
    row = store.db.execute("SELECT COUNT(*), MAX(last_changed), MAX(first_seen), TOTAL(LENGTH(report_id))"
                           " FROM reports").fetchone()
    return tuple(row) + (rules_version(),)


def refresh(store: Store) -> int:
    """Assess every report that is new, changed or assessed under other rules; returns how many."""
    ids = stale_ids(store)
    version = rules_version()
    for start in range(0, len(ids), _BATCH):
        rows = []
        for stored in store.iter_reports(ids[start:start + _BATCH]):
            compliance = assess(stored)
            report = stored.report
            rows.append((
                stored.report_id, stored.content_hash, stored.first_seen, version, report.report_kind,
                report.report_year, report.region.code, compliance.issuer_level, compliance.deadline,
                compliance.on_time_value(), compliance.days_late, compliance.date_basis, report.publish_date,
                None if compliance.sections_complete is None else int(compliance.sections_complete),
                json.dumps(list(compliance.missing_sections()), ensure_ascii=False), int(report.synthetic),
                report.title, report.issuer, json.dumps(compliance.to_dict(), ensure_ascii=False),
            ))
        with store.transaction():
            store.db.executemany(
                "INSERT OR REPLACE INTO compliance (report_id, content_hash, first_seen, rules_version, report_kind,"
                " report_year, region_code, issuer_level, deadline, on_time, days_late, date_basis, publish_date,"
                " sections_complete, missing, synthetic, title, issuer, assessment)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    if ids:
        LOGGER.info("compliance: assessed %d report(s)", len(ids))
    return len(ids)


def _assessed(row) -> Assessed:
    complete = row["sections_complete"]
    return Assessed(
        report_id=row["report_id"], report_kind=row["report_kind"], report_year=row["report_year"],
        region_code=row["region_code"], issuer_level=row["issuer_level"], on_time=row["on_time"],
        days_late=row["days_late"], publish_date=row["publish_date"], deadline=row["deadline"],
        sections_complete=None if complete is None else bool(complete), missing=tuple(json.loads(row["missing"])),
        synthetic=bool(row["synthetic"]), title=row["title"], issuer=row["issuer"], first_seen=row["first_seen"],
    )


def assessments(store: Store, kind: str, years: list[int] | None = None,
                levels: tuple[str, ...] | None = None) -> list[Assessed]:
    """Stored assessments of one kind (some years, some issuer levels), oldest report id first."""
    ensure_table(store)
    sql, args = "SELECT * FROM compliance WHERE report_kind=?", [kind]
    if years is not None:
        sql += f" AND report_year IN ({','.join('?' * len(years))})"
        args += list(years)
    if levels is not None:
        sql += f" AND issuer_level IN ({','.join('?' * len(levels))})"
        args += list(levels)
    return [_assessed(row) for row in store.db.execute(sql + " ORDER BY report_id", args)]


def counts_by_kind_year(store: Store) -> dict[tuple[str, int | None], int]:
    """(kind, year) → number of reports (the home page's overview)."""
    rows = store.db.execute("SELECT report_kind, report_year, COUNT(*) FROM reports GROUP BY report_kind, report_year")
    return {(row[0], row[1]): row[2] for row in rows}


def years_of(store: Store, kind: str) -> list[int]:
    """The report years of one kind the store holds, in order."""
    rows = store.db.execute("SELECT DISTINCT report_year FROM reports WHERE report_kind=? AND report_year IS NOT NULL"
                            " ORDER BY report_year", (kind,))
    return [row[0] for row in rows]


def stored_assessment(store: Store, report_id: str) -> dict | None:
    """The stored compliance JSON of a report, or None when it is not (yet) assessed."""
    ensure_table(store)
    row = store.db.execute("SELECT assessment FROM compliance WHERE report_id=?", (report_id,)).fetchone()
    return json.loads(row[0]) if row else None
