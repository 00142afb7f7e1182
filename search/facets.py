"""Facet counts over *all* matches, from per-document arrays built once per index reader.

Whoosh's ``groupedby`` scores and keeps every match; here the matching document
numbers are counted against plain arrays instead (no scoring, no stored-field
decoding). Several values in one facet combine with OR, facets with AND, and each
facet's counts are taken with every *other* facet's filter applied, so a user sees
what picking another value of the same facet would give.

Counts are of paragraphs; ``reports`` counts the distinct reports among them.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .index import UNKNOWN_REGION, UNKNOWN_YEAR

FACETS = ("region", "report_year", "topic", "report_kind")


@dataclass
class FacetTable:
    """docnum-indexed facet values of one reader generation."""

    region: list[tuple[str, ...]]
    report_year: list[str]
    topic: list[tuple[str, ...]]
    report_kind: list[str]
    report_id: list[str]

    @classmethod
    def build(cls, reader) -> "FacetTable":
        size = reader.doc_count_all()
        province, city, county = [""] * size, [""] * size, [""] * size
        years, kinds, reports = [UNKNOWN_YEAR] * size, [""] * size, [""] * size
        topics: list[tuple[str, ...]] = [()] * size
        for field_name, target in (("province", province), ("city", city), ("county", county),
                                   ("report_year", years), ("report_kind", kinds), ("report_id", reports)):
            for value in _terms(reader, field_name):
                for docnum in reader.postings(field_name, value).all_ids():
                    target[docnum] = value
        for value in _terms(reader, "topic"):
            for docnum in reader.postings("topic", value).all_ids():
                topics[docnum] = topics[docnum] + (value,)
        regions = []
        for docnum in range(size):
            path, keys = "", []
            for name in (province[docnum], city[docnum], county[docnum]):
                if name:
                    path = f"{path}/{name}" if path else name
                    keys.append(path)
            regions.append(tuple(keys) or (UNKNOWN_REGION,))
        return cls(regions, years, topics, kinds, reports)

    def values(self, facet: str, docnum: int) -> tuple[str, ...]:
        value = getattr(self, facet)[docnum]
        return value if isinstance(value, tuple) else (value,)


def _terms(reader, field_name: str) -> list[str]:
    if field_name not in reader.schema:
        return []
    return [t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon(field_name)]


@dataclass
class FacetCounts:
    paragraphs: dict[str, Counter] = field(default_factory=dict)
    reports: dict[str, dict[str, int]] = field(default_factory=dict)
    total: int = 0  # paragraphs matching query and every filter
    per_report: Counter = field(default_factory=Counter)  # report_id → matching paragraphs
    matched: set = field(default_factory=set)  # docnums matching query and every filter


def count_facets(table: FacetTable, docnums, selected: dict[str, set[str]], year_range=None) -> FacetCounts:
    """Count facet values over the query's matching documents.

    ``selected`` maps a facet to the values the user picked (OR within, AND across);
    a region value may be a path (浙江省/杭州市) or a bare name (杭州市).
    ``year_range`` (from, to), inclusive, belongs to the report_year facet.
    """
    predicates = {}
    for facet, values in selected.items():
        if values:
            predicates[facet] = _predicate(table, facet, values)
    if year_range is not None:
        low, high = year_range
        picked = predicates.get("report_year")

        def in_range(docnum, _picked=picked):
            year = table.report_year[docnum]
            ok = year.isdigit() and (low is None or int(year) >= low) and (high is None or int(year) <= high)
            return ok and (_picked is None or _picked(docnum))

        predicates["report_year"] = in_range
    counts = {facet: Counter() for facet in FACETS}
    report_sets: dict[str, dict[str, set[str]]] = {facet: {} for facet in FACETS}
    result = FacetCounts()
    active = list(predicates.items())
    for docnum in docnums:
        failed = [facet for facet, test in active if not test(docnum)]
        if len(failed) > 1:
            continue
        report_id = table.report_id[docnum]
        if not failed:
            result.total += 1
            result.per_report[report_id] += 1
            result.matched.add(docnum)
            facets = FACETS
        else:
            facets = failed
        for facet in facets:
            for value in table.values(facet, docnum):
                counts[facet][value] += 1
                report_sets[facet].setdefault(value, set()).add(report_id)
    result.paragraphs = counts
    result.reports = {f: {v: len(ids) for v, ids in values.items()} for f, values in report_sets.items()}
    return result


def _predicate(table: FacetTable, facet: str, values: set[str]):
    if facet == "region":
        wanted = set(values)

        def region_matches(docnum):
            keys = table.region[docnum]
            return any(k in wanted or k.rsplit("/", 1)[-1] in wanted for k in keys)

        return region_matches
    column = getattr(table, facet)
    if facet == "topic":
        return lambda docnum: any(v in values for v in column[docnum])
    return lambda docnum: column[docnum] in values
