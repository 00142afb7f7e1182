"""The thin chain of stages: pages → clean → store, and store → index (→ alerts).

A bad page is skipped and reported, never fatal to the batch.
"""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .compliance.table import refresh as refresh_compliance
from .engine import Engine, open_engine
from .errors import ExtractError, GovsearchError
from .models import RawPage
from .schema import analyzer_fingerprint, paragraph_words
from .settings import Settings
from .reuse_refresh import refresh_reuse
from .store import Store, utc_now

LOGGER = logging.getLogger(__name__)

CRAWLED_HEADER = "X-Govsearch-Kind"  # set by the crawler's hand-over: its bytes are kept in raw/
PAGE_SUFFIXES = {".txt", ".html", ".htm", ".shtml", ".xhtml", ".docx", ".pdf"}
_CONTENT_TYPES = {".txt": "text/plain", ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  ".pdf": "application/pdf"}


@dataclass
class ImportSummary:
    added: list[str] = field(default_factory=list)  # sources that created a report
    changed: list[str] = field(default_factory=list)  # sources whose report changed
    unchanged: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)  # another copy of a known report
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source, why): left out on purpose
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source, error)

    def to_dict(self) -> dict:
        return {
            "added": self.added, "changed": self.changed, "unchanged": self.unchanged, "merged": self.merged,
            "skipped": [{"source": s, "reason": r} for s, r in self.skipped],
            "failed": [{"source": s, "error": e} for s, e in self.failed],
        }


@dataclass
class ReindexSummary:
    added: list[str] = field(default_factory=list)  # report ids new to the index
    updated: list[str] = field(default_factory=list)  # report ids whose content changed
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    paragraphs_written: int = 0
    full: bool = False
    alerts_status: str = "skipped"  # skipped (run_alerts off), nothing_new, ran or failed
    alerts: object | None = None  # the alerts run's RunSummary when it ran

    def to_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "removed": self.removed, "unchanged": self.unchanged,
                "paragraphs_written": self.paragraphs_written, "full": self.full,
                "alerts": {"status": self.alerts_status, **(self.alerts.to_dict() if self.alerts else {})}}


