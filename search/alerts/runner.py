"""One alerts run: match what the index gained against every active saved query, then deliver.

Safe to run from cron and at the end of every reindex: runs take a lock so two never
overlap, matching is idempotent (stable item ids, one transaction per run), and delivery
resumes whatever an earlier run left pending.
"""
from __future__ import annotations

import fcntl
import functools
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from ..engine import open_engine
from ..settings import Settings
from ..store import Store
from .db import AlertsDB
from .delivery import DeliverySummary, deliver_pending
from .events import match_events, wants_matches
from .matching import find_candidates, match

LOGGER = logging.getLogger(__name__)


@dataclass
class RunSummary:
    candidates: int = 0  # reports new or changed since the last run
    items: int = 0  # alert items created
    saved_queries: int = 0  # active saved queries evaluated
    query_errors: dict[int, str] = field(default_factory=dict)  # saved query id → why it could not be searched
    delivery: DeliverySummary = field(default_factory=DeliverySummary)

    @property
    def ok(self) -> bool:
        return not self.delivery.failures and not self.query_errors

    def to_dict(self) -> dict:
        return {"candidates": self.candidates, "items": self.items, "saved_queries": self.saved_queries,
                "query_errors": {str(k): v for k, v in self.query_errors.items()}, **self.delivery.to_dict()}


@contextmanager
def run_lock(data_dir: str | Path) -> Iterator[None]:
    """One alerts run at a time per data folder (the kernel drops the lock if we die)."""
    path = Path(data_dir) / "alerts.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def describe_error(exc: BaseException) -> str:
    """One line its owner can read: what went wrong when searching a saved query."""
    return f"{type(exc).__name__}: {exc}"[:300]


def match_new_reports(settings: Settings, db: AlertsDB, now: datetime, summary: RunSummary) -> None:
    """Create the alert items for reports indexed since the last run, and move the ledger on.

    Each saved query is searched on its own: one that fails (whatever its text) gets the
    error recorded on it, shown to its owner, and the run goes on with the others. Only
    when every saved query failed (the index, not a query, is at fault) does the ledger
    stay where it was, so the next run tries these reports again.
    """
    engine = open_engine(settings)
    if not engine.exists():
        LOGGER.info("no index yet: nothing to match")
        return
    stamp = now.isoformat(timespec="seconds")
    with Store.open(settings.data_dir) as store:
        candidates, removed = find_candidates(store, engine, db)
        summary.candidates = len(candidates)
        queries = [query for query in db.saved_queries(active_only=True) if wants_matches(db, query)]
        summary.saved_queries = len(queries)
        items, succeeded = [], []
        get_report = functools.lru_cache(maxsize=256)(store.get)  # many saved queries, few new reports
        for saved_query in queries if candidates else ():
            channels = (("email",) if saved_query.email else ()) + (("webhook",) if saved_query.webhook_url else ())
            try:
                found = match(engine, get_report, saved_query, candidates, stamp)
            except Exception as exc:  # noqa: BLE001 — one saved query must never stop the others
                LOGGER.warning("saved query %s (%r) failed; the others go on", saved_query.id, saved_query.query,
                               exc_info=True)
                summary.query_errors[saved_query.id] = describe_error(exc)
                continue
            succeeded.append(saved_query.id)
            items.extend((item, channels) for item in found)
    if summary.query_errors or succeeded:
        db.record_query_errors(summary.query_errors, succeeded, stamp)
    if summary.query_errors and not succeeded:
        LOGGER.error("alerts: every saved query failed (%d); the ledger stays for the next run",
                     len(summary.query_errors))
        return
    summary.items = db.record_run(items, {c.report_id: c.ledger_entry() for c in candidates}, removed, stamp)
    if candidates:
        LOGGER.info("alerts: %d new or changed report(s), %d saved queries, %d item(s)%s",
                    len(candidates), len(queries), summary.items,
                    f", {len(summary.query_errors)} saved quer(ies) failed" if summary.query_errors else "")


def run_alerts(settings: Settings, now: datetime | None = None) -> RunSummary:
    """Match newly indexed reports against every active saved query and deliver what is due.

    ``now`` (timezone-aware) decides which digests are due; it defaults to the clock.
    """
    now = now or datetime.now(timezone.utc)
    summary = RunSummary()
    with run_lock(settings.data_dir), AlertsDB.open(settings.data_dir) as db:
        match_new_reports(settings, db, now, summary)
        summary.items += match_events(settings, db, now)  # newly reported; source changed or gone
        summary.delivery = deliver_pending(settings, db, now)
    return summary


def after_reindex(settings: Settings, summary) -> RunSummary | None:
    """Called by the pipeline at the end of a reindex; an alerts failure never fails the reindex."""
    LOGGER.debug("alerts after reindex: %d added, %d updated", len(summary.added), len(summary.updated))
    try:
        return run_alerts(settings)
    except Exception:  # the index is already committed; the next run picks up where this one stopped
        LOGGER.exception("alerts run after reindex failed")
        return None
