"""Writing Whoosh segments fast: postings pooled column-wise, written a term at a time.

Indexing in Whoosh is Python work per posting (about 190 per paragraph here: words,
bigrams, title, headings, metadata): a tuple into a pool, a sort of every tuple, a
call per posting into the block writer, a pickle and a compress per block. Here:

* ``ArrayPool`` keeps each field's postings in typed arrays (term number, and counts
  and positions or weights and values), one extend per document and field;
* at the end each field's postings are ordered with one numpy sort and written a whole
  term at a time in ``search.engine.whoosh.postings``' block format (``FastCodec``), which search
  then reads back with numpy;
* ``build_segments`` indexes disjoint sets of reports in worker processes, each
  writing its own segments, and commits them together: both cores, no merge.

Whoosh's per-posting API still works (segment merges use it).
"""
from __future__ import annotations

import logging
import multiprocessing
import os
from array import array
from itertools import chain
from pathlib import Path
from typing import Iterable

import numpy as np
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.writing import SegmentWriter

from ...models import StoredReport
from .postings import FastCodec, is_positional
from .fields import LENGTH_FIELDS

LOGGER = logging.getLogger(__name__)

WORKER_POOL_MB = 512  # a build worker starts a new segment when its pool holds this much


class LeanCodec(W3Codec):
    """The codec of indexes built before FastCodec (Whoosh's W3 without per-block length
    statistics). Kept so that those indexes still open: segments name their codec."""

    length_stats = False


class _PositionalPostings:
    """One positional field's postings: term number, count and positions per posting."""

    def __init__(self, field_boost: float):
        self.field_boost = field_boost
        self.term_numbers: dict[str, int] = {}
        self.terms = array("i")
        self.counts = array("I")
        self.positions = array("I")
        self.chunk_docs = array("I")
        self.chunk_sizes = array("I")

    def add_document(self, docnum: int, positions: dict[str, list[int]]) -> int:
        """Pool one document's positions; returns the field length (tokens)."""
        numbers = _numbers(self.term_numbers, list(positions))
        self.terms.extend(numbers)
        self.counts.extend(map(len, positions.values()))
        before = len(self.positions)
        self.positions.extend(chain.from_iterable(positions.values()))
        self.chunk_docs.append(docnum)
        self.chunk_sizes.append(len(numbers))
        return len(self.positions) - before

    def add_posting(self, btext: bytes, docnum: int, weight: float, value: bytes) -> None:
        positions = array("I")
        positions.frombytes(value[4:])
        self.terms.append(_numbers(self.term_numbers, [btext.decode("utf-8")])[0])
        self.counts.append(len(positions))
        self.positions.extend(positions)
        self.chunk_docs.append(docnum)
        self.chunk_sizes.append(1)

    def nbytes(self) -> int:
        return 4 * (len(self.terms) + len(self.counts) + len(self.positions)) + 120 * len(self.term_numbers)

    def write(self, fieldwriter) -> None:
        count = len(self.terms)
        if not count:
            return
        terms = np.frombuffer(self.terms, dtype=np.int32)
        order = np.argsort(terms, kind="stable")  # postings of a term stay in document order
        docs = np.repeat(np.frombuffer(self.chunk_docs, dtype=np.uint32),
                         np.frombuffer(self.chunk_sizes, dtype=np.uint32)).astype(np.int64)[order]
        counts = np.frombuffer(self.counts, dtype=np.uint32).astype(np.int64)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        counts = counts[order]
        # Positions gathered into the new posting order.
        new_starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        gather = np.repeat(starts[order] - new_starts, counts) + np.arange(int(counts.sum()))
        positions = np.frombuffer(self.positions, dtype=np.uint32)[gather]
        weights = counts.astype(np.float32) * np.float32(self.field_boost)
        position_bounds = np.concatenate((new_starts, [len(positions)]))
        names = [text.encode("utf-8") for text in self.term_numbers]
        for number, low, high in _term_runs(terms[order], names):
            fieldwriter.write_term(names[number], ids=docs[low:high], weights=weights[low:high],
                                   counts=counts[low:high],
                                   positions=positions[position_bounds[low]:position_bounds[high]])


