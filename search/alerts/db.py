"""The alerts database: users, saved queries, alert items, their deliveries, and the report ledger.

One SQLite file, ``<data_dir>/alerts.sqlite``, beside the report store. It is the
only memory of what was alerted and delivered, so every state change that matters
for "exactly once" is a single transaction here.
"""
from __future__ import annotations

import json
import secrets
import sqlite3
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Iterable

from ..engine.contract import Filters  # the search filters a saved query carries (the search page's)
from ..errors import GovsearchError
from ..sqlitedb import SQLiteFile

FREQUENCIES = ("immediate", "daily", "weekly")
DIGEST_PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
CHANNELS = ("email", "webhook")  # channels with a delivery to confirm; the inbox and Atom need none
ITEM_KINDS = ("new", "updated", "reported", "source_changed", "source_gone")  # the last three: search.alerts.events

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,      -- lower-cased
    password_hash TEXT NOT NULL,             -- werkzeug hash; '' = cannot log in (made by the CLI)
    feed_token    TEXT NOT NULL UNIQUE,      -- the secret in /feeds/<token>.atom
    created_at    TEXT NOT NULL,
    session_token TEXT NOT NULL DEFAULT ''   -- in every login session; renewed at logout and password change
);
-- AUTOINCREMENT: a deleted saved query's id is never reused, so item ids never repeat.
CREATE TABLE IF NOT EXISTS saved_queries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    query         TEXT NOT NULL,
    filters       TEXT NOT NULL,             -- Filters as JSON
    frequency     TEXT NOT NULL CHECK (frequency IN ('immediate', 'daily', 'weekly')),
    email         INTEGER NOT NULL,
    atom          INTEGER NOT NULL,
    webhook_url   TEXT,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    last_email_at TEXT,                      -- last digest sent (daily/weekly are due from here)
    last_error    TEXT,                      -- why the last alerts run could not search this query (NULL: it could)
    last_error_at TEXT
);
CREATE INDEX IF NOT EXISTS saved_queries_user ON saved_queries(user_id);
CREATE TABLE IF NOT EXISTS alert_items (
    id             TEXT PRIMARY KEY,         -- stable: Message-ID and Idempotency-Key
    saved_query_id INTEGER NOT NULL REFERENCES saved_queries(id) ON DELETE CASCADE,
    report_id      TEXT NOT NULL,
    content_hash   TEXT NOT NULL,            -- the report version that fired
    kind           TEXT NOT NULL,            -- new | updated
    title          TEXT NOT NULL,
    details        TEXT NOT NULL,            -- report metadata and matching paragraphs (JSON)
    created_at     TEXT NOT NULL,
    read_at        TEXT,
    UNIQUE (saved_query_id, report_id, content_hash)
);
CREATE INDEX IF NOT EXISTS alert_items_query ON alert_items(saved_query_id, created_at);
CREATE TABLE IF NOT EXISTS deliveries (
    item_id         TEXT NOT NULL REFERENCES alert_items(id) ON DELETE CASCADE,
    channel         TEXT NOT NULL,           -- email | webhook
    state           TEXT NOT NULL,           -- pending | delivered | cancelled
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    last_attempt_at TEXT,
    delivered_at    TEXT,
    PRIMARY KEY (item_id, channel)
);
CREATE INDEX IF NOT EXISTS deliveries_state ON deliveries(state, channel);
-- What the alerts last considered of each indexed report: its version and paragraph hashes,
-- so the next run sees only what is new or changed, and can tell what changed.
CREATE TABLE IF NOT EXISTS report_ledger (
    report_id        TEXT PRIMARY KEY,
    content_hash     TEXT NOT NULL,
    paragraph_hashes TEXT NOT NULL,          -- JSON list
    considered_at    TEXT NOT NULL
);
"""
# Columns added after the first release: (table, column, declaration). Files made before
# get them on open (SQLite's ALTER TABLE ADD COLUMN keeps every row).
_ADDED_COLUMNS = (
    ("saved_queries", "last_error", "TEXT"),
    ("saved_queries", "last_error_at", "TEXT"),
    ("users", "session_token", "TEXT NOT NULL DEFAULT ''"),
)


class AccountExists(GovsearchError):
    """An account with this email address already exists."""


@dataclass(frozen=True)
class User:
    id: int
    email: str
    password_hash: str
    feed_token: str
    created_at: str
    session_token: str = ""


@dataclass(frozen=True)
class SavedQuery:
    id: int
    user_id: int
    name: str
    query: str
    filters: Filters
    frequency: str
    email: bool
    atom: bool
    webhook_url: str | None
    active: bool
    created_at: str
    updated_at: str
    last_email_at: str | None
    last_error: str | None = None  # why the last alerts run could not search it (shown to its owner)
    last_error_at: str | None = None


@dataclass(frozen=True)
class AlertItem:
    id: str
    saved_query_id: int
    report_id: str
    content_hash: str
    kind: str
    title: str
    details: dict[str, Any]
    created_at: str
    read_at: str | None = None


@dataclass(frozen=True)
class LedgerEntry:
    content_hash: str
    paragraph_hashes: frozenset[str] = field(default_factory=frozenset)


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class AlertsDB(SQLiteFile):
    """Access to alerts.sqlite. Use as a context manager or call close()."""

    SCHEMA = _SCHEMA
    FILE_NAME = "alerts.sqlite"

    def __init__(self, path):
        super().__init__(path)
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        """Bring a file made by an older version up to this schema (once; concurrent openers wait)."""
        def missing() -> list[tuple[str, str, str]]:
            present = {(table, row["name"]) for table in {t for t, _c, _d in _ADDED_COLUMNS}
                       for row in self.db.execute(f"PRAGMA table_info({table})")}
            return [added for added in _ADDED_COLUMNS if added[:2] not in present]

        if not missing():
            return
        with self.transaction():
            for table, column, declaration in missing():  # again under the lock: another process may have won
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")

    # --- users ---------------------------------------------------------------
    def create_user(self, email: str, password_hash: str, now: str) -> User:
        email = email.strip().lower()
        try:
            cursor = self.db.execute(
                "INSERT INTO users (email, password_hash, feed_token, created_at, session_token) VALUES (?,?,?,?,?)",
                (email, password_hash, new_feed_token(), now, new_session_token()))
        except sqlite3.IntegrityError:
            raise AccountExists(f"an account for {email} already exists") from None
        return self.user(cursor.lastrowid)

    def user(self, user_id: int) -> User | None:
        row = self.db.execute("SELECT * FROM users WHERE id=?", (user_id,)).fetchone()
        return User(**dict(row)) if row else None

    def user_by_email(self, email: str) -> User | None:
        row = self.db.execute("SELECT * FROM users WHERE email=?", (email.strip().lower(),)).fetchone()
        return User(**dict(row)) if row else None

    def user_by_feed_token(self, token: str) -> User | None:
        row = self.db.execute("SELECT * FROM users WHERE feed_token=?", (token,)).fetchone()
        return User(**dict(row)) if row else None

    def renew_feed_token(self, user_id: int) -> str:
        token = new_feed_token()
        self.db.execute("UPDATE users SET feed_token=? WHERE id=?", (token, user_id))
        return token

    def set_password(self, user_id: int, password_hash: str) -> None:
        """A new password ends every session of the account (they carry the old session token)."""
        self.db.execute("UPDATE users SET password_hash=?, session_token=? WHERE id=?",
                        (password_hash, new_session_token(), user_id))

    def session_token(self, user_id: int) -> str:
        """The token every login session of this user carries; made on first use for older accounts."""
        row = self.db.execute("SELECT session_token FROM users WHERE id=?", (user_id,)).fetchone()
        if row is None:
            return ""
        if row[0]:
            return row[0]
        self.db.execute("UPDATE users SET session_token=? WHERE id=? AND session_token=''",
                        (new_session_token(), user_id))
        return self.db.execute("SELECT session_token FROM users WHERE id=?", (user_id,)).fetchone()[0]

    def renew_session_token(self, user_id: int) -> str:
        """End every session of this user (logout, password change): old cookies carry the old token."""
        token = new_session_token()
        self.db.execute("UPDATE users SET session_token=? WHERE id=?", (token, user_id))
        return token

    # --- saved queries -------------------------------------------------------
    def add_saved_query(self, user_id: int, name: str, query: str, filters: Filters, frequency: str,
                        email: bool, atom: bool, webhook_url: str | None, now: str) -> SavedQuery:
        if frequency not in FREQUENCIES:
            raise ValueError(f"frequency must be one of {FREQUENCIES}")
        cursor = self.db.execute(
            "INSERT INTO saved_queries (user_id, name, query, filters, frequency, email, atom, webhook_url,"
            " active, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,1,?,?)",
            (user_id, name, query, json.dumps(filters.to_dict(), ensure_ascii=False), frequency, int(email),
             int(atom), webhook_url or None, now, now))
        return self.saved_query(cursor.lastrowid)

    def saved_query(self, query_id: int, user_id: int | None = None) -> SavedQuery | None:
        """One saved query; with ``user_id``, only if that user owns it (others see nothing)."""
        if not -2**63 <= query_id < 2**63:  # /alerts/queries/<huge number>: no such query, not an OverflowError
            return None
        sql, args = "SELECT * FROM saved_queries WHERE id=?", [query_id]
        if user_id is not None:
            sql, args = sql + " AND user_id=?", args + [user_id]
        row = self.db.execute(sql, args).fetchone()
        return _saved_query(row) if row else None

    def saved_queries(self, user_id: int | None = None, active_only: bool = False) -> list[SavedQuery]:
        sql, args = "SELECT * FROM saved_queries WHERE 1=1", []
        if user_id is not None:
            sql, args = sql + " AND user_id=?", [user_id]
        if active_only:
            sql += " AND active=1"
        return [_saved_query(row) for row in self.db.execute(sql + " ORDER BY id", args)]

    def update_saved_query(self, query_id: int, now: str, **fields: Any) -> None:
        """Change some fields; turning a channel off cancels its deliveries still pending."""
        allowed = {"name", "query", "filters", "frequency", "email", "atom", "webhook_url", "active"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"cannot update {sorted(unknown)}")
        if "filters" in fields:
            fields["filters"] = json.dumps(fields["filters"].to_dict(), ensure_ascii=False)
        if fields.get("frequency", FREQUENCIES[0]) not in FREQUENCIES:
            raise ValueError(f"frequency must be one of {FREQUENCIES}")
        for flag in ("email", "atom", "active"):
            if flag in fields:
                fields[flag] = int(bool(fields[flag]))
        if "webhook_url" in fields:
            fields["webhook_url"] = fields["webhook_url"] or None
        with self.transaction():
            assignments = ", ".join(f"{name}=?" for name in fields)
            if "query" in fields or "filters" in fields:  # a changed query gets a fresh chance
                assignments += ", last_error=NULL, last_error_at=NULL"
            self.db.execute(f"UPDATE saved_queries SET {assignments}, updated_at=? WHERE id=?",
                            (*fields.values(), now, query_id))
            if fields.get("email") == 0:
                self._cancel(query_id, "email")
            if "webhook_url" in fields and fields["webhook_url"] is None:
                self._cancel(query_id, "webhook")

    def _cancel(self, query_id: int, channel: str) -> None:
        self.db.execute(
            "UPDATE deliveries SET state='cancelled' WHERE channel=? AND state='pending'"
            " AND item_id IN (SELECT id FROM alert_items WHERE saved_query_id=?)", (channel, query_id))

    def record_query_errors(self, errors: dict[int, str], succeeded: Iterable[int], now: str) -> None:
        """Note why some saved queries could not be searched this run; clear the note of those that could."""
        with self.transaction():
            self.db.executemany("UPDATE saved_queries SET last_error=?, last_error_at=? WHERE id=?",
                                [(error[:500], now, query_id) for query_id, error in errors.items()])
            self.db.executemany("UPDATE saved_queries SET last_error=NULL, last_error_at=NULL"
                                " WHERE id=? AND last_error IS NOT NULL", [(query_id,) for query_id in succeeded])

    def delete_saved_query(self, query_id: int) -> None:
        self.db.execute("DELETE FROM saved_queries WHERE id=?", (query_id,))

    # --- items and deliveries ------------------------------------------------
    def record_run(self, items: Iterable[tuple[AlertItem, tuple[str, ...]]],
                   ledger: dict[str, LedgerEntry], removed: Iterable[str], now: str) -> int:
        """Persist a run's new items (each with its channels, pending) and the ledger, atomically.

        Items already recorded (same saved query, report and version) are left alone, so a run
        repeated after a crash creates nothing twice. Returns the number of new items.
        """
        created = 0
        with self.transaction():
            for item, channels in items:
                # SELECT … WHERE EXISTS: a saved query deleted while the run matched gets nothing.
                cursor = self.db.execute(
                    "INSERT OR IGNORE INTO alert_items (id, saved_query_id, report_id, content_hash, kind, title,"
                    " details, created_at) SELECT ?,?,?,?,?,?,?,? WHERE EXISTS (SELECT 1 FROM saved_queries WHERE id=?)",
                    (item.id, item.saved_query_id, item.report_id, item.content_hash, item.kind, item.title,
                     json.dumps(item.details, ensure_ascii=False), item.created_at, item.saved_query_id))
                if cursor.rowcount:
                    created += 1
                    self.db.executemany("INSERT OR IGNORE INTO deliveries (item_id, channel, state) VALUES (?,?,'pending')",
                                        [(item.id, channel) for channel in channels])
            self.db.executemany(
                "INSERT INTO report_ledger (report_id, content_hash, paragraph_hashes, considered_at) VALUES (?,?,?,?)"
                " ON CONFLICT(report_id) DO UPDATE SET content_hash=excluded.content_hash,"
                " paragraph_hashes=excluded.paragraph_hashes, considered_at=excluded.considered_at",
                [(rid, e.content_hash, json.dumps(sorted(e.paragraph_hashes)), now) for rid, e in ledger.items()])
            self.db.executemany("DELETE FROM report_ledger WHERE report_id=?", [(rid,) for rid in removed])
        return created

    def ledger(self) -> dict[str, str]:
        """report_id → the content hash the alerts last considered."""
        return {row[0]: row[1] for row in self.db.execute("SELECT report_id, content_hash FROM report_ledger")}

    def ledger_entry(self, report_id: str) -> LedgerEntry | None:
        row = self.db.execute("SELECT content_hash, paragraph_hashes FROM report_ledger WHERE report_id=?",
                              (report_id,)).fetchone()
        return LedgerEntry(row[0], frozenset(json.loads(row[1]))) if row else None

    def items(self, user_id: int, saved_query_id: int | None = None, limit: int = 100,
              atom_only: bool = False) -> list[tuple[AlertItem, SavedQuery]]:
        """A user's alert items, newest first, each with its saved query."""
        sql = ("SELECT i.*, q.id AS q_id FROM alert_items i JOIN saved_queries q ON q.id = i.saved_query_id"
               " WHERE q.user_id=?")
        args: list[Any] = [user_id]
        if saved_query_id is not None:
            sql, args = sql + " AND q.id=?", args + [saved_query_id]
        if atom_only:
            sql += " AND q.atom=1"
        rows = self.db.execute(sql + " ORDER BY i.created_at DESC, i.rowid DESC LIMIT ?", (*args, limit)).fetchall()
        queries = {q.id: q for q in self.saved_queries(user_id)}
        return [(_item(row), queries[row["q_id"]]) for row in rows]

    def unread_count(self, user_id: int) -> int:
        return self.db.execute(
            "SELECT COUNT(*) FROM alert_items i JOIN saved_queries q ON q.id = i.saved_query_id"
            " WHERE q.user_id=? AND i.read_at IS NULL", (user_id,)).fetchone()[0]

    def mark_read(self, user_id: int, now: str) -> None:
        self.db.execute(
            "UPDATE alert_items SET read_at=? WHERE read_at IS NULL AND saved_query_id IN"
            " (SELECT id FROM saved_queries WHERE user_id=?)", (now, user_id))

    def pending(self, channel: str) -> list[tuple[AlertItem, SavedQuery]]:
        """Items still to deliver on a channel, for active saved queries, oldest first."""
        rows = self.db.execute(
            "SELECT i.*, q.id AS q_id FROM deliveries d JOIN alert_items i ON i.id = d.item_id"
            " JOIN saved_queries q ON q.id = i.saved_query_id"
            " WHERE d.channel=? AND d.state='pending' AND q.active=1 ORDER BY i.created_at, i.id", (channel,)).fetchall()
        queries: dict[int, SavedQuery] = {}
        result = []
        for row in rows:
            if row["q_id"] not in queries:
                queries[row["q_id"]] = self.saved_query(row["q_id"])
            result.append((_item(row), queries[row["q_id"]]))
        return result

    def mark_delivered(self, item_ids: Iterable[str], channel: str, now: str,
                       digest_of: int | None = None) -> None:
        """Record a confirmed delivery (and, for a digest, when the saved query last got one)."""
        with self.transaction():
            self.db.executemany(
                "UPDATE deliveries SET state='delivered', delivered_at=?, attempts=attempts+1, last_attempt_at=?,"
                " last_error=NULL WHERE item_id=? AND channel=?", [(now, now, i, channel) for i in item_ids])
            if digest_of is not None:
                self.db.execute("UPDATE saved_queries SET last_email_at=? WHERE id=?", (now, digest_of))

    def mark_failed(self, item_ids: Iterable[str], channel: str, error: str, now: str) -> None:
        """Record a failed attempt; the delivery stays pending for the next run."""
        self.db.executemany(
            "UPDATE deliveries SET attempts=attempts+1, last_attempt_at=?, last_error=? WHERE item_id=? AND channel=?",
            [(now, error[:500], i, channel) for i in item_ids])

    def delivery_states(self, item_id: str) -> dict[str, str]:
        rows = self.db.execute("SELECT channel, state FROM deliveries WHERE item_id=?", (item_id,))
        return {row[0]: row[1] for row in rows}

    def query_counts(self, query_id: int) -> dict[str, int]:
        """Items and pending deliveries of one saved query (for listings)."""
        items = self.db.execute("SELECT COUNT(*) FROM alert_items WHERE saved_query_id=?", (query_id,)).fetchone()[0]
        pending = self.db.execute(
            "SELECT COUNT(*) FROM deliveries d JOIN alert_items i ON i.id = d.item_id"
            " WHERE i.saved_query_id=? AND d.state='pending'", (query_id,)).fetchone()[0]
        return {"items": items, "pending": pending}


def _saved_query(row: sqlite3.Row) -> SavedQuery:
    return SavedQuery(
        id=row["id"], user_id=row["user_id"], name=row["name"], query=row["query"],
        filters=Filters.from_dict(json.loads(row["filters"])), frequency=row["frequency"],
        email=bool(row["email"]), atom=bool(row["atom"]), webhook_url=row["webhook_url"],
        active=bool(row["active"]), created_at=row["created_at"], updated_at=row["updated_at"],
        last_email_at=row["last_email_at"], last_error=row["last_error"], last_error_at=row["last_error_at"])


def _item(row: sqlite3.Row) -> AlertItem:
    return AlertItem(id=row["id"], saved_query_id=row["saved_query_id"], report_id=row["report_id"],
                     content_hash=row["content_hash"], kind=row["kind"], title=row["title"],
                     details=json.loads(row["details"]), created_at=row["created_at"], read_at=row["read_at"])
