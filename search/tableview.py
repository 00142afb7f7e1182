"""Reading a Table the way a person does: which cells are labels, which are figures, and
what each row says with its column headings.

Used by the index (a table's labels are searchable, its figures are not), the report page
and search hits (a hit on a table shows its row), and the statistics reader.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .models import Table

# A figure cell: 232, -35, 3120.45, 1,234, 98.3%, or a placeholder for none (blank, -, —, /, 无)
_NUMBER = re.compile(r"^[+\-−]?\s*\d[\d,，]*(?:[.．]\d+)?\s*[%％]?$")
_NONE = {"", "-", "—", "–", "/", "／", "无", "——", "--", "\\"}
ROW_SEPARATOR = "; "


def is_number(text: str) -> bool:
    """True for a figure cell.

    >>> [is_number(t) for t in ("232", "-35", "3120.45", "1,234", "98.3%", "商业企业", "2.重复申请")]
    [True, True, True, True, True, False, False]
    """
    return bool(_NUMBER.match(text.strip()))


def is_blank(text: str) -> bool:
    """True for an empty cell or a placeholder that means none (-, —, /, 无)."""
    return text.strip() in _NONE


def number_value(text: str) -> float | None:
    """A figure cell's value (a blank cell is None; the template reads blank as 0 where it matters).

    >>> number_value("1,234"), number_value("-35"), number_value("3120.45"), number_value("")
    (1234, -35, 3120.45, None)
    """
    text = text.strip().replace("，", ",").replace("．", ".").replace("−", "-").replace(" ", "")
    if not _NUMBER.match(text):
        return None
    text = text.rstrip("%％").replace(",", "")
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def origins(table: Table) -> dict[tuple[int, int], tuple[int, int]]:
    """Every position a merged cell covers → the position it starts at (its own included)."""
    owner: dict[tuple[int, int], tuple[int, int]] = {}
    for r, c, rows, cols in table.spans:
        for dr in range(rows):
            for dc in range(cols):
                owner[(r + dr, c + dc)] = (r, c)
    return owner


def row_cells(table: Table, r: int, owner: dict | None = None) -> list[tuple[int, str]]:
    """The cells of row ``r`` as (first column, text): a cell merged across columns once, a
    cell merged down from a row above included (a row label over several rows belongs to each)."""
    owner = origins(table) if owner is None else owner
    cells = []
    for c, text in enumerate(table.rows[r]):
        start = owner.get((r, c), (r, c))
        if start[1] != c:
            continue  # covered from the left: the same cell again
        cells.append((c, text))
    return cells


def flatten(table: Table) -> str:
    """The table as one line (cells by spaces, rows by ;), as pages were indexed before tables were kept."""
    owner = origins(table)
    lines = []
    for r in range(len(table.rows)):
        cells = [text for c, text in row_cells(table, r, owner) if owner.get((r, c), (r, c))[0] == r and text]
        if cells:
            lines.append(" ".join(cells))
    return ROW_SEPARATOR.join(lines)


def is_data_grid(table: Table) -> bool:
    """A table of figures or short labels (not a layout table holding paragraphs)."""
    if len(table.rows) < 2:
        return False
    owner = origins(table)
    texts = [text for r in range(len(table.rows)) for c, text in row_cells(table, r, owner)
             if owner.get((r, c), (r, c))[0] == r and text]
    return bool(texts) and sum(map(len, texts)) / len(texts) <= 30


@dataclass(frozen=True)
class RowView:
    """One row of figures as a reader takes it in: its labels and each figure under its column heading."""

    row: int  # index in table.rows
    labels: tuple[str, ...]  # the row's label cells, left to right (merged labels from above included)
    figures: tuple[tuple[str, str], ...]  # (column heading, cell text) of each figure cell
    heading: tuple[str, ...] = ()  # the header cells above this block of rows (caption first), for its first row

    def text(self) -> str:
        """The row as one line: 一、本年新收政府信息公开申请数量：自然人 771 | 法人或其他组织·商业企业 81 | …"""
        figures = " | ".join(f"{name} {value or '—'}".strip() for name, value in self.figures)
        labels = " ".join(self.labels)
        if labels and figures:
            return f"{labels}：{figures}"
        return labels or figures

    def searchable(self) -> str:
        """What the index reads: the row's labels (and, for a block's first row, the caption and
        column headings); never the figures."""
        return " ".join((*self.heading, *self.labels))


def _column_headings(table: Table, header_rows: list[int], label_columns: set[int], width: int,
                     owner: dict) -> list[str]:
    """Each column's heading: the header texts above it, top to bottom, once each; a heading
    over every figure column (申请人情况) says nothing about one column and is left out."""
    per_column: list[list[str]] = [[] for _ in range(width)]
    for r in header_rows:
        for c in range(width):
            text = table.rows[r][c]
            if text and c not in label_columns and text not in per_column[c]:
                per_column[c].append(text)
    figure_columns = [c for c in range(width) if c not in label_columns and per_column[c]]
    if len({tuple(per_column[c]) for c in figure_columns}) <= 1:
        return [texts[-1] if texts else "" for texts in per_column]  # one heading over them all: its lowest line
    common = set.intersection(*(set(per_column[c]) for c in figure_columns))
    return ["·".join(t for t in texts if t not in common) or (texts[-1] if texts else "") for texts in per_column]


def row_views(table: Table) -> list[RowView]:
    """The rows that hold figures, each with its labels and column headings; rows with
    no figure cell at all (headers, or a table of words) come back as label-only views."""
    owner = origins(table)
    width = max((len(row) for row in table.rows), default=0)
    kinds = []  # per row: True when it holds a figure
    for row in table.rows:
        kinds.append(any(is_number(cell) for cell in row))
    if not any(kinds):  # a table of words: every row is searchable as it is
        views = []
        for r in range(len(table.rows)):
            cells = tuple(dict.fromkeys(text for _, text in row_cells(table, r, owner) if text))
            if cells:
                views.append(RowView(r, cells, (), (table.caption,) if table.caption and not views else ()))
        return views
    # Label columns: where the figure rows hold words (or a label merged from above).
    label_columns = {c for r, figure_row in enumerate(kinds) if figure_row
                     for c in range(width) if c < len(table.rows[r]) and table.rows[r][c]
                     and not is_number(table.rows[r][c]) and not is_blank(table.rows[r][c])}
    views: list[RowView] = []
    header_rows: list[int] = []
    block_started = False
    previous_figure_row = False
    for r, figure_row in enumerate(kinds):
        if not figure_row:
            if previous_figure_row:
                header_rows = []  # a new block of the table (第二十条第(五)项 …)
            header_rows.append(r)
            block_started = False
            previous_figure_row = False
            continue
        headings = _column_headings(table, header_rows, label_columns, width, owner)
        labels, figures = [], []
        for c, text in row_cells(table, r, owner):
            if c in label_columns and not is_number(text):
                if text and text not in labels:
                    labels.append(text)
            elif owner.get((r, c), (r, c))[0] == r:
                figures.append((headings[c] if c < len(headings) else "", text))
        heading: tuple[str, ...] = ()
        if not block_started:
            texts = [table.caption] if table.caption and not views else []
            for h in header_rows:
                texts += [text for _, text in row_cells(table, h, owner) if text]
            heading = tuple(dict.fromkeys(t for t in texts if t))
        views.append(RowView(r, tuple(labels), tuple(figures), heading))
        block_started = True
        previous_figure_row = True
    return views


# In the index a table row is a searchable unit beside the paragraphs, numbered from here
# (paragraph_id report-<seq>, report page anchor #p<seq>), so that paragraphs keep 0, 1, 2 …
TABLE_SEQ = 1_000_000


@dataclass(frozen=True)
class TableRow:
    """A table row as a searchable unit of its report."""

    seq: int
    table: int  # index in report.tables
    view: RowView
    section_path: tuple[str, ...]


def table_rows(tables) -> list[TableRow]:
    """Every table row with words to search (its labels, or a block's headings), numbered from TABLE_SEQ."""
    rows: list[TableRow] = []
    for index, table in enumerate(tables):
        for view in row_views(table):
            if view.searchable().strip():
                rows.append(TableRow(TABLE_SEQ + len(rows), index, view, tuple(table.section_path)))
    return rows


def is_table_seq(seq: int | str) -> bool:
    """True when a paragraph number names a table row."""
    try:
        return int(seq) >= TABLE_SEQ
    except (TypeError, ValueError):
        return False
