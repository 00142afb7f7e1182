"""Cleaner stages that keep data tables as tables (issue 15).

    … header and title → **find_tables** → paragraphs → **place_tables** → kind …

``find_tables`` takes the tables out of the body lines before they become paragraphs:

* an HTML or .docx data table arrives as one TABLE_MARK line (its cells flattened) with
  its grid in ``extracted.tables``; the two are matched in order, by their words;
* a PDF or text dump has no table markup, but a run of lines that are a label followed
  by figures (``一、本年新收政府信息公开申请数量 232 28 0 1 2 4 267``) is a table row, and
  so is a line of figures alone among them; such runs become tables read from the layout.

Each table leaves a placeholder line (its labels, never its figures), so the paragraph
stage still sees the page's words where the table stood. ``place_tables`` then removes the
placeholders from the paragraphs, giving each table its section path and its position (the
number of paragraphs before it).
"""
from __future__ import annotations

import copy
import dataclasses
import re

from ..models import Table
from ..normalize import search_form
from ..structure import TABLE_MARK, Block
from ..tableview import flatten, is_number
from .draft import Draft

PLACEHOLDER = "\u2064"  # INVISIBLE PLUS: TABLE_MARK + PLACEHOLDER + n + PLACEHOLDER + labels
_PLACEHOLDER = re.compile(rf"^{PLACEHOLDER}(\d+){PLACEHOLDER}")
_KEY = re.compile(r"[\W_]+")
_FIGURE = r"[+\-]?\d[\d,]*(?:\.\d+)?%?"
# A label (not ending in a digit) and two or more figures, or figures alone
_FIGURE_ROW = re.compile(rf"^(?P<label>.*?[^\d\s.,%+\-])??\s*(?P<figures>{_FIGURE}(?:\s+{_FIGURE})+)\s*$")
_HEADER_ROW = re.compile(r"^[^\d。;!?:,]+$")
_MIN_FIGURES_ALONE = 4  # a single line of figures is a table row only with this many figures
MAX_LABEL = 80


def _key(text: str) -> str:
    return _KEY.sub("", search_form(text))


def _placeholder(number: int, table: Table) -> str:
    """The line a table leaves among the body lines: its number and its words (never its figures)."""
    words = []
    for row in table.rows:
        for cell in row:
            if cell and not is_number(cell) and cell not in words:
                words.append(cell)
    return TABLE_MARK + f"{PLACEHOLDER}{number}{PLACEHOLDER} " + " ".join(words)


def _figure_row(line: str) -> tuple[str, list[str]] | None:
    """(label, figures) when a line is a row of a table printed as text."""
    text = line.strip()
    if not text or "。" in text or len(text) > MAX_LABEL + 200:
        return None
    match = _FIGURE_ROW.match(text)
    if not match:
        return None
    label = (match.group("label") or "").strip()
    if len(label) > MAX_LABEL or re.search(r"[。;!?]", label):
        return None
    return label, match.group("figures").split()


def _header_cells(line: str) -> list[str] | None:
    """Column headings printed as one line of words separated by spaces (结果维持 结果纠正 …)."""
    text = line.strip()
    if not _HEADER_ROW.match(text) or len(text) > 120:
        return None
    cells = text.split()
    return cells if len(cells) >= 3 and all(len(cell) <= 12 for cell in cells) else None


def _text_table(headers: list[list[str]], rows: list[tuple[str, list[str]]]) -> Table:
    """A table read from text lines: the label in the first column, figures after it, headings over the figures."""
    width = 1 + max(len(figures) for _, figures in rows)
    grid = []
    for cells in headers:
        cells = cells[-(width - 1):]
        grid.append(tuple([""] * (width - len(cells)) + cells))
    for label, figures in rows:
        grid.append(tuple([label] + figures + [""] * (width - 1 - len(figures))))
    return Table(rows=tuple(grid), source="text")


def _layout_tables(lines: list[str]) -> list[tuple[int, int, Table]]:
    """(first line, end line, table) of every run of lines that reads as a table."""
    found = []
    index = 0
    while index < len(lines):
        rows: list[tuple[str, list[str]]] = []
        end = index
        while end < len(lines) and not lines[end].startswith(TABLE_MARK):
            row = _figure_row(lines[end])
            if row is None:
                break
            rows.append(row)
            end += 1
        if len(rows) >= 2 or (rows and len(rows[0][1]) >= _MIN_FIGURES_ALONE):
            start = index
            headers: list[list[str]] = []
            while start > 0 and len(headers) < 2:
                cells = _header_cells(lines[start - 1])
                if cells is None:
                    break
                headers.insert(0, cells)
                start -= 1
            found.append((start, end, _text_table(headers, rows)))
            index = end
        else:
            index += 1
    return found


def find_tables(draft: Draft) -> Draft:
    """Data tables out of the body lines (HTML/.docx grids, tables in a text layout), a placeholder in their place."""
    body = draft.body
    pending = list(draft.extracted.tables) if draft.extracted is not None else []
    pending_keys = [_key(flatten(table)) for table in pending]
    tables: list[Table] = []
    lines: list[str] = []
    for line in body:
        if line.startswith(TABLE_MARK) and pending:
            key = _key(line[len(TABLE_MARK):])
            # the next grid with the same words; a table the furniture stage dropped is passed over
            at = next((i for i, k in enumerate(pending_keys) if k == key), None)
            if at is None:
                at = next((i for i, k in enumerate(pending_keys) if k and (k in key or key in k)), None)
            if at is not None:
                table = pending[at]
                del pending[: at + 1], pending_keys[: at + 1]
                lines.append(_placeholder(len(tables), table))
                tables.append(table)
                continue
        lines.append(line)
    out: list[str] = []
    cursor = 0
    for start, end, table in _layout_tables(lines):
        out.extend(lines[cursor:start])
        out.append(_placeholder(len(tables), table))
        tables.append(table)
        cursor = end
    out.extend(lines[cursor:])
    if not tables:
        return draft
    header = dataclasses.replace(draft.header, body=out) if draft.header is not None else None
    return draft.but(header=header, lines=draft.lines if header is not None else tuple(out), tables=tuple(tables))


def place_tables(draft: Draft) -> Draft:
    """Placeholder paragraphs out; each table gets the section path and position where it stood."""
    if not draft.tables:
        return draft
    blocks: list[Block] = []
    placed: dict[int, Table] = {}
    mapper = copy.copy(draft.published) if draft.published is not None else None  # its own cursor
    for block in draft.blocks:
        match = _PLACEHOLDER.match(block.text)
        if match is None:
            blocks.append(block)
            continue
        number = int(match.group(1))
        if number < len(draft.tables) and number not in placed:
            table = draft.tables[number]
            if table.source == "text" and mapper is not None:  # read from working lines: back to the page's characters
                table = dataclasses.replace(table, rows=tuple(tuple(mapper.original(cell) for cell in row)
                                                              for row in table.rows))
            path = tuple(mapper.original(heading) for heading in block.section_path) if mapper else block.section_path
            placed[number] = dataclasses.replace(table, section_path=path, position=len(blocks))
    for number, table in enumerate(draft.tables):  # a placeholder a later stage dropped: the table stays, at the end
        placed.setdefault(number, dataclasses.replace(table, position=len(blocks)))
    tables = tuple(sorted(placed.values(), key=lambda table: table.position))
    return draft.but(blocks=tuple(blocks), tables=tables)