def find_pages(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files to import: the given files, and page-like files found under given folders."""
    for raw_path in paths:
        path = Path(raw_path)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in PAGE_SUFFIXES:
                    yield child
        else:
            yield path


def read_page(path: Path, max_bytes: int) -> RawPage:
    """A saved page as a RawPage; a missing, unreadable or over-size file is an ExtractError."""
    source = path.resolve().as_uri()
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExtractError(str(path), f"cannot read: {exc.strerror or exc}") from None
    if size > max_bytes:
        raise ExtractError(str(path), f"too large ({size} bytes > {max_bytes})")
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ExtractError(str(path), f"cannot read: {exc.strerror or exc}") from None
    content_type = _CONTENT_TYPES.get(path.suffix.lower(), "text/html")
    return RawPage(content=content, source=source, content_type=content_type)


_SYNTHETIC_MARK = re.compile(rb"""<meta[^>]+name=["']?govsearch-synthetic["']?[^>]*content=["']?true""", re.I)


def clean(raw: RawPage, settings: Settings):
    """Run the cleaner (extraction, boilerplate, duplicates, metadata, structure, enrichment)."""
    from .clean import clean_page

    report = clean_page(raw, max_bytes=settings.max_page_bytes)
    # Sample reports we wrote ourselves say so in a meta tag; they must never pass for real.
    if _SYNTHETIC_MARK.search(raw.content[:8192]):
        quality = report.quality if "synthetic" in report.quality else report.quality + ("synthetic",)
        report = report.replace(synthetic=True, quality=quality)
    return report


def ingest_pages(settings: Settings, pages: Iterable[RawPage | tuple[str, Exception]],
                 progress: Callable[[str], None] | None = None) -> ImportSummary:
    """Clean pages into the store. Unchanged pages are recognised by their bytes and left alone."""
    from .clean import fingerprint

    summary = ImportSummary()
    with Store.open(settings.data_dir) as store:
        for page in pages:
            if isinstance(page, tuple):  # a page that could not even be read
                summary.failed.append((page[0], _reason(page[1])))
                continue
            try:
                _ingest_one(store, page, settings, summary, fingerprint)
            except GovsearchError as exc:
                # Counted as failed and listed once in the summary the caller prints.
                LOGGER.info("failed on %s: %s", page.source, exc)
                summary.failed.append((page.source, _reason(exc)))
            except Exception as exc:  # a cleaner bug must not lose the rest of the batch
                LOGGER.exception("failed on %s", page.source)
                summary.failed.append((page.source, f"internal error: {type(exc).__name__}: {exc}"))
            if progress:
                progress(page.source)
        refresh_reuse(store)
    return summary


def _reason(error: Exception) -> str:
    """Why a page failed, without its source (the summary already names it)."""
    return getattr(error, "reason", None) or str(error)


def _ingest_one(store: Store, page: RawPage, settings: Settings, summary: ImportSummary, fingerprint) -> None:
    now = utc_now()
    page_hash = hashlib.sha256(page.content).hexdigest()
    known = store.source(page.source)
    if known and known.page_hash == page_hash:
        store.touch_source(page.source, now)
        summary.unchanged.append(page.source)
        return
    # The bytes are kept before cleaning: a page today's cleaner reads badly or refuses can be
    # cleaned again by a better one (govsearch reclean). The crawler keeps its own (raw/).
    if CRAWLED_HEADER not in page.headers:
        store.keep_raw(page, page_hash, now)
    try:
        report = clean(page, settings)
        if not report.paragraphs:
            raise ExtractError(page.source, "no report text found")
    except ExtractError as exc:
        store.record_refusal(page.source, page_hash, exc.reason, now)
        raise
    store.clear_refusal(page.source)
    file_report(store, page, page_hash, report, summary, now)


def file_report(store: Store, page: RawPage, page_hash: str, report, summary: ImportSummary, now: str) -> None:
    """Store a cleaned report for its source: the same report again, a copy of a known one, or a new one.

    Every page with text is kept, whatever its kind: the kind is a classification (a facet,
    a mark in results), never a gate. Only pages the cleaner refuses (challenge, list or
    empty pages: ExtractError) stay out.
    """
    from .clean import fingerprint

    known = store.source(page.source)
    report_print = fingerprint(report)
    # Tokenise once here, so that reindexing (often, and in full) need not run jieba again.
    tokens = {"tokens": [paragraph_words(p.text) for p in report.paragraphs], "tokens_version": analyzer_fingerprint()}
    if known:
        changed = store.save(known.report_id, report, report_print, page.source, page_hash, now, **tokens)
        (summary.changed if changed else summary.unchanged).append(page.source)
        return
    same = store.find_by_fingerprint(report_print)
    if same:
        existing = store.get(same)
        # A clean copy wins over a mirror copy with injected spam.
        if existing and "mirror_spam" in existing.report.quality and "mirror_spam" not in report.quality:
            store.save(same, report, report_print, page.source, page_hash, now, **tokens)
            summary.changed.append(page.source)
        else:
            store.link_source(same, page.source, page_hash, report.source_url, now)
            summary.merged.append(page.source)
        return
    report_id = report_print[:16]
    store.save(report_id, report, report_print, page.source, page_hash, now, **tokens)
    summary.added.append(page.source)


def import_paths(settings: Settings, paths: Iterable[str | Path],
                 progress: Callable[[str], None] | None = None) -> ImportSummary:
    """Import saved pages (files or folders) into the store."""

    def pages() -> Iterator[RawPage | tuple[str, Exception]]:
        for path in find_pages(paths):
            try:
                yield read_page(path, settings.max_page_bytes)
            except ExtractError as exc:
                yield (str(path), exc)

    return ingest_pages(settings, pages(), progress)


def reindex(settings: Settings, full: bool = False, run_alerts: bool = True,
            engine: Engine | None = None) -> ReindexSummary:
    """Bring the index in line with the store: only new, changed and removed reports,
    or (``full``, or no index yet) a new index swapped in atomically. ``engine``: the one
    the settings name by default."""
    engine = engine or open_engine(settings)
    summary = ReindexSummary()
    with engine.writing(), Store.open(settings.data_dir) as store:
        refresh_reuse(store)  # a report's reuse is part of what is indexed (the 最高重复率 order)
        wanted = store.content_hashes()
        have = engine.indexed()
        summary.added = sorted(r for r in wanted if r not in have)
        summary.updated = sorted(r for r in wanted if r in have and have[r] != wanted[r])
        summary.removed = sorted(r for r in have if r not in wanted)
        summary.unchanged = len(wanted) - len(summary.added) - len(summary.updated)
        if full or not engine.exists() or engine.outdated():
            summary.full = True
            summary.paragraphs_written = engine.rebuild(store)
        elif summary.added or summary.updated or summary.removed:
            upserts = store.iter_reports(summary.added + summary.updated, tokens_version=analyzer_fingerprint())
            summary.paragraphs_written = engine.apply(upserts, summary.removed)
        refresh_compliance(store)  # coverage reads the stored assessments
    if run_alerts and (summary.added or summary.updated):
        summary.alerts = _run_alerts(settings, summary)
        summary.alerts_status = "ran" if summary.alerts is not None else "failed"
    elif run_alerts:
        summary.alerts_status = "nothing_new"
    return summary


def _run_alerts(settings: Settings, summary: ReindexSummary):
    """Saved-query alerts for what this reindex brought in (their RunSummary; None if the run failed)."""
    from .alerts import after_reindex

    return after_reindex(settings, summary)
