"""govsearch reclean: today's cleaner over the pages already collected.

A better cleaner is worth little if a collection keeps the old mistakes. Every source's
bytes are kept (imported files in the store's ``raw_pages``, crawled pages in ``raw/``),
so each can be cleaned again: a report whose kind, title, date, region or text changes is
saved (the incremental reindex and the alerts then follow as usual), a page an older
cleaner dropped or refused becomes a report, and what changed is reported. ``--dry-run``
reports without writing.
"""
from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterator

from .errors import ExtractError
from .models import RawPage, Report
from .normalize import search_form
from .pipeline import CRAWLED_HEADER, ImportSummary, clean, file_report
from .settings import Settings
from .store import Store, utc_now

LOGGER = logging.getLogger(__name__)

COMPARED = ("report_kind", "kind_detail", "title", "issuer", "report_year", "publish_date", "region")


@dataclass(frozen=True)
class Change:
    """What recleaning one source did (or, in a dry run, would do)."""

    source: str
    outcome: str  # changed | unchanged | added | merged | refused | removed | no_raw_bytes
    report_id: str | None = None
    fields: dict[str, tuple] = field(default_factory=dict)  # name → (before, after)
    paragraphs_added: int = 0
    paragraphs_removed: int = 0
    reason: str | None = None
    other: tuple[str, ...] = ()  # other parts that changed (paragraph text as published, quality, …)

    def to_dict(self) -> dict:
        return {"source": self.source, "outcome": self.outcome, "report_id": self.report_id,
                "fields": {name: list(values) for name, values in self.fields.items()},
                "paragraphs_added": self.paragraphs_added, "paragraphs_removed": self.paragraphs_removed,
                "other": list(self.other), "reason": self.reason}

    def line(self) -> str:
        """One line for the command line: what changed, before → after."""
        parts = [f"{name} {before or '-'} → {after or '-'}" for name, (before, after) in self.fields.items()]
        if self.paragraphs_added or self.paragraphs_removed:
            parts.append(f"+{self.paragraphs_added} −{self.paragraphs_removed} paragraphs")
        if self.other:
            parts.append("also " + ", ".join(self.other))
        if self.reason:
            parts.append(self.reason)
        return f"{self.outcome} {self.report_id or ''} {self.source}: " + ("; ".join(parts) or "no change")


@dataclass
class RecleanSummary:
    dry_run: bool
    changes: list[Change] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for change in self.changes if change.outcome == outcome)

    def to_dict(self) -> dict:
        outcomes = Counter(change.outcome for change in self.changes)
        return {"dry_run": self.dry_run, "counts": dict(outcomes),
                "changes": [change.to_dict() for change in self.changes if change.outcome != "unchanged"]}


def _region(report: Report) -> str | None:
    return "/".join(report.region.names()) or None


def _value(report: Report, name: str):
    return _region(report) if name == "region" else getattr(report, name)


def _paragraph_keys(report: Report) -> Counter:
    return Counter("".join(search_form(p.text).split()) for p in report.paragraphs)


def compare(before: Report | None, after: Report) -> tuple[dict[str, tuple], int, int]:
    """The fields that differ (before, after) and how many paragraphs were added and removed."""
    if before is None:
        return {name: (None, _value(after, name)) for name in COMPARED if _value(after, name) is not None}, \
            len(after.paragraphs), 0
    fields = {name: (_value(before, name), _value(after, name)) for name in COMPARED
              if _value(before, name) != _value(after, name)}
    old, new = _paragraph_keys(before), _paragraph_keys(after)
    return fields, sum((new - old).values()), sum((old - new).values())


def _other_changes(before: Report, after: Report) -> tuple[str, ...]:
    """What else differs: the same words printed otherwise, section paths, quality flags, …"""
    old, new = before.to_dict(), after.to_dict()
    names = [name for name in new if name not in COMPARED and name != "paragraphs" and old.get(name) != new[name]]
    if [p["text"] for p in old["paragraphs"]] != [p["text"] for p in new["paragraphs"]]:
        names.append("paragraph text")
    if [p["section_path"] for p in old["paragraphs"]] != [p["section_path"] for p in new["paragraphs"]]:
        names.append("section paths")
    return tuple(names)


def _crawled_pages(settings: Settings) -> Iterator[RawPage]:
    """Every page the crawler keeps bytes for (none when this data folder was never crawled)."""
    from .crawl.handover import pending_pages

    yield from pending_pages(settings, include_handed=True)


