"""The template tables of a 信息公开 report read into figures.

From tables (HTML, .docx or text-layout grids, search.tableview reads their rows) first;
when a part of the template was printed one cell per line (a text dump), from the stream
of the report's lines: labels, then the figures after them. Each figure is found by the
row's labels and the column's heading (search/data/statistics.toml); a table printed
without headings is read by the template's column order.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..models import Table
from ..tableview import is_blank, is_number, number_value, row_views
from .template import Pattern, Template, first, label_form, template

Value = float | int | None


@dataclass
class Read:
    """What the tables of one report hold, before figures and checks are derived."""

    applications: dict[str, dict[str, Value]] = field(default_factory=dict)  # row key → applicant column → value
    proactive: dict[str, Value] = field(default_factory=dict)  # regulations_issued …
    review: dict[str, Value] = field(default_factory=dict)  # review_upheld, litigation_direct_total …
    words: list[str] = field(default_factory=list)  # every label and heading seen (which template?)
    sources: set[str] = field(default_factory=set)  # "table", "stream"

    @property
    def empty(self) -> bool:
        return not (self.applications or self.proactive or self.review)


def _kind_of(table_words: str, spec: Template) -> str | None:
    if spec.application_table.search(table_words):
        return "applications"
    if spec.review_table.search(table_words):
        return "review"
    if spec.proactive_table.search(table_words):
        return "proactive"
    return None


def _applicant_columns(headings: list[str], spec: Template) -> list[str] | None:
    """The applicant column of each figure, by heading; by position when headings do not name them."""
    columns = [first(spec.applicant_columns, label_form(h)) for h in headings]
    keys = [c.key if c else None for c in columns]
    if None not in keys and len(set(keys)) == len(keys):
        return keys
    if len(headings) == len(spec.applicant_columns):
        return [c.key for c in spec.applicant_columns]
    return None


def _application_row(read: Read, row: Pattern, columns: list[str], values: list[str]) -> None:
    if row.key in read.applications:
        return  # a repeated table (a copy of the body): the first one counts
    read.applications[row.key] = {column: number_value(value) for column, value in zip(columns, values)}


def _proactive_row(read: Read, row: Pattern, headings: list[str], values: list[str], spec: Template,
                   generation: str | None) -> None:
    columns = [first(spec.proactive_columns, label_form(h)) for h in headings]
    keys = [c.key if c else None for c in columns]
    if None in keys or len(set(keys)) != len(keys):
        positions = spec.proactive_positions.get(generation or "", {}).get(row.key)
        if positions is None or len(positions) != len(values):
            candidates = [p[row.key] for p in spec.proactive_positions.values()
                          if len(p.get(row.key, ())) == len(values)]
            if len({tuple(c) for c in candidates}) != 1:
                return
            positions = candidates[0]
        keys = list(positions)
    for key, value in zip(keys, values):
        read.proactive.setdefault(f"{row.key}_{key}", number_value(value))


def _review_figures(read: Read, labels: str, headings: list[str], values: list[str], spec: Template) -> None:
    named = []
    for heading in headings:
        text = label_form(labels + heading)
        group, outcome = first(spec.review_groups, text), first(spec.review_outcomes, text)
        named.append(f"{group.key}_{outcome.key}" if group and outcome else None)
    if None in named or len(set(named)) != len(named):
        if len(values) < len(spec.review_order) * len(spec.review_outcomes):
            return
        named = [f"{group}_{outcome.key}" for group in spec.review_order for outcome in spec.review_outcomes]
    for key, value in zip(named, values):
        read.review.setdefault(key, number_value(value))


def generation_of(words: str, read: Read | None = None) -> str | None:
    """Which template the words follow: "2019", "2021", or None when nothing tells."""
    spec = template()
    for generation in ("2019", "2021"):
        if spec.generations[generation].search(words):
            return generation
    if read is not None and any(key in read.applications for key in ("other_no_correction", "other_no_fee")):
        return "2021"
    return None


def read_tables(tables: tuple[Table, ...] | list[Table]) -> Read:
    """The template figures in the report's tables."""
    spec = template()
    read = Read()
    prepared = []
    for table in tables:
        words = [cell for row in table.rows for cell in row if cell and not is_number(cell)]
        read.words.extend(words)
        prepared.append((table, label_form(" ".join(dict.fromkeys(words)))))
    generation = generation_of(label_form(" ".join(read.words)))
    for table, table_words in prepared:
        kind = _kind_of(table_words, spec)
        if kind is None:
            continue
        for view in row_views(table):
            if not view.figures:
                continue
            labels = label_form("".join(view.labels))
            headings = [heading for heading, _ in view.figures]
            values = [value for _, value in view.figures]
            if kind == "review" or (not labels and len(values) >= 15 and spec.review_table.search(table_words)):
                _review_figures(read, labels, headings, values, spec)
            elif kind == "applications":
                row = first(spec.application_rows, labels) if labels else None
                columns = _applicant_columns(headings, spec)
                if row is not None and columns is not None:
                    _application_row(read, row, columns, values)
            else:
                row = first(spec.proactive_rows, labels) if labels else None
                if row is not None:
                    _proactive_row(read, row, headings, values, spec, generation)
    if not read.empty:
        read.sources.add("table")
    return read


def read_stream(lines: list[str], read: Read) -> Read:
    """Parts of the template the tables did not give, from a report printed one cell per line.

    Labels with no figures after them are context (第二十条第(一)项, 信息内容, the column
    headings); the label right before a run of figures names the row (规章 0 0 0,
    1.属于国家秘密 0 0 0 0 0 0 0). A row is taken only when it has exactly the figures its
    part of the template has (7 per application row, 15 for 复议/诉讼), so a dump that
    dropped a blank cell gives no figure rather than a wrong one.
    """
    spec = template()
    rows: list[tuple[list[str], list[str]]] = []
    context: list[str] = []
    figures: list[str] = []
    for line in lines:
        text = line.strip()
        if not text:
            continue
        parts = text.split()
        if all(is_number(part) or is_blank(part) for part in parts):
            figures.extend(part for part in parts if is_number(part))
            continue
        if figures:
            rows.append((context, figures))
            context, figures = [], []
        if len(text) > 80 or "。" in text:
            context = []
            continue
        context.append(text)
        read.words.append(text)
    if figures:
        rows.append((context, figures))
    generation = generation_of(label_form(" ".join(read.words)), read)
    applicant_count = len(spec.applicant_columns)
    review_count = len(spec.review_order) * len(spec.review_outcomes)
    before = (len(read.applications), len(read.proactive), len(read.review))
    for labels, values in rows:
        if not labels:
            continue
        own, everything = label_form(labels[-1]), label_form("".join(labels))
        if len(values) == review_count and ("复议" in everything or "诉讼" in everything) and not read.review:
            _review_figures(read, "", [""] * len(values), values, spec)
            continue
        row = first(spec.application_rows, own)
        if row is not None and len(values) == applicant_count:
            _application_row(read, row, [c.key for c in spec.applicant_columns], values)
            continue
        subject = first(spec.proactive_rows, own)
        if subject is not None and not any(key.startswith(subject.key + "_") for key in read.proactive):
            _proactive_row(read, subject, [""] * len(values), values, spec, generation)
    if (len(read.applications), len(read.proactive), len(read.review)) != before:
        read.sources.add("stream")
    return read
