"""Writing Whoosh segments fast: a lean codec, a lean writer, and a parallel full build.

Indexing in Whoosh is Python work per posting (about 220 per paragraph here: words,
bigrams, title, headings, metadata). Three savings, each keeping the index format:

* ``LeanCodec`` skips per-block length statistics, which Whoosh gathers by reading each
  document's field length back from disk for every posting. They only serve Whoosh's
  block-quality pruning, which this engine does not use (it ranks every match with
  numpy, see ``search.ranking``).
* ``LeanSegmentWriter.add_document`` appends a document's postings to the pool in one
  step instead of checking and sizing each posting (our fields are known and valid).
* ``build_segments`` indexes disjoint sets of reports in worker processes, each
  writing its own segment, and commits them together: both cores, no merge.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
from pathlib import Path
from typing import Iterable

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.writing import SegmentWriter

from .models import StoredReport

LOGGER = logging.getLogger(__name__)

POSTING_BYTES = 120  # rough in-memory size of one pooled posting, for the pool's memory limit
WORKER_POOL_MB = 256  # each build worker's in-memory posting pool before it spills to disk


class LeanCodec(W3Codec):
    """Whoosh's current codec without per-block field-length statistics."""

    length_stats = False


class LeanSegmentWriter(SegmentWriter):
    """A SegmentWriter whose add_document pools a document's postings in one step."""

    def __init__(self, ix, temp_name: str | None = None, **kwargs):
        kwargs.setdefault("codec", LeanCodec())
        # Separate segment files, not one compound file: Whoosh opens each part of a
        # compound file as BytesIO(mmap slice), copying the whole index into every
        # searcher's memory (470 MB at 100k paragraphs) and taking ~25 ms per part.
        kwargs.setdefault("compound", False)
        super().__init__(ix, **kwargs)
        if temp_name:
            # Whoosh names every writer's spill folder "<index>.tmp" and deletes it when the
            # writer finishes: parallel writers must each have their own.
            self._tempstorage = self.storage.temp_storage(temp_name)
            self.pool.tempstore = self._tempstorage

    def add_document(self, **fields):
        self._check_state()
        schema = self.schema
        perdoc = self.perdocwriter
        docnum = self.docnum
        postings = []
        names = sorted(name for name in fields if not name.startswith("_"))
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    items = field.index(value)
                    if field.scorable:
                        for text, frequency, weight, encoded in items:
                            length += frequency
                            postings.append((name, text, docnum, weight, encoded))
                    else:
                        postings.extend((name, text, docnum, weight, encoded) for text, _, weight, encoded in items)
                stored = fields.get("_stored_" + name, value)
                perdoc.add_field(name, field, stored if field.stored else None, length)
                column = field.column_type
                if column and stored is not None:
                    perdoc.add_column_value(name, column, field.to_column_value(stored))
        except BaseException:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        pool = self.pool
        pool.fieldnames.update(names)
        pool.current.extend(postings)
        pool.currentsize += POSTING_BYTES * len(postings)
        if pool.currentsize > pool.limit:
            pool.save()
        self._added = True
        self.docnum += 1


def write_documents(writer, reports: Iterable[StoredReport]) -> int:
    """Add every paragraph of the reports; returns the number of documents."""
    from .index import paragraph_documents

    count = 0
    for stored in reports:
        for document in paragraph_documents(stored):
            writer.add_document(**document)
            count += 1
    return count


def _build_part(index_path: str, data_dir: str, report_ids: list[str], tokens_version: str, limitmb: int):
    """Worker: index some reports into a segment of its own; returns (segment, documents)."""
    from .store import Store

    ix = whoosh_index.open_dir(index_path)
    writer = LeanSegmentWriter(ix, _lk=False, limitmb=limitmb, temp_name=f"{ix.indexname}.tmp-{os.getpid()}")
    try:
        with Store.open(data_dir) as store:
            count = write_documents(writer, store.iter_reports(report_ids, tokens_version=tokens_version))
        segment = writer._finalize_segment() if count else None
    except BaseException:
        writer.cancel()
        raise
    writer._finish()
    return segment, count


def build_segments(index_path: Path, data_dir: str, report_ids: list[str], tokens_version: str | None,
                   processes: int | None = None, limitmb: int | None = None) -> int:
    """Index the reports into a fresh index at ``index_path``, in parallel; one commit.

    Reports are dealt round-robin, so each worker gets a like share of long and short ones.
    """
    from .schema import segmenter

    segmenter()  # load jieba once here; forked workers inherit it instead of loading it each
    processes = processes or max(1, min(os.cpu_count() or 1, 4))
    groups = [group for group in (report_ids[i::processes] for i in range(processes)) if group]
    jobs = [(str(index_path), str(data_dir), group, tokens_version, limitmb or WORKER_POOL_MB) for group in groups]
    if len(jobs) <= 1:
        results = [_build_part(*job) for job in jobs]
    else:
        # fork: workers inherit the loaded analyzer; search.index's fork hook makes them
        # drop the writer lock and die with their parent.
        with multiprocessing.get_context("fork").Pool(len(jobs)) as pool:
            results = pool.starmap(_build_part, jobs)
    segments = [segment for segment, _ in results if segment is not None]
    ix = whoosh_index.open_dir(str(index_path))
    writer = ix.writer()
    writer._close_segment()  # the parent adds no documents of its own
    writer._commit_toc(segments)
    writer._finish()
    return sum(count for _, count in results)
