"""The crawler's on-disk memory: frontier, per-URL history and raw pages, safe to kill at any moment.

``<data_dir>/crawl.sqlite`` holds three tables:

* ``runs`` — one row per crawl of a set of profiles; a run that never finished is
  resumed by the next crawl of the same profiles instead of starting over.
* ``frontier`` — what a run still has to fetch (and what it already did), unique per
  (run, URL), so a link found twice is queued once.
* ``urls`` — the history of every report page and attachment: first seen, last seen,
  last changed, gone, ETag / Last-Modified, last status, the sha256 of the current
  bytes and the sha256 last handed over to the pipeline.

Raw bytes live in ``<data_dir>/raw/<sha[:2]>/<sha>`` (content-addressed, written to a
temporary file and renamed, so a kill never leaves half a file under a real name). A
fetch is recorded in one transaction *after* its bytes are on disk: killed before the
commit, the URL is simply fetched again; after it, never again in that run.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE TABLE IF NOT EXISTS frontier (
    run_id INTEGER NOT NULL,
    url TEXT NOT NULL,
    kind TEXT NOT NULL,            -- list | report | attachment | maybe_attachment (type unknown until fetched)
    profile TEXT NOT NULL,
    referer TEXT,
    link_text TEXT,
    list_root TEXT,                -- the start URL a list page descends from
    seq INTEGER NOT NULL,          -- discovery order (breadth-first)
    state TEXT NOT NULL DEFAULT 'queued',  -- queued | done | failed | blocked | refused | disallowed | skipped
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL DEFAULT 0,    -- epoch seconds: retry backoff / Retry-After
    error TEXT,
    PRIMARY KEY (run_id, url)
);
CREATE INDEX IF NOT EXISTS frontier_queue ON frontier(run_id, state, seq);
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY,
    kind TEXT NOT NULL,            -- report | attachment
    profile TEXT,
    referer TEXT,
    link_text TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT,
    last_changed TEXT,
    gone_at TEXT,
    status INTEGER,
    error TEXT,
    etag TEXT,
    last_modified TEXT,
    sha256 TEXT,
    content_type TEXT,
    headers TEXT,                  -- JSON of the response headers of the stored bytes
    fetched_at TEXT,
    handed_sha256 TEXT             -- sha256 last given to the pipeline (mark_ingested)
);
CREATE INDEX IF NOT EXISTS urls_sha256 ON urls(sha256);
CREATE INDEX IF NOT EXISTS urls_profile ON urls(profile);
"""


def now_iso() -> str:
    """Current UTC time as ISO 8601 with seconds."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class RawStore:
    """Content-addressed page bytes under ``<data_dir>/raw``."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes) -> str:
        """Store bytes (once per content) and return their sha256."""
        sha256 = hashlib.sha256(content).hexdigest()
        target = self.path(sha256)
        if target.exists():
            return sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return sha256

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()


