"""The report store: one SQLite file holding every cleaned report and where it came from.

The store is the source of truth; the index is derived from it and can always be
rebuilt. A report has one or more sources (the same report posted on several
portals is one report); each source remembers the hash of the page bytes it was
last cleaned from, so re-importing an unchanged page does nothing.
"""
from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from .errors import GovsearchError
from .models import Attachment, Paragraph, RawPage, Region, Report, Reuse, Statistics, StoredReport, Table
from .sqlitedb import SQLiteFile

LOGGER = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    report_id     TEXT PRIMARY KEY,
    content_hash  TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    report        TEXT NOT NULL,          -- Report as JSON (Report.to_dict plus extra)
    report_kind   TEXT NOT NULL,
    report_year   INTEGER,
    publish_date  TEXT,
    issuer        TEXT,
    region_code   TEXT,
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    last_changed  TEXT NOT NULL,
    tokens        TEXT,                   -- JSON: per paragraph, "\x1f"-joined index tokens
    tokens_version TEXT                   -- analyzer fingerprint the tokens were made with
);
CREATE INDEX IF NOT EXISTS reports_fingerprint ON reports(fingerprint);
-- content_hashes() reads this alone instead of scanning every report's JSON.
CREATE INDEX IF NOT EXISTS reports_hash ON reports(report_id, content_hash);
CREATE INDEX IF NOT EXISTS reports_issuer ON reports(issuer);
CREATE INDEX IF NOT EXISTS reports_region ON reports(region_code, report_kind);
CREATE TABLE IF NOT EXISTS sources (
    source       TEXT PRIMARY KEY,        -- URL, or file:// path of a saved page
    report_id    TEXT NOT NULL REFERENCES reports(report_id) ON DELETE CASCADE,
    page_hash    TEXT NOT NULL,           -- sha256 of the page bytes last cleaned
    url          TEXT,
    first_seen   TEXT NOT NULL,
    last_seen    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sources_report ON sources(report_id);
"""
# The store's schema version (PRAGMA user_version). A data folder written by an older
# version is brought forward by the migrations below, in order, when it is opened; one
# written by a newer version is refused rather than damaged.
SCHEMA_VERSION = 3


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def content_hash(report: Report) -> str:
    """Hash of everything the index shows of a report; a change means reindex it."""
    payload = json.dumps(report.to_dict(), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def report_from_dict(data: dict) -> Report:
    """Inverse of Report.to_dict (plus the stored ``extra``)."""
    region = data.get("region") or {}
    return Report(
        title=data.get("title"),
        title_derived=bool(data.get("title_derived")),
        report_kind=data["report_kind"],
        kind_detail=data.get("kind_detail"),
        kind_reason=data.get("kind_reason"),
        issuer=data.get("issuer"),
        region=Region(**{k: region.get(k) for k in ("province", "city", "county", "code")}),
        report_year=data.get("report_year"),
        publish_date=data.get("publish_date"),
        index_number=data.get("index_number"),
        source_url=data.get("source_url"),
        attachments=tuple(Attachment(**a) for a in data.get("attachments", ())),
        quality=tuple(data.get("quality", ())),
        synthetic=bool(data.get("synthetic")),
        paragraphs=tuple(
            Paragraph.from_dict(p) for p in data.get("paragraphs", ())
        ),
        extra=data.get("extra") or {},
        tables=tuple(Table.from_dict(t) for t in data.get("tables") or ()),
        statistics=Statistics.from_dict(data["statistics"]) if data.get("statistics") else None,
        reuse=Reuse.from_dict(data["reuse"]) if data.get("reuse") else None,
    )


def _token_columns(db: sqlite3.Connection) -> None:
    """1: each report caches its paragraphs' index tokens (added before versions were numbered)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(reports)")}
    for name in ("tokens", "tokens_version"):
        if name not in columns:
            db.execute(f"ALTER TABLE reports ADD COLUMN {name} TEXT")


_RAW_PAGES = (
    # The bytes every source was last cleaned from (zlib), so a better cleaner can reach data
    # already collected (govsearch reclean). Keyed by their sha256, kept once.
    """CREATE TABLE IF NOT EXISTS raw_pages (
        page_hash    TEXT PRIMARY KEY,
        content      BLOB NOT NULL,           -- zlib-compressed page bytes
        size         INTEGER NOT NULL,        -- bytes before compression
        content_type TEXT,
        url          TEXT,
        headers      TEXT,                    -- JSON of the RawPage headers
        kept_at      TEXT NOT NULL
    )""",
    # Pages the cleaner refused (no report text, a challenge page …): why, and their bytes'
    # hash, so a later cleaner can look again.
    """CREATE TABLE IF NOT EXISTS refused (
        source       TEXT PRIMARY KEY,
        page_hash    TEXT NOT NULL,
        reason       TEXT NOT NULL,
        at           TEXT NOT NULL
    )""",
)


def _raw_pages(db: sqlite3.Connection) -> None:
    """2: the raw bytes of every source, and the pages the cleaner refused."""
    for statement in _RAW_PAGES:
        db.execute(statement)


_REUSE = """CREATE TABLE IF NOT EXISTS reuse (
    report_id          TEXT PRIMARY KEY,
    previous_report_id TEXT,              -- the same issuer's previous report of the kind, if any
    basis              TEXT NOT NULL,     -- fingerprints it was measured on: unchanged basis, no new measure
    ratio              REAL,              -- reused sentences / sentences (NULL without a previous report)
    sentences          INTEGER NOT NULL,
    reused             INTEGER NOT NULL
)"""


def _reuse_table(db: sqlite3.Connection) -> None:
    """3: each report's reuse of its issuer's previous report (search/reuse.py)."""
    db.execute(_REUSE)


MIGRATIONS = {1: _token_columns, 2: _raw_pages, 3: _reuse_table}


@dataclass(frozen=True)
class SourceRecord:
    source: str
    report_id: str
    page_hash: str


class Store(SQLiteFile):
    """SQLite-backed report store (``<data_dir>/store.sqlite``)."""

    SCHEMA = _SCHEMA
    FILE_NAME = "store.sqlite"

    def __init__(self, path: Path):
        super().__init__(path)
        self._migrate()

    def _migrate(self) -> None:
        """Bring a store written by an older version forward, one numbered step at a time."""
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise GovsearchError(f"{self.path} was written by a newer govsearch (store schema {version}, "
                                 f"this version knows {SCHEMA_VERSION}); upgrade govsearch to open it")
        for step in range(version + 1, SCHEMA_VERSION + 1):
            with self.transaction():
                MIGRATIONS[step](self.db)
                self.db.execute(f"PRAGMA user_version={step}")
            LOGGER.info("store %s migrated to schema %d", self.path, step)

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    # --- raw pages and refusals -----------------------------------------------
    def keep_raw(self, page: RawPage, page_hash: str, now: str) -> None:
        """Keep a page's bytes (compressed, once per content) for a later reclean."""
        if self.db.execute("SELECT 1 FROM raw_pages WHERE page_hash=?", (page_hash,)).fetchone():
            return
        self.db.execute(
            "INSERT OR IGNORE INTO raw_pages (page_hash, content, size, content_type, url, headers, kept_at)"
            " VALUES (?,?,?,?,?,?,?)",
            (page_hash, zlib.compress(page.content, 9), len(page.content), page.content_type, page.url,
             json.dumps(page.headers, ensure_ascii=False) if page.headers else None, now))

    def raw_page(self, source: str, page_hash: str) -> RawPage | None:
        """The kept bytes of a source as a RawPage, or None when they were not kept."""
        row = self.db.execute("SELECT * FROM raw_pages WHERE page_hash=?", (page_hash,)).fetchone()
        if row is None:
            return None
        return RawPage(content=zlib.decompress(row["content"]), source=source, url=row["url"],
                       headers=json.loads(row["headers"]) if row["headers"] else {}, content_type=row["content_type"])

    def record_refusal(self, source: str, page_hash: str, reason: str, now: str) -> None:
        """Remember that the cleaner refused a page (its bytes are kept by keep_raw)."""
        self.db.execute("INSERT INTO refused (source, page_hash, reason, at) VALUES (?,?,?,?)"
                        " ON CONFLICT(source) DO UPDATE SET page_hash=excluded.page_hash, reason=excluded.reason,"
                        " at=excluded.at", (source, page_hash, reason, now))

    def clear_refusal(self, source: str) -> None:
        self.db.execute("DELETE FROM refused WHERE source=?", (source,))

    def refusals(self) -> list[sqlite3.Row]:
        """(source, page_hash, reason, at) of every page the cleaner refused."""
        return self.db.execute("SELECT source, page_hash, reason, at FROM refused ORDER BY at, source").fetchall()

    def all_sources(self) -> list[sqlite3.Row]:
        """(source, report_id, page_hash, url, first_seen, last_seen) of every source, oldest first."""
        return self.db.execute("SELECT source, report_id, page_hash, url, first_seen, last_seen FROM sources"
                               " ORDER BY first_seen, source").fetchall()

    def remove_source(self, source: str) -> None:
        """Unlink a source; its report goes with it when no other source is left."""
        with self.transaction():
            row = self.db.execute("SELECT report_id FROM sources WHERE source=?", (source,)).fetchone()
            self.db.execute("DELETE FROM sources WHERE source=?", (source,))
            if row:
                self.db.execute("DELETE FROM reports WHERE report_id=? AND NOT EXISTS"
                                " (SELECT 1 FROM sources WHERE sources.report_id=?)", (row["report_id"], row["report_id"]))

    # --- sources -------------------------------------------------------------
    def source(self, source: str) -> SourceRecord | None:
        row = self.db.execute("SELECT source, report_id, page_hash FROM sources WHERE source=?", (source,)).fetchone()
        return SourceRecord(row["source"], row["report_id"], row["page_hash"]) if row else None

    def touch_source(self, source: str, now: str) -> None:
        """Record that an unchanged page was seen again."""
        with self.transaction():
            row = self.db.execute("SELECT report_id FROM sources WHERE source=?", (source,)).fetchone()
            self.db.execute("UPDATE sources SET last_seen=? WHERE source=?", (now, source))
            if row:
                self.db.execute("UPDATE reports SET last_seen=? WHERE report_id=?", (now, row["report_id"]))

    def sources_of(self, report_id: str) -> list[str]:
        rows = self.db.execute(
            "SELECT source, url FROM sources WHERE report_id=? ORDER BY first_seen, source", (report_id,)
        )
        return [row["url"] or row["source"] for row in rows]

    # --- reports -------------------------------------------------------------
    def find_by_fingerprint(self, fingerprint: str) -> str | None:
        row = self.db.execute("SELECT report_id FROM reports WHERE fingerprint=?", (fingerprint,)).fetchone()
        return row["report_id"] if row else None

    def save(self, report_id: str, report: Report, fingerprint: str, source: str, page_hash: str, now: str,
             tokens: list[list[str]] | None = None, tokens_version: str | None = None) -> bool:
        """Insert or replace a report and link the source to it; True when the content changed.

        ``tokens`` (one token list per paragraph) is a cache for the index, kept with the
        analyzer version that made it.
        """
        if report.reuse is None:  # the cleaner never knows it: keep what the store measured
            report = report.replace(reuse=self.reuse_of(report_id))
        new_hash = content_hash(report)
        token_json = json.dumps(["\x1f".join(t) for t in tokens], ensure_ascii=False) if tokens is not None else None
        payload = dict(report.to_dict(), extra=report.extra)
        with self.transaction():
            row = self.db.execute("SELECT content_hash FROM reports WHERE report_id=?", (report_id,)).fetchone()
            changed = row is None or row["content_hash"] != new_hash
            columns = (
                new_hash, fingerprint, json.dumps(payload, ensure_ascii=False), report.report_kind,
                report.report_year, report.publish_date, report.issuer, report.region.code,
            )
            if row is None:
                self.db.execute(
                    "INSERT INTO reports (content_hash, fingerprint, report, report_kind, report_year, publish_date,"
                    " issuer, region_code, report_id, first_seen, last_seen, last_changed, tokens, tokens_version)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (*columns, report_id, now, now, now, token_json, tokens_version),
                )
            elif changed:
                self.db.execute(
                    "UPDATE reports SET content_hash=?, fingerprint=?, report=?, report_kind=?, report_year=?,"
                    " publish_date=?, issuer=?, region_code=?, last_seen=?, last_changed=?, tokens=?, tokens_version=?"
                    " WHERE report_id=?",
                    (*columns, now, now, token_json, tokens_version, report_id),
                )
            else:
                self.db.execute("UPDATE reports SET last_seen=? WHERE report_id=?", (now, report_id))
            self._point_source(source, report_id, page_hash, report.source_url, now)
        return changed

    def link_source(self, report_id: str, source: str, page_hash: str, url: str | None, now: str) -> None:
        """Attach another copy of an existing report (same report, another portal)."""
        with self.transaction():
            self._point_source(source, report_id, page_hash, url, now)
            self.db.execute("UPDATE reports SET last_seen=? WHERE report_id=?", (now, report_id))

    def _point_source(self, source: str, report_id: str, page_hash: str, url: str | None, now: str) -> None:
        """Link a source to a report; a report left with no source by the move is dropped."""
        row = self.db.execute("SELECT report_id FROM sources WHERE source=?", (source,)).fetchone()
        self.db.execute(
            "INSERT INTO sources (source, report_id, page_hash, url, first_seen, last_seen) VALUES (?,?,?,?,?,?)"
            " ON CONFLICT(source) DO UPDATE SET report_id=excluded.report_id, page_hash=excluded.page_hash,"
            " url=COALESCE(excluded.url, sources.url), last_seen=excluded.last_seen",
            (source, report_id, page_hash, url, now, now),
        )
        previous = row["report_id"] if row else None
        if previous and previous != report_id:
            self.db.execute("DELETE FROM reports WHERE report_id=? AND NOT EXISTS"
                            " (SELECT 1 FROM sources WHERE sources.report_id=?)", (previous, previous))

    def delete(self, report_id: str) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM sources WHERE report_id=?", (report_id,))
            self.db.execute("DELETE FROM reports WHERE report_id=?", (report_id,))

    def get(self, report_id: str, tokens_version: str | None = None) -> StoredReport | None:
        row = self.db.execute("SELECT * FROM reports WHERE report_id=?", (report_id,)).fetchone()
        return self._stored(row, tokens_version) if row else None

    def _stored(self, row: sqlite3.Row, tokens_version: str | None = None) -> StoredReport:
        tokens = None
        if tokens_version and row["tokens"] and row["tokens_version"] == tokens_version:
            tokens = tuple(tuple(t.split("\x1f")) if t else () for t in json.loads(row["tokens"]))
        return StoredReport(
            tokens=tokens,
            report_id=row["report_id"],
            report=report_from_dict(json.loads(row["report"])),
            content_hash=row["content_hash"],
            sources=tuple(self.sources_of(row["report_id"])),
            first_seen=row["first_seen"],
            last_seen=row["last_seen"],
            last_changed=row["last_changed"],
        )

    def report_ids(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT report_id FROM reports ORDER BY report_id")]

    def content_hashes(self) -> dict[str, str]:
        """report_id → content_hash of every report (what the index should contain)."""
        return {row[0]: row[1] for row in self.db.execute("SELECT report_id, content_hash FROM reports")}

    def iter_reports(self, report_ids: list[str] | None = None,
                     tokens_version: str | None = None) -> Iterator[StoredReport]:
        """Reports in id order (or the given ones); cached tokens only if made by ``tokens_version``."""
        for report_id in self.report_ids() if report_ids is None else report_ids:  # one row at a time: a province's store does not fit in memory twice
            stored = self.get(report_id, tokens_version)
            if stored is not None:
                yield stored

    def same_issuer(self, issuer: str, exclude: str | None = None) -> list[tuple[str, int | None, str]]:
        """(report_id, report_year, report_kind) of the issuer's reports, newest first."""
        rows = self.db.execute(
            "SELECT report_id, report_year, report_kind FROM reports WHERE issuer=? AND report_id != ?"
            " ORDER BY report_year DESC",
            (issuer, exclude or ""),
        )
        return [(row[0], row[1], row[2]) for row in rows]

    def same_region(self, region_code: str, report_kind: str, limit: int = 40) -> list[tuple[str, int | None, str | None]]:
        """(report_id, report_year, issuer) of reports of one kind for exactly this region, newest first."""
        rows = self.db.execute(
            "SELECT report_id, report_year, issuer FROM reports WHERE region_code=? AND report_kind=?"
            " ORDER BY report_year DESC LIMIT ?", (region_code, report_kind, limit))
        return [(row[0], row[1], row[2]) for row in rows]

    def select_ids(self, kind: str | None = None, year: int | None = None, issuer: str | None = None) -> list[str]:
        """Ids of the reports of a kind, a report year and an issuer (each optional), by year then id."""
        clauses, values = [], []
        for column, value in (("report_kind", kind), ("report_year", year), ("issuer", issuer)):
            if value is not None:
                clauses.append(f"{column}=?")
                values.append(value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return [row[0] for row in self.db.execute(
            f"SELECT report_id FROM reports{where} ORDER BY report_year, report_id", values)]

    def facts(self, kind: str | None = None) -> list[sqlite3.Row]:
        """(report_id, report_year, issuer, region_code) of every report (of a kind): what pickers offer."""
        if kind is None:
            return self.db.execute("SELECT report_id, report_year, issuer, region_code FROM reports").fetchall()
        return self.db.execute("SELECT report_id, report_year, issuer, region_code FROM reports WHERE report_kind=?",
                               (kind,)).fetchall()

    # --- reuse (search/reuse.py, search/reuse_refresh.py) ----------------------
    def reuse_basis(self) -> list[sqlite3.Row]:
        """(report_id, issuer, report_kind, report_year, fingerprint, basis) of every report."""
        return self.db.execute(
            "SELECT r.report_id, r.issuer, r.report_kind, r.report_year, r.fingerprint, u.basis"
            " FROM reports r LEFT JOIN reuse u ON u.report_id = r.report_id ORDER BY r.report_id").fetchall()

    def reuse_of(self, report_id: str) -> Reuse | None:
        """The reuse last measured for a report (None before the first measure)."""
        row = self.db.execute("SELECT * FROM reuse WHERE report_id=?", (report_id,)).fetchone()
        if row is None:
            return None
        return Reuse(row["previous_report_id"], row["ratio"], row["sentences"], row["reused"])

    def set_reuse(self, report_id: str, reuse: Reuse, basis: str) -> None:
        """Record a report's reuse, and put it in the stored report (its content hash changes
        with it, so the next reindex carries the new figure; last_changed stays: the text did not)."""
        with self.transaction():
            row = self.db.execute("SELECT report FROM reports WHERE report_id=?", (report_id,)).fetchone()
            self.db.execute("INSERT INTO reuse (report_id, previous_report_id, basis, ratio, sentences, reused)"
                            " VALUES (?,?,?,?,?,?) ON CONFLICT(report_id) DO UPDATE SET"
                            " previous_report_id=excluded.previous_report_id, basis=excluded.basis,"
                            " ratio=excluded.ratio, sentences=excluded.sentences, reused=excluded.reused",
                            (report_id, reuse.previous_report_id, basis, reuse.reused_sentence_ratio,
                             reuse.sentences, reuse.reused))
            if row is None:
                return
            data = json.loads(row["report"])
            report = report_from_dict(data).replace(reuse=reuse)
            payload = dict(report.to_dict(), extra=data.get("extra") or {})
            self.db.execute("UPDATE reports SET report=?, content_hash=? WHERE report_id=?",
                            (json.dumps(payload, ensure_ascii=False), content_hash(report), report_id))

    def drop_stale_reuse(self) -> int:
        """Forget the reuse of reports no longer in the store."""
        return self.db.execute("DELETE FROM reuse WHERE report_id NOT IN (SELECT report_id FROM reports)").rowcount

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
