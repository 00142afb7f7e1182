"""Two more events a saved query can ask for, beside new matching paragraphs (``matches``):

- **reported** (新发布报告): a report of the saved query's kinds and years appears for a
  region within its regions (any issuer by default; with ``issuers = expected`` only a
  county-level-and-above government's own report, once per government, kind and year: a
  coverage gap closing). Its text query is not needed and not used.
- **source** (来源变化): a source page of a report the saved query finds changed, or is gone
  (404/410), as the crawler recorded it (``last_changed`` / ``gone_at`` in crawl.sqlite).

Both go through the same alert items, deliveries and channels as matches, so they are
delivered exactly once the same way: each item has a stable id (saved query + report + what
happened), is recorded with its pending deliveries before anything is sent, and an item
recorded twice is ignored. This module keeps its own small ledgers in alerts.sqlite (the
reports and source pages it has considered), moved on only after the items are recorded: a
run killed in between finds the same items again, and recording them again does nothing.
Only what happened at or after a saved query was created fires for it.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from ..compliance import assess
from ..coverage.issuers import by_code
from ..engine import Engine, open_engine
from ..engine.documents import region_keys
from ..models import StoredReport
from ..normalize import search_form
from ..settings import Settings
from ..store import Store
from .db import AlertItem, AlertsDB, SavedQuery
from .links import item_id
from .matching import search_request

LOGGER = logging.getLogger(__name__)

MATCHES, REPORTED, SOURCE = "matches", "reported", "source"
EVENTS = (MATCHES, REPORTED, SOURCE)
EVENT_LABELS = {MATCHES: "新匹配的段落", REPORTED: "新发布的报告", SOURCE: "来源页面变化或删除"}
ISSUERS = ("any", "expected")  # reported: any issuer, or only the expected issuers (governments)

SCHEMA = """
CREATE TABLE IF NOT EXISTS saved_query_events (
    saved_query_id INTEGER PRIMARY KEY REFERENCES saved_queries(id) ON DELETE CASCADE,
    events         TEXT NOT NULL,            -- JSON list of matches | reported | source
    issuers        TEXT NOT NULL DEFAULT 'any'
);
-- Reports the reported event has considered (a report is new to it once).
CREATE TABLE IF NOT EXISTS reported_ledger (
    report_id     TEXT PRIMARY KEY,
    considered_at TEXT NOT NULL
);
-- Source pages the source event has considered, with the change and removal it last saw.
CREATE TABLE IF NOT EXISTS source_ledger (
    url           TEXT PRIMARY KEY,
    last_changed  TEXT,
    gone_at       TEXT,
    considered_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class EventSettings:
    events: tuple[str, ...] = (MATCHES,)
    issuers: str = "any"


def ensure_tables(db: AlertsDB) -> None:
    db.db.executescript(SCHEMA)


def event_settings(db: AlertsDB, saved_query_id: int) -> EventSettings:
    """The events a saved query asked for (matches only, unless it chose others)."""
    ensure_tables(db)
    row = db.db.execute("SELECT events, issuers FROM saved_query_events WHERE saved_query_id=?",
                        (saved_query_id,)).fetchone()
    if row is None:
        return EventSettings()
    events = tuple(e for e in json.loads(row[0]) if e in EVENTS)
    return EventSettings(events or (MATCHES,), row[1] if row[1] in ISSUERS else "any")


def set_events(db: AlertsDB, saved_query_id: int, events, issuers: str = "any") -> EventSettings:
    """Choose a saved query's events (unknown names are an error; none at all means matches)."""
    chosen = tuple(dict.fromkeys(events)) or (MATCHES,)
    unknown = set(chosen) - set(EVENTS)
    if unknown or issuers not in ISSUERS:
        raise ValueError(f"events must be among {EVENTS} and issuers among {ISSUERS}")
    ensure_tables(db)
    db.db.execute("INSERT INTO saved_query_events (saved_query_id, events, issuers) VALUES (?,?,?)"
                  " ON CONFLICT(saved_query_id) DO UPDATE SET events=excluded.events, issuers=excluded.issuers",
                  (saved_query_id, json.dumps(list(chosen)), issuers))
    return EventSettings(chosen, issuers)


def wants_matches(db: AlertsDB, saved_query: SavedQuery) -> bool:
    return MATCHES in event_settings(db, saved_query.id).events


# --- reported ---------------------------------------------------------------------------

def _in_filters(saved_query: SavedQuery, stored: StoredReport) -> bool:
    """The report is of the saved query's kinds, years and regions (its text and topics aside)."""
    report, filters = stored.report, saved_query.filters
    if filters.kinds and report.report_kind not in filters.kinds:
        return False
    year = report.report_year
    if filters.years and str(year) not in filters.years:
        return False
    if (filters.year_from or filters.year_to) and year is None:
        return False
    if filters.year_from and year < filters.year_from or filters.year_to and year > filters.year_to:
        return False
    if filters.regions:
        keys = {search_form(key) for key in region_keys(report.region)}
        if not keys & {search_form(region) for region in filters.regions}:
            return False
    return True


def _details(stored: StoredReport, saved_query: SavedQuery, event: dict) -> dict:
    report = stored.report
    return {
        "report": {"report_id": stored.report_id, "title": report.title or "(无标题)", "region": report.region.label(),
                   "report_year": report.report_year, "report_kind": report.report_kind, "issuer": report.issuer,
                   "publish_date": report.publish_date, "synthetic": report.synthetic},
        "query": saved_query.query, "matches": 0, "paragraphs": [], "event": event,
    }


def _item(saved_query: SavedQuery, stored: StoredReport, kind: str, key: str, event: dict, now: str,
          about: str | None = None) -> AlertItem:
    """An item whose id is stable for (saved query, what it is about, what happened); ``about`` is
    the report unless the event is about something wider (a government's kind and year)."""
    return AlertItem(id=item_id(saved_query.id, about or stored.report_id, key), saved_query_id=saved_query.id,
                     report_id=stored.report_id, content_hash=key, kind=kind, title=stored.report.title or "(无标题)",
                     details=_details(stored, saved_query, event), created_at=now)


def reported_items(store: Store, db: AlertsDB, indexed: dict[str, str], queries: list[tuple[SavedQuery, EventSettings]],
                   now: str) -> tuple[list[AlertItem], list[str]]:
    """Items for reports new to the reported event, and those reports (for its ledger)."""
    seen = {row[0] for row in db.db.execute("SELECT report_id FROM reported_ledger")}
    fresh = [report_id for report_id in sorted(indexed) if report_id not in seen]
    waiting: set[str] = set()
    items = []
    for stored in store.iter_reports(list(fresh)) if queries else ():
        if stored.content_hash != indexed.get(stored.report_id):
            waiting.add(stored.report_id)  # imported again, not yet reindexed: waits for the reindex
            continue
        compliance = None
        for saved_query, chosen in queries:
            if stored.first_seen < saved_query.created_at or not _in_filters(saved_query, stored):
                continue
            report = stored.report
            if chosen.issuers == "expected":
                compliance = compliance or assess(stored)
                code = report.region.code
                if compliance.issuer_level != "government" or code not in by_code():
                    continue
                key = f"reported:{code}:{report.report_kind}:{report.report_year}"  # once per government, kind, year
                issuer, about = by_code()[code].name, f"issuer:{code}"
            else:
                key, issuer, about = f"reported:{stored.report_id}", report.issuer, None
            compliance = compliance or assess(stored)
            event = {"type": "reported", "issuer": issuer, "expected_issuer": chosen.issuers == "expected",
                     "published_on_time": compliance.published_on_time, "deadline": compliance.deadline}
            items.append(_item(saved_query, stored, "reported", key, event, now, about))
    return items, [report_id for report_id in fresh if report_id not in waiting]


# --- source changed or gone --------------------------------------------------------------

def _source_changes(settings: Settings, db: AlertsDB) -> list[dict]:
    """Crawler histories whose change or removal the source event has not considered yet."""
    from ..crawl.handover import url_histories

    ledger = {row[0]: (row[1], row[2]) for row in
              db.db.execute("SELECT url, last_changed, gone_at FROM source_ledger")}
    out = []
    for history in url_histories(settings):
        changed = history["last_changed"] if history["last_changed"] and history["last_changed"] != history["first_seen"] \
            else None
        if (changed, history["gone_at"]) != ledger.get(history["url"], (None, None)):
            out.append(dict(history, changed=changed))
    return out


def _matching_reports(engine: Engine, saved_query: SavedQuery, report_ids: list[str]) -> set[str]:
    """Which of these reports the saved query finds (its text and filters)."""
    request = search_request(saved_query, tuple(report_ids), True, len(report_ids))
    return {hit.report_id for hit in engine.search(request).hits}


def source_items(settings: Settings, store: Store, db: AlertsDB, engine: Engine,
                 queries: list[SavedQuery], now: str) -> tuple[list[AlertItem], list[dict]]:
    """Items for source pages changed or gone since last considered, and those pages (for the ledger)."""
    changes = _source_changes(settings, db)
    if not changes or not queries:
        return [], changes
    reports: dict[str, str] = {}
    for change in changes:
        row = store.db.execute("SELECT report_id FROM sources WHERE source=? OR url=?",
                               (change["url"], change["url"])).fetchone()
        if row:
            reports[change["url"]] = row[0]
    items = []
    report_ids = sorted(set(reports.values()))
    indexed = engine.indexed()
    searchable = [r for r in report_ids if r in indexed]
    for saved_query in queries:
        found = _matching_reports(engine, saved_query, searchable) if searchable else set()
        for change in changes:
            report_id = reports.get(change["url"])
            if report_id not in found:
                continue
            stored = store.get(report_id)
            if stored is None:
                continue
            for kind, when in (("source_gone", change["gone_at"]), ("source_changed", change["changed"])):
                if not when or when < saved_query.created_at:
                    continue
                event = {"type": kind.removeprefix("source_"), "url": change["url"], "at": when,
                         "status": change["status"]}
                items.append(_item(saved_query, stored, kind, f"{kind}:{change['url']}:{when}", event, now))
    return items, changes


# --- one run -------------------------------------------------------------------------------

def match_events(settings: Settings, db: AlertsDB, now: datetime) -> int:
    """Record the reported and source items of every active saved query that asked for them,
    then move this module's ledgers on; returns how many items were new."""
    ensure_tables(db)
    stamp = now.isoformat(timespec="seconds")
    chosen = [(query, event_settings(db, query.id)) for query in db.saved_queries(active_only=True)]
    reporting = [(query, settings_) for query, settings_ in chosen if REPORTED in settings_.events]
    watching = [query for query, settings_ in chosen if SOURCE in settings_.events]
    engine = open_engine(settings)
    with Store.open(settings.data_dir) as store:
        indexed = engine.indexed()
        reported, considered = reported_items(store, db, indexed, reporting, stamp)
        sourced, changes = source_items(settings, store, db, engine, watching, stamp)
    items = [(item, _channels(query)) for item in reported + sourced
             for query in [next(q for q, _ in chosen if q.id == item.saved_query_id)]]
    created = db.record_run(items, {}, (), stamp) if items else 0
    with db.transaction():  # only after the items: a crash before this finds the same items again
        db.db.executemany("INSERT OR IGNORE INTO reported_ledger (report_id, considered_at) VALUES (?,?)",
                          [(report_id, stamp) for report_id in considered])
        db.db.executemany(
            "INSERT INTO source_ledger (url, last_changed, gone_at, considered_at) VALUES (?,?,?,?)"
            " ON CONFLICT(url) DO UPDATE SET last_changed=excluded.last_changed, gone_at=excluded.gone_at,"
            " considered_at=excluded.considered_at",
            [(change["url"], change["changed"], change["gone_at"], stamp) for change in changes])
    if created:
        LOGGER.info("alerts: %d new report / source item(s)", created)
    return created


def _channels(saved_query: SavedQuery) -> tuple[str, ...]:
    return (("email",) if saved_query.email else ()) + (("webhook",) if saved_query.webhook_url else ())
