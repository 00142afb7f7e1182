"""Facet counts over *all* matches, from per-document arrays built once per index reader.

Whoosh's ``groupedby`` scores and keeps every match; here the matching document numbers
(a numpy array, see ``docsets``) index plain integer arrays of facet value codes and are
counted with ``bincount``: no scoring, no stored fields. Several values in one facet
combine with OR, facets with AND, and each facet's counts are taken with every *other*
facet's filter applied, so a user sees what picking another value of that facet gives.

Counts are of paragraphs; ``reports`` counts the distinct reports among them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .docsets import field_postings, segments
from ..contract import FACETS, UNKNOWN_REGION, UNKNOWN_YEAR  # FACETS: the facets every engine counts

_REGION_LEVELS = ("province", "city", "county")


@dataclass
class Column:
    """A single-valued facet: codes[docnum] indexes values (-1: none)."""

    codes: np.ndarray
    values: list[str]
    # Report metadata is the same on all of a report's paragraphs: by_report[report code]
    # is then its value code (-1: none) and reports are counted without sorting pairs.
    by_report: np.ndarray | None = None

    @cached_property
    def _codes_by_value(self) -> dict[str, int]:
        return {value: code for code, value in enumerate(self.values)}

    def code(self, value: str) -> int | None:
        """A value's code (the lookup table is built on first use, once per table)."""
        return self._codes_by_value.get(value)

    def with_reports(self, reports: np.ndarray, report_count: int) -> "Column":
        """This column with ``by_report`` set when every report has one value."""
        valid = reports >= 0
        codes, reports = self.codes[valid].astype(np.int64), reports[valid]
        low = np.full(report_count, np.iinfo(np.int64).max)
        high = np.full(report_count, -2, dtype=np.int64)
        np.minimum.at(low, reports, codes)
        np.maximum.at(high, reports, codes)
        seen = high > -2
        if not (low[seen] == high[seen]).all():
            return self
        by_report = np.where(seen, high, -1)
        return Column(self.codes, self.values, by_report)


