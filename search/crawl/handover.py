"""Hand-over to the pipeline: new and changed pages as RawPage values, then a record that they were taken.

``pending_pages`` yields each report page and attachment whose current bytes have not
been handed over; ``mark_ingested`` records the hand-over. A kill between the two only
means the same bytes are offered again, which the store recognises as unchanged.
"""
from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..models import RawPage
from .state import CrawlState

LOGGER = logging.getLogger(__name__)

LINK_TEXT_HEADER = "X-Govsearch-Link-Text"
REFERER_HEADER = "X-Govsearch-Referer"
KIND_HEADER = "X-Govsearch-Kind"  # report | attachment


def _open(settings: Any) -> CrawlState | None:
    if not (Path(settings.data_dir) / "crawl.sqlite").exists():
        return None
    return CrawlState(settings.data_dir)


def _raw_page(state: CrawlState, row: sqlite3.Row) -> RawPage | None:
    try:
        content = state.raw.get(row["sha256"])
    except FileNotFoundError:
        LOGGER.warning("raw bytes of %s are missing from the raw store; it will be fetched again", row["url"])
        state.db.execute("UPDATE urls SET etag=NULL, last_modified=NULL WHERE url=?", (row["url"],))
        return None
    headers = json.loads(row["headers"] or "{}")
    headers[KIND_HEADER] = row["kind"]
    if row["referer"]:
        headers[REFERER_HEADER] = row["referer"]
    if row["link_text"]:
        headers[LINK_TEXT_HEADER] = row["link_text"]
    return RawPage(content=content, source=row["url"], url=row["url"], headers=headers,
                   fetched_at=row["fetched_at"], content_type=row["content_type"])


def pending_pages(settings: Any, *, include_handed: bool = False) -> Iterator[RawPage]:
    """Report pages and attachments fetched but not yet handed over (all stored ones with include_handed).

    Report pages come before attachments so a page's attachments follow the page.
    Bytes are read one page at a time; the list of URLs is taken when iteration starts.
    """
    state = _open(settings)
    if state is None:
        return
    try:
        condition = "" if include_handed else " AND (handed_sha256 IS NULL OR handed_sha256 != sha256)"
        rows = state.db.execute(
            "SELECT url FROM urls WHERE sha256 IS NOT NULL AND gone_at IS NULL" + condition +
            " ORDER BY CASE kind WHEN 'report' THEN 0 ELSE 1 END, first_seen, url").fetchall()
        for (url,) in rows:
            row = state.db.execute("SELECT * FROM urls WHERE url=?", (url,)).fetchone()
            page = _raw_page(state, row) if row is not None else None
            if page is not None:
                yield page
    finally:
        state.close()


def mark_ingested(settings: Any, urls: Iterable[str]) -> int:
    """Record that these URLs' current bytes were handed to the pipeline; returns how many rows changed."""
    state = _open(settings)
    if state is None:
        return 0
    try:
        with state.transaction() as db:
            return sum(db.execute("UPDATE urls SET handed_sha256=sha256 WHERE url=? AND sha256 IS NOT NULL",
                                  (url,)).rowcount for url in urls)
    finally:
        state.close()


HISTORY_KEYS = ("url", "kind", "profile", "first_seen", "last_seen", "last_changed", "gone_at", "status", "error",
                "content_type", "referer", "link_text")


def url_history(settings: Any, url: str) -> dict[str, Any] | None:
    """first_seen / last_seen / last_changed / gone_at / status / error of one report URL or attachment."""
    state = _open(settings)
    if state is None:
        return None
    try:
        row = state.history(url)
        return None if row is None else {key: row[key] for key in HISTORY_KEYS}
    finally:
        state.close()


def url_histories(settings: Any, *, gone_only: bool = False) -> list[dict[str, Any]]:
    """The history of every report URL and attachment (for alerts and analyses), oldest first."""
    state = _open(settings)
    if state is None:
        return []
    try:
        where = " WHERE gone_at IS NOT NULL" if gone_only else ""
        rows = state.db.execute(f"SELECT * FROM urls{where} ORDER BY first_seen, url").fetchall()
        return [{key: row[key] for key in HISTORY_KEYS} for row in rows]
    finally:
        state.close()