def reclean(settings: Settings, *, since: str | None = None, dry_run: bool = False,
            progress: Callable[[str], None] | None = None) -> RecleanSummary:
    """Clean every kept page again with the current cleaner; save what changed unless ``dry_run``.

    Args:
        since: only sources seen (pages fetched, refusals recorded) on or after this ISO date.
        dry_run: report what would change; write nothing.
    """
    summary = RecleanSummary(dry_run=dry_run)
    with Store.open(settings.data_dir) as store:
        sources = {row["source"]: row for row in store.all_sources()}
        refused = {row["source"]: row for row in store.refusals()}
        done: set[str] = set()
        for page in _crawled_pages(settings):
            fetched = (page.fetched_at or "")
            if since and fetched[:len(since)] < since and page.source not in sources:
                continue
            row = sources.get(page.source)
            if row is not None:
                if hashlib.sha256(page.content).hexdigest() != row["page_hash"]:
                    continue  # newer bytes not yet handed over: the next crawl hand-over cleans them
                if since and row["last_seen"][:len(since)] < since:
                    continue
                summary.changes.append(_again(store, settings, page, row, dry_run))
            else:
                summary.changes.append(_anew(store, settings, page, dry_run))
            done.add(page.source)
            if progress:
                progress(page.source)
        for source, row in sources.items():
            if source in done or (since and row["last_seen"][:len(since)] < since):
                continue
            page = store.raw_page(source, row["page_hash"])
            if page is None:
                summary.changes.append(Change(source, "no_raw_bytes", row["report_id"],
                                              reason="bytes not kept (collected before they were): import the file again"))
                continue
            summary.changes.append(_again(store, settings, page, row, dry_run))
            if progress:
                progress(source)
        for source, row in refused.items():
            if source in done or source in sources or (since and row["at"][:len(since)] < since):
                continue
            page = store.raw_page(source, row["page_hash"])
            if page is not None:
                summary.changes.append(_anew(store, settings, page, dry_run))
    return summary


def _keep(store: Store, page: RawPage, page_hash: str, now: str) -> None:
    """Keep the bytes in the store, unless the crawler keeps them (raw/)."""
    if CRAWLED_HEADER not in page.headers:
        store.keep_raw(page, page_hash, now)


def _clean(page: RawPage, settings: Settings) -> Report:
    report = clean(page, settings)
    if not report.paragraphs:
        raise ExtractError(page.source, "no report text found")
    return report


def _again(store: Store, settings: Settings, page: RawPage, row, dry_run: bool) -> Change:
    """A stored source cleaned again: its report changed, stayed, or is now refused."""
    stored = store.get(row["report_id"])
    before = stored.report if stored else None
    try:
        report = _clean(page, settings)
    except ExtractError as error:
        if not dry_run:
            now = utc_now()
            _keep(store, page, row["page_hash"], now)
            store.record_refusal(page.source, row["page_hash"], error.reason, now)
            store.remove_source(page.source)
        return Change(page.source, "removed", row["report_id"], reason=f"now refused: {error.reason}")
    fields, added, removed = compare(before, report)
    # reuse is the store's measure, never the cleaner's: the same report keeps it
    if before is not None and not fields and not added and not removed \
            and before.to_dict() == report.replace(reuse=before.reuse).to_dict():
        return Change(page.source, "unchanged", row["report_id"])
    if not dry_run:
        now = utc_now()
        _keep(store, page, row["page_hash"], now)
        others = [source for source in (stored.sources if stored else ()) if source != page.source and source != page.url]
        if before is not None and others and "mirror_spam" in report.quality and "mirror_spam" not in before.quality:
            return Change(page.source, "unchanged", row["report_id"], reason="a clean copy of this report is kept")
        file_report(store, page, row["page_hash"], report, ImportSummary(), now)
    other = _other_changes(before, report) if before is not None else ()
    return Change(page.source, "changed", row["report_id"], fields, added, removed, other=other)


def _anew(store: Store, settings: Settings, page: RawPage, dry_run: bool) -> Change:
    """A kept page with no report (dropped or refused by an older cleaner) cleaned again."""
    page_hash = hashlib.sha256(page.content).hexdigest()
    try:
        report = _clean(page, settings)
    except ExtractError as error:
        if not dry_run:
            now = utc_now()
            _keep(store, page, page_hash, now)
            store.record_refusal(page.source, page_hash, error.reason, now)
        return Change(page.source, "refused", reason=error.reason)
    fields, added, _ = compare(None, report)
    if dry_run:
        return Change(page.source, "added", None, fields, added)
    now = utc_now()
    _keep(store, page, page_hash, now)
    store.clear_refusal(page.source)
    outcome = ImportSummary()
    file_report(store, page, page_hash, report, outcome, now)
    record = store.source(page.source)
    return Change(page.source, "merged" if outcome.merged else "added", record.report_id if record else None,
                  fields, added)