class _GenericPostings:
    """Any other field's postings: term number, weight and encoded value per posting."""

    def __init__(self):
        self.term_numbers: dict[bytes, int] = {}
        self.terms = array("i")
        self.weights = array("f")
        self.values: list[bytes] = []
        self.chunk_docs = array("I")
        self.chunk_sizes = array("I")

    def add_items(self, docnum: int, items) -> int:
        """Pool one document's (term bytes, frequency, weight, value) items; returns the
        field length."""
        texts, frequencies, weights, values = zip(*items) if items else ((), (), (), ())
        numbers = _numbers(self.term_numbers, list(texts))
        self.terms.extend(numbers)
        self.weights.extend(weights)
        self.values.extend(values)
        self.chunk_docs.append(docnum)
        self.chunk_sizes.append(len(numbers))
        return sum(frequencies)

    def add_posting(self, btext: bytes, docnum: int, weight: float, value: bytes) -> None:
        self.add_items(docnum, [(btext, 0, weight, value)])

    def nbytes(self) -> int:
        return 16 * len(self.terms) + 120 * len(self.term_numbers)

    def write(self, fieldwriter) -> None:
        if not len(self.terms):
            return
        terms = np.frombuffer(self.terms, dtype=np.int32)
        order = np.argsort(terms, kind="stable")
        docs = np.repeat(np.frombuffer(self.chunk_docs, dtype=np.uint32),
                         np.frombuffer(self.chunk_sizes, dtype=np.uint32)).astype(np.int64)[order]
        weights = np.frombuffer(self.weights, dtype=np.float32)[order]
        values = self.values
        names = list(self.term_numbers)
        for number, low, high in _term_runs(terms[order], names):
            fieldwriter.write_term(names[number], ids=docs[low:high], weights=weights[low:high],
                                   values=[values[i] for i in order[low:high].tolist()])


def _numbers(numbering: dict, keys: list) -> list[int]:
    """Each key's term number, numbering new keys in order of appearance."""
    numbers = list(map(numbering.get, keys))
    if None in numbers:
        for i, number in enumerate(numbers):
            if number is None:
                key = keys[i]
                number = numbering.get(key)  # a key may repeat within the list
                if number is None:
                    number = numbering[key] = len(numbering)
                numbers[i] = number
    return numbers


def _term_runs(sorted_terms: np.ndarray, names: list[bytes]):
    """(term number, low, high) for each term's run of postings, in term-bytes order
    (the order Whoosh's term table requires)."""
    bounds = np.flatnonzero(np.diff(sorted_terms)) + 1
    lows = np.concatenate(([0], bounds)).tolist()
    highs = np.concatenate((bounds, [len(sorted_terms)])).tolist()
    numbers = sorted_terms[lows].tolist()
    runs = sorted(zip(numbers, lows, highs), key=lambda run: names[run[0]])
    return runs


class ArrayPool:
    """The postings of one segment being written, field by field (see module doc)."""

    def __init__(self, schema):
        self.schema = schema
        self.fields: dict[str, _PositionalPostings | _GenericPostings] = {}
        self.fieldnames: set[str] = set()

    def field(self, name: str):
        pooled = self.fields.get(name)
        if pooled is None:
            field = self.schema[name]
            pooled = self.fields[name] = _PositionalPostings(field.format.field_boost) \
                if is_positional(field.format) else _GenericPostings()
        return pooled

    def add(self, item) -> None:
        """Whoosh's per-posting entry point (segment merges)."""
        fieldname, btext, docnum, weight, value = item
        self.fieldnames.add(fieldname)
        self.field(fieldname).add_posting(btext, docnum, weight, value)

    def nbytes(self) -> int:
        return sum(pooled.nbytes() for pooled in self.fields.values())

    def write(self, fieldwriter) -> None:
        for name in sorted(self.fields):
            fieldwriter.start_field(name, self.schema[name])
            self.fields[name].write(fieldwriter)
            fieldwriter.finish_field()
        self.fields.clear()

    def iter_postings(self):
        raise NotImplementedError("ArrayPool writes its postings itself (write)")

    def cleanup(self) -> None:
        self.fields.clear()