@dataclass
class FacetTable:
    """docnum-indexed facet codes of one reader generation."""

    levels: dict[str, Column]  # province / city / county, values are paths (浙江省/杭州市)
    report_year: Column
    report_kind: Column
    report_id: Column
    topics: np.ndarray  # topic bits: words × docs, uint64; topic i is bit i % 64 of word i // 64
    topic_values: list[str]
    publish_date: Column  # codes follow the sorted term list, so code order is date order
    seq: np.ndarray  # paragraph number within its report
    copy_key: np.ndarray | None = None  # copies of one paragraph share a key (None: older index)
    # Compliance (search.compliance): 按时公开 yes/no/unknown, and the mandated sections a report lacks.
    on_time: Column | None = None
    missing_section: "Keywords | None" = None
    reuse: np.ndarray | None = None  # the report's reuse rank (search.index.reuse_rank; None: older index)

    @classmethod
    def build(cls, reader) -> "FacetTable":
        size = reader.doc_count_all()

        def column(field_name: str, default: str | None = None) -> Column:
            codes = np.full(size, -1, dtype=np.int32)
            values = []
            for value, docs in field_postings(reader, field_name).items():
                if not value:
                    continue
                codes[docs] = len(values)
                values.append(value)
            if default is not None:
                values.append(default)
                codes[codes < 0] = len(values) - 1
            return Column(codes, values)

        province, city, county = column("province", UNKNOWN_REGION), column("city"), column("county")
        levels = {"province": _as_paths(province, None, None),
                  "city": _as_paths(city, province, None),
                  "county": _as_paths(county, province, city)}
        topic_docs = {value: docs for value, docs in field_postings(reader, "topic").items() if value}
        topic_values = list(topic_docs)
        topics = np.zeros((max(1, (len(topic_values) + 63) // 64), size), dtype=np.uint64)
        for index, docs in enumerate(topic_docs.values()):
            topics[index // 64, docs] |= _topic_bit(index)
        report_id = column("report_id")
        reports, report_count = report_id.codes, len(report_id.values)
        levels = {name: level.with_reports(reports, report_count) for name, level in levels.items()}
        return cls(levels, column("report_year", UNKNOWN_YEAR).with_reports(reports, report_count),
                   column("report_kind").with_reports(reports, report_count), report_id,
                   topics, topic_values, column("publish_date"), _numeric_column(reader, "seq"),
                   _numeric_column(reader, "copy_key") if "copy_key" in reader.schema else None,
                   column("on_time").with_reports(reports, report_count),
                   Keywords.build(reader, "missing_section", size),
                   _numeric_column(reader, "reuse") if "reuse" in reader.schema else None)


def _numeric_column(reader, field_name: str) -> np.ndarray:
    """A NUMERIC column of every segment read in bulk (raw big-endian values)."""
    values = np.zeros(reader.doc_count_all(), dtype=np.int64)
    for segment, offset in segments(reader):
        column = segment.schema[field_name].column_type
        if not segment._perdoc.has_column(field_name):
            continue
        column_reader = segment._perdoc.column_reader(field_name, column)
        width = column_reader._fixedlen
        count = min(column_reader._count, segment.doc_count_all())
        raw = bytes(column_reader._dbfile.get(column_reader._basepos, count * width))
        dtype = np.dtype(">" + column_reader._typecode)
        values[offset : offset + count] = np.frombuffer(raw, dtype=dtype)
    return values


def _as_paths(level: Column, province: Column | None, city: Column | None) -> Column:
    """Recode a level so that its values are paths from the top (朝阳区 in 北京 ≠ in 长春).

    Works on distinct (province, city, name) code triples, not per document.
    """
    if province is None:
        return level
    codes = np.full(len(level.codes), -1, dtype=np.int32)
    present = np.nonzero(level.codes >= 0)[0]
    if not len(present):
        return Column(codes, [])
    city_codes = city.codes[present] if city is not None else np.full(len(present), -1, dtype=np.int32)
    # One int64 key per (province, city, name) triple: a 1-D unique is many times faster
    # than np.unique(axis=0) over a million rows.
    city_span, name_span = len(city.values) + 1 if city is not None else 1, len(level.values)
    keys = (province.codes[present].astype(np.int64) * city_span + (city_codes.astype(np.int64) + 1)) * name_span \
        + level.codes[present]
    distinct_keys, inverse = np.unique(keys, return_inverse=True)
    distinct = np.stack([distinct_keys // name_span // city_span, distinct_keys // name_span % city_span - 1,
                         distinct_keys % name_span], axis=1)
    paths = []
    for province_code, city_code, name_code in distinct.tolist():
        parts = [province.values[province_code]]
        if city is not None and city_code >= 0:
            parts.append(city.values[city_code])
        parts.append(level.values[name_code])
        paths.append("/".join(parts))
    codes[present] = np.asarray(inverse, dtype=np.int32).reshape(-1)
    return Column(codes, paths)


@dataclass
class Keywords:
    """A multi-valued facet (a report lacks several sections): value i is bit i % 64 of
    ``bits[i // 64, docnum]``. Few values, so one gather per 64 of them."""

    bits: np.ndarray  # uint64, words × docs
    values: list[str]

    @classmethod
    def build(cls, reader, field_name: str, size: int) -> "Keywords":
        postings = {value: docs for value, docs in field_postings(reader, field_name).items() if value}
        values = list(postings)
        bits = np.zeros((max(1, (len(values) + 63) // 64), size), dtype=np.uint64)
        for index, docs in enumerate(postings.values()):
            bits[index // 64, docs] |= _topic_bit(index)
        return cls(bits, values)

    def mask(self, docs: np.ndarray, wanted: set[str]) -> np.ndarray:
        """Which documents have any of the wanted values."""
        mask = np.zeros(len(docs), dtype=bool)
        for index, value in enumerate(self.values):
            if value in wanted:
                mask |= (self.bits[index // 64][docs] & _topic_bit(index)) != 0
        return mask

    def count(self, docs: np.ndarray, reports: np.ndarray, report_count: int) -> tuple[dict, dict]:
        """Paragraphs and distinct reports per value."""
        paragraphs, by_report = {}, {}
        valid = reports >= 0
        for word in range(self.bits.shape[0]):
            bits = self.bits[word][docs]
            report_bits = np.zeros(report_count, dtype=np.uint64)
            np.bitwise_or.at(report_bits, reports[valid], bits[valid])
            for i, value in enumerate(self.values[word * 64:(word + 1) * 64]):
                count = int(np.count_nonzero(bits & _topic_bit(i)))
                if count:
                    paragraphs[value] = count
                    by_report[value] = int(np.count_nonzero(report_bits & _topic_bit(i)))
        return paragraphs, by_report


class ReportCounts:
    """Matching paragraphs per report, read like a dict; built from the counts array only
    for the few reports a page asks about (a common word matches 30,000 reports)."""

    def __init__(self, counts: np.ndarray, reports: Column):
        self._counts = counts
        self._reports = reports

    def __len__(self) -> int:
        return int(np.count_nonzero(self._counts))

    def get(self, report_id: str, default: int | None = None) -> int | None:
        code = self._reports.code(report_id)
        count = int(self._counts[code]) if code is not None and code < len(self._counts) else 0
        return count if count else default

    def as_dict(self) -> dict[str, int]:
        values = self._reports.values
        return {values[i]: int(self._counts[i]) for i in np.flatnonzero(self._counts).tolist()}


@dataclass
class FacetCounts:
    paragraphs: dict[str, dict[str, int]] = field(default_factory=dict)
    reports: dict[str, dict[str, int]] = field(default_factory=dict)
    total: int = 0  # paragraphs matching query and every filter
    per_report: "ReportCounts | dict[str, int]" = field(default_factory=dict)  # report_id → matching paragraphs
    matched: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))


def _topic_bit(index: int) -> np.uint64:
    return np.uint64(1 << (index % 64))


def _lookup(values: list[str], wanted) -> np.ndarray:
    """Boolean table over a column's value codes (plus a trailing False for code -1)."""
    return np.array([wanted(v) for v in values] + [False], dtype=bool)


def _region_mask(table: FacetTable, docs: np.ndarray, wanted: set[str]) -> np.ndarray:
    mask = np.zeros(len(docs), dtype=bool)
    for level in _REGION_LEVELS:
        column = table.levels[level]
        lut = _lookup(column.values, lambda path: path in wanted or path.rsplit("/", 1)[-1] in wanted)
        mask |= lut[column.codes[docs]]
    return mask


def _masks(table: FacetTable, docs: np.ndarray, selected: dict[str, set[str]], year_range,
           published_range=None) -> dict[str, np.ndarray]:
    masks = {}
    if published_range is not None:  # not a facet: it narrows every facet's counts
        low, high = published_range
        masks["publish_date"] = _lookup(table.publish_date.values, lambda v: (low is None or v >= low)
                                        and (high is None or v <= high))[table.publish_date.codes[docs]]
    if selected.get("region"):
        masks["region"] = _region_mask(table, docs, selected["region"])
    years, kinds, topics = selected.get("report_year"), selected.get("report_kind"), selected.get("topic")
    if years or year_range is not None:
        low, high = year_range or (None, None)

        def year_ok(value: str) -> bool:
            if years and value not in years:
                return False
            if year_range is None:
                return True
            return value.isdigit() and (low is None or int(value) >= low) and (high is None or int(value) <= high)

        masks["report_year"] = _lookup(table.report_year.values, year_ok)[table.report_year.codes[docs]]
    if kinds:
        masks["report_kind"] = _lookup(table.report_kind.values, lambda v: v in kinds)[table.report_kind.codes[docs]]
    if selected.get("on_time"):
        wanted = selected["on_time"]
        masks["on_time"] = (_lookup(table.on_time.values, lambda v: v in wanted)[table.on_time.codes[docs]]
                            if table.on_time is not None else np.zeros(len(docs), dtype=bool))
    if selected.get("missing_section"):
        masks["missing_section"] = (table.missing_section.mask(docs, selected["missing_section"])
                                    if table.missing_section is not None else np.zeros(len(docs), dtype=bool))
    if topics:
        columns = [i for i, v in enumerate(table.topic_values) if v in topics]
        masks["topic"] = np.zeros(len(docs), dtype=bool)
        for column in columns:
            masks["topic"] |= (table.topics[column // 64][docs] & _topic_bit(column)) != 0
    return masks


def _count_column(column: Column, docs: np.ndarray, reports: np.ndarray,
                  reports_present: np.ndarray | None = None) -> tuple[dict, dict]:
    codes = column.codes[docs]
    present = codes >= 0
    codes, reports = codes[present], reports[present]
    paragraph_counts = np.bincount(codes, minlength=len(column.values))
    if column.by_report is not None and reports_present is not None:
        values = column.by_report[reports_present]
        report_counts = np.bincount(values[values >= 0], minlength=len(column.values))
    else:
        width = int(reports.max()) + 1 if len(reports) else 1
        pairs = np.unique(codes.astype(np.int64) * width + reports)  # distinct (value, report)
        report_counts = np.bincount(pairs // width, minlength=len(column.values))
    paragraphs = {column.values[i]: int(n) for i, n in enumerate(paragraph_counts) if n}
    by_report = {column.values[i]: int(n) for i, n in enumerate(report_counts) if n}
    return paragraphs, by_report


def _count_facet(table: FacetTable, facet: str, docs: np.ndarray) -> tuple[dict, dict]:
    reports = table.report_id.codes[docs].astype(np.int64)
    report_count = len(table.report_id.values)
    valid = reports[reports >= 0]
    present = np.flatnonzero(np.bincount(valid, minlength=report_count)) if len(valid) else valid
    if facet == "region":
        paragraphs, by_report = {}, {}
        for level in _REGION_LEVELS:
            level_paragraphs, level_reports = _count_column(table.levels[level], docs, reports, present)
            paragraphs.update(level_paragraphs)
            by_report.update(level_reports)
        return paragraphs, by_report
    if facet == "topic":
        # One gather of each document's topic bits, and the bits OR-ed per report: then
        # each topic is a bit test over those arrays.
        paragraphs, by_report = {}, {}
        valid = reports >= 0
        for word in range(table.topics.shape[0]):
            bits = table.topics[word][docs]
            report_bits = np.zeros(report_count, dtype=np.uint64)
            np.bitwise_or.at(report_bits, reports[valid], bits[valid])
            for i, value in enumerate(table.topic_values[word * 64:(word + 1) * 64]):
                bit = _topic_bit(i)
                count = int(np.count_nonzero(bits & bit))
                if count:
                    paragraphs[value] = count
                    by_report[value] = int(np.count_nonzero(report_bits & bit))
        return paragraphs, by_report
    if facet == "on_time":
        return _count_column(table.on_time, docs, reports, present) if table.on_time is not None else ({}, {})
    if facet == "missing_section":
        return table.missing_section.count(docs, reports, report_count) if table.missing_section is not None else ({}, {})
    return _count_column(getattr(table, facet), docs, reports, present)


def filter_mask(table: FacetTable, docnums: np.ndarray, selected: dict[str, set[str]], year_range=None,
                published_range=None) -> np.ndarray:
    """Which of the documents pass every filter (no counting)."""
    docs = np.asarray(docnums, dtype=np.int64)
    keep = np.ones(len(docs), dtype=bool)
    for mask in _masks(table, docs, selected, year_range, published_range).values():
        keep &= mask
    return keep


def count_facets(table: FacetTable, docnums: np.ndarray, selected: dict[str, set[str]], year_range=None,
                 published_range=None) -> FacetCounts:
    """Count facet values over the query's matching documents.

    ``selected`` maps a facet to the values the user picked (OR within, AND across); a
    region value may be a path (浙江省/杭州市) or a bare name (杭州市). ``year_range``
    (from, to), inclusive, belongs to the report_year facet. ``published_range`` (from, to),
    inclusive YYYY-MM-DD strings, keeps reports published then (none without a date).
    """
    docs = np.asarray(docnums, dtype=np.int64)
    masks = _masks(table, docs, selected, year_range, published_range)
    everything = np.ones(len(docs), dtype=bool)
    for mask in masks.values():
        everything &= mask
    result = FacetCounts()
    for facet in FACETS:
        keep = everything
        if facet in masks:  # a facet's own filter does not narrow its counts
            keep = np.ones(len(docs), dtype=bool)
            for other, mask in masks.items():
                if other != facet:
                    keep &= mask
        paragraphs, by_report = _count_facet(table, facet, docs[keep])
        result.paragraphs[facet] = dict(sorted(paragraphs.items(), key=lambda kv: (-kv[1], kv[0])))
        result.reports[facet] = by_report
    result.matched = docs[everything]
    result.total = int(len(result.matched))
    report_codes = table.report_id.codes[result.matched]
    counts = np.bincount(report_codes[report_codes >= 0], minlength=len(table.report_id.values))
    result.per_report = ReportCounts(counts, table.report_id)
    return result