class CrawlState:
    """Connection to ``crawl.sqlite`` plus the raw store; one per process."""

    def __init__(self, data_dir: str | Path):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.raw = RawStore(self.data_dir / "raw")
        self.db = sqlite3.connect(self.data_dir / "crawl.sqlite", timeout=30, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        # WAL: readers (pending_pages in another process) never block the crawler.
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def transaction(self) -> "_Transaction":
        return _Transaction(self.db)

    # --- runs -------------------------------------------------------------
    def open_run(self, scope: str) -> tuple[int, bool]:
        """The unfinished run of this scope (resumed=True), or a new one."""
        row = self.db.execute(
            "SELECT run_id FROM runs WHERE scope=? AND finished_at IS NULL ORDER BY run_id DESC LIMIT 1", (scope,)
        ).fetchone()
        if row:
            return row["run_id"], True
        cursor = self.db.execute("INSERT INTO runs(scope, started_at) VALUES (?, ?)", (scope, now_iso()))
        return cursor.lastrowid, False

    def finish_run(self, run_id: int) -> None:
        self.db.execute("UPDATE runs SET finished_at=? WHERE run_id=?", (now_iso(), run_id))

    # --- frontier ---------------------------------------------------------
    def enqueue(self, run_id: int, entries: Iterable[dict[str, Any]]) -> int:
        """Queue links for this run; a URL already in the run is left alone. Returns how many were new."""
        added = 0
        next_seq = self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM frontier WHERE run_id=?", (run_id,)).fetchone()[0]
        for entry in entries:
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO frontier(run_id, url, kind, profile, referer, link_text, list_root, seq)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, entry["url"], entry["kind"], entry["profile"], entry.get("referer"),
                 entry.get("link_text"), entry.get("list_root"), next_seq),
            )
            if cursor.rowcount:
                added += 1
                next_seq += 1
        return added

    def queued(self, run_id: int, limit: int = 500) -> list[sqlite3.Row]:
        """The head of the queue in discovery order (bounded: the scheduler looks at it every fetch)."""
        return self.db.execute(
            "SELECT * FROM frontier WHERE run_id=? AND state='queued' ORDER BY seq LIMIT ?", (run_id, limit)
        ).fetchall()

    def count_frontier(self, run_id: int, *, kind: str | None = None, state: str | None = None,
                       profile: str | None = None, list_root: str | None = None) -> int:
        sql, args = "SELECT COUNT(*) FROM frontier WHERE run_id=?", [run_id]
        for column, value in (("kind", kind), ("state", state), ("profile", profile), ("list_root", list_root)):
            if value is not None:
                sql += f" AND {column}=?"
                args.append(value)
        return self.db.execute(sql, args).fetchone()[0]

    def settle(self, run_id: int, url: str, state: str, error: str | None = None) -> None:
        self.db.execute("UPDATE frontier SET state=?, error=? WHERE run_id=? AND url=?", (state, error, run_id, url))

    def postpone(self, run_id: int, url: str, not_before: float, error: str) -> None:
        self.db.execute(
            "UPDATE frontier SET attempts=attempts+1, not_before=?, error=? WHERE run_id=? AND url=?",
            (not_before, error, run_id, url),
        )

    # --- per-URL history ----------------------------------------------------
    def history(self, url: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM urls WHERE url=?", (url,)).fetchone()

    def known_urls(self, profile: str) -> list[sqlite3.Row]:
        return self.db.execute(
            "SELECT url, kind, referer, link_text FROM urls WHERE profile=? AND gone_at IS NULL", (profile,)
        ).fetchall()

    def record_fetch(self, entry: sqlite3.Row, *, status: int, sha256: str | None, headers: dict[str, str],
                     content_type: str | None, fetched_at: str, kind: str | None = None) -> str:
        """Remember a 200 or 304 for a report/attachment; returns new | changed | unchanged."""
        previous = self.history(entry["url"])
        kind = kind or entry["kind"]
        etag = next((value for name, value in headers.items() if name.lower() == "etag"), None)
        last_modified = next((value for name, value in headers.items() if name.lower() == "last-modified"), None)
        if previous is None:
            self.db.execute(
                "INSERT INTO urls(url, kind, profile, referer, link_text, first_seen, last_seen, last_changed,"
                " status, etag, last_modified, sha256, content_type, headers, fetched_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (entry["url"], kind, entry["profile"], entry["referer"], entry["link_text"], fetched_at,
                 fetched_at, fetched_at, status, etag, last_modified, sha256, content_type,
                 json.dumps(headers, ensure_ascii=False), fetched_at),
            )
            return "new"
        if previous["sha256"] is None and status == 304:
            return "unchanged"  # cannot happen without validators, but never count a 304 as content
        unchanged = status == 304 or sha256 == previous["sha256"]
        if unchanged:
            self.db.execute(
                "UPDATE urls SET last_seen=?, gone_at=NULL, status=?, error=NULL,"
                " etag=COALESCE(?, etag), last_modified=COALESCE(?, last_modified) WHERE url=?",
                (fetched_at, status, etag, last_modified, entry["url"]),
            )
            return "unchanged"
        self.db.execute(
            "UPDATE urls SET last_seen=?, last_changed=?, gone_at=NULL, status=?, error=NULL, etag=?, last_modified=?,"
            " sha256=?, content_type=?, headers=?, fetched_at=?, referer=COALESCE(?, referer),"
            " link_text=COALESCE(?, link_text) WHERE url=?",
            (fetched_at, fetched_at, status, etag, last_modified, sha256, content_type,
             json.dumps(headers, ensure_ascii=False), fetched_at, entry["referer"], entry["link_text"], entry["url"]),
        )
        # A URL known only from failed attempts gives its first bytes now: that is new, not changed.
        return "new" if previous["sha256"] is None else "changed"

    def _ensure_row(self, entry: sqlite3.Row, when: str) -> None:
        """A history row for a URL that never gave usable bytes (so its errors are kept too)."""
        self.db.execute(
            "INSERT OR IGNORE INTO urls(url, kind, profile, referer, link_text, first_seen) VALUES (?, ?, ?, ?, ?, ?)",
            (entry["url"], entry["kind"], entry["profile"], entry["referer"], entry["link_text"], when),
        )

    def record_gone(self, entry: sqlite3.Row, status: int, when: str) -> bool:
        """Mark a URL gone (404/410); True when it had been seen alive before and was not gone yet."""
        previous = self.history(entry["url"])
        self._ensure_row(entry, when)
        self.db.execute("UPDATE urls SET gone_at=COALESCE(gone_at, ?), status=?, error=? WHERE url=?",
                        (when, status, f"HTTP {status}", entry["url"]))
        return previous is not None and previous["sha256"] is not None and previous["gone_at"] is None

    def record_error(self, entry: sqlite3.Row, status: int | None, error: str, when: str) -> None:
        """Keep the last error of a report/attachment URL (the stored bytes, if any, stay)."""
        self._ensure_row(entry, when)
        self.db.execute("UPDATE urls SET status=?, error=? WHERE url=?", (status, error, entry["url"]))


class _Transaction:
    """``with state.transaction():`` — BEGIN IMMEDIATE … COMMIT, ROLLBACK on error."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb) -> None:
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")