class LeanSegmentWriter(SegmentWriter):
    """A SegmentWriter with the column-wise pool and FastCodec segments."""

    def __init__(self, ix, temp_name: str | None = None, **kwargs):
        kwargs.setdefault("codec", FastCodec())
        # Separate segment files, not one compound file: Whoosh opens each part of a
        # compound file as BytesIO(mmap slice), copying the whole index into every
        # searcher's memory (470 MB at 100k paragraphs) and taking ~25 ms per part.
        kwargs.setdefault("compound", False)
        super().__init__(ix, **kwargs)
        if temp_name:
            # Whoosh names every writer's spill folder "<index>.tmp" and deletes it when the
            # writer finishes: parallel writers must each have their own.
            self._tempstorage = self.storage.temp_storage(temp_name)
        self.pool = ArrayPool(self.schema)

    def add_document(self, **fields):
        self._check_state()
        schema = self.schema
        perdoc = self.perdocwriter
        pool = self.pool
        docnum = self.docnum
        names = sorted(name for name in fields if not name.startswith("_"))
        perdoc.start_doc(docnum)
        lengths: dict[str, int] = {}
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    pooled = pool.field(name)
                    if isinstance(pooled, _PositionalPostings):
                        length = pooled.add_document(docnum, field.positions(value))
                    else:
                        length = pooled.add_items(docnum, list(field.index(value)))
                    if not field.scorable:
                        length = 0
                stored = fields.get("_stored_" + name, value)
                perdoc.add_field(name, field, stored if field.stored else None, length)
                column = field.column_type
                if column and stored is not None:
                    perdoc.add_column_value(name, column, field.to_column_value(stored))
                if field.scorable and f"len_{name}" in schema:
                    lengths[name] = length
            for name in LENGTH_FIELDS:  # every document gets a value (a field it lacks: 0)
                column_name = f"len_{name}"
                if column_name in schema:
                    perdoc.add_column_value(column_name, schema[column_name].column_type, lengths.get(name, 0))
        except BaseException:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        pool.fieldnames.update(names)
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        self.perdocwriter.close()
        self.pool.write(self.fieldwriter)
        self.fieldwriter.close()


def write_documents(writer, reports: Iterable[StoredReport]) -> int:
    """Add every paragraph of the reports; returns the number of documents."""
    from ..documents import paragraph_documents

    count = 0
    for stored in reports:
        for document in paragraph_documents(stored):
            writer.add_document(**document)
            count += 1
    return count


def _build_part(index_path: str, data_dir: str, report_ids: list[str], tokens_version: str, limitmb: int):
    """Worker: index some reports into segments of its own, a new one whenever the pool
    holds ``limitmb``; returns (segments, documents)."""
    from ..documents import paragraph_documents
    from ...store import Store

    ix = whoosh_index.open_dir(index_path)
    segments, count, writer = [], 0, None
    limit = limitmb * 1024 * 1024

    def new_writer():
        return LeanSegmentWriter(ix, _lk=False, temp_name=f"{ix.indexname}.tmp-{os.getpid()}")

    try:
        with Store.open(data_dir) as store:
            for stored in store.iter_reports(report_ids, tokens_version=tokens_version):
                writer = writer or new_writer()
                for document in paragraph_documents(stored):
                    writer.add_document(**document)
                    count += 1
                if writer.pool.nbytes() > limit:
                    segments.append(writer._finalize_segment())
                    writer._finish()
                    writer = None
        if writer is not None and writer.docnum:
            segments.append(writer._finalize_segment())
            writer._finish()
            writer = None
    except BaseException:
        if writer is not None:
            writer.cancel()
        raise
    if writer is not None:
        writer.cancel()
    return segments, count


def build_segments(index_path: Path, data_dir: str, report_ids: list[str], tokens_version: str | None,
                   processes: int | None = None, limitmb: int | None = None) -> int:
    """Index the reports into a fresh index at ``index_path``, in parallel; one commit.
    ``limitmb`` bounds each worker's pool (memory), at the price of more segments.

    Reports are dealt round-robin, so each worker gets a like share of long and short ones.
    """
    from ...schema import segmenter

    segmenter()  # load jieba once here; forked workers inherit it instead of loading it each
    processes = processes or max(1, min(os.cpu_count() or 1, 4))
    groups = [group for group in (report_ids[i::processes] for i in range(processes)) if group]
    jobs = [(str(index_path), str(data_dir), group, tokens_version, limitmb or WORKER_POOL_MB) for group in groups]
    if len(jobs) <= 1:
        results = [_build_part(*job) for job in jobs]
    else:
        # fork: workers inherit the loaded analyzer; search.locking's fork hook makes them
        # drop the writer lock and die with their parent.
        with multiprocessing.get_context("fork").Pool(len(jobs)) as pool:
            results = pool.starmap(_build_part, jobs)
    segments = [segment for part, _ in results for segment in part]
    ix = whoosh_index.open_dir(str(index_path))
    writer = ix.writer()
    writer._close_segment()  # the parent adds no documents of its own
    writer._commit_toc(segments)
    writer._finish()
    return sum(count for _, count in results)
