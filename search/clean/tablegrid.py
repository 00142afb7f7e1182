"""Tables as grids: an HTML <table> or a .docx table → a Table with merged cells resolved.

信息公开 statistics tables merge cells everywhere: a 3×3 top-left cell holding the rule
(本列数据的勾稽关系…), 申请人情况 over seven columns, 三、本年度办理结果 down twenty-two rows.
The grid repeats a merged cell in every position it covers (as a reader sees it, and as
pandas.read_html resolves spans), and remembers the merge so a page can draw it again.
"""
from __future__ import annotations

from ..models import Table

MAX_SPAN = 60  # a colspan/rowspan past this is a broken page, not a statistics table
MAX_CELLS = 20_000  # grid positions of one table


def cell_text(cell) -> str:
    """A cell's visible text, its whitespace collapsed (a label broken by <br> reads whole: 商业<br>企业 → 商业企业)."""
    return " ".join(cell.text_content().split())


def _span(value: str | None, limit: int) -> int:
    try:
        number = int(str(value or "1").strip().rstrip(";"))
    except ValueError:
        return 1
    return max(1, min(number, limit))


def grid(rows: list[list[tuple[str, int, int]]], *, caption: str | None = None, source: str = "html") -> Table:
    """Rows of (text, rowspan, colspan) cells as a resolved grid.

    >>> table = grid([[("申请人情况", 1, 2)], [("自然人", 1, 1), ("总计", 1, 1)], [("3", 1, 1), ("3", 1, 1)]])
    >>> table.rows
    (('申请人情况', '申请人情况'), ('自然人', '总计'), ('3', '3'))
    >>> table.spans
    ((0, 0, 1, 2),)
    """
    occupied: dict[tuple[int, int], str] = {}
    spans: list[tuple[int, int, int, int]] = []
    width = 0
    for r, cells in enumerate(rows):
        c = 0
        for text, rowspan, colspan in cells:
            while (r, c) in occupied:
                c += 1
            rowspan = max(1, min(rowspan, len(rows) - r))
            # a cell never overlaps one merged down from above (browsers draw such pages overlapping)
            colspan = next((dc for dc in range(1, colspan) if (r, c + dc) in occupied), colspan)
            if len(occupied) + rowspan * colspan > MAX_CELLS:
                break
            for dr in range(rowspan):
                for dc in range(colspan):
                    occupied[(r + dr, c + dc)] = text
            if rowspan > 1 or colspan > 1:
                spans.append((r, c, rowspan, colspan))
            c += colspan
            width = max(width, c)
        width = max(width, max((col + 1 for (row, col) in occupied if row == r), default=0))
    resolved = tuple(tuple(occupied.get((r, c), "") for c in range(width)) for r in range(len(rows)))
    return _without_empty_rows(Table(rows=resolved, caption=caption or None, spans=tuple(spans), source=source))


def _without_empty_rows(table: Table) -> Table:
    """Rows with no text at all (spacer rows) dropped, merges moved up with their rows."""
    keep = [r for r, row in enumerate(table.rows) if any(cell.strip() for cell in row)]
    if len(keep) == len(table.rows):
        return table
    new_index = {old: new for new, old in enumerate(keep)}
    spans = []
    for r, c, rows, cols in table.spans:
        covered = [new_index[row] for row in range(r, r + rows) if row in new_index]
        if covered and (len(covered) > 1 or cols > 1):
            spans.append((covered[0], c, len(covered), cols))
    return Table(rows=tuple(table.rows[r] for r in keep), caption=table.caption, spans=tuple(spans),
                 source=table.source)


def html_table(element) -> Table:
    """An lxml <table> element (no nested tables) as a Table."""
    caption_element = element.find("caption")
    caption = cell_text(caption_element) if caption_element is not None else None
    rows = []
    for row in element.iter("tr"):
        cells = []
        for cell in row:
            tag = cell.tag.lower() if isinstance(cell.tag, str) else ""
            if tag not in ("td", "th"):
                continue
            style = (cell.get("style") or "").replace(" ", "").lower()
            if "display:none" in style:
                continue
            cells.append((cell_text(cell), _span(cell.get("rowspan"), MAX_SPAN), _span(cell.get("colspan"), MAX_SPAN)))
        rows.append(cells)
    return grid(rows, caption=caption, source="html")


def docx_table(table) -> Table:
    """A python-docx Table as a Table: horizontal merges (gridSpan) and vertical ones (vMerge) resolved."""
    from docx.oxml.ns import qn

    rows: list[list[tuple[str, int, int]]] = []
    pending: dict[int, tuple[int, int]] = {}  # grid column → (row, index in that row) of the open vertical merge
    for r, tr in enumerate(table._tbl.tr_lst):
        cells: list[tuple[str, int, int]] = []
        column = 0
        for tc in tr.tc_lst:
            properties = tc.tcPr
            span = 1
            merge = None
            if properties is not None:
                grid_span = properties.find(qn("w:gridSpan"))
                if grid_span is not None:
                    span = _span(grid_span.get(qn("w:val")), MAX_SPAN)
                v_merge = properties.find(qn("w:vMerge"))
                if v_merge is not None:
                    merge = v_merge.get(qn("w:val")) or "continue"
            text = " ".join(" ".join("".join(t.text or "" for t in p.iter(qn("w:t"))).split())
                            for p in tc.iter(qn("w:p"))).strip()
            if merge == "continue" and column in pending:
                owner_row, owner_index = pending[column]
                text_, rowspan, colspan = rows[owner_row][owner_index]
                rows[owner_row][owner_index] = (text_, rowspan + 1, colspan)
            else:
                if merge == "restart":
                    pending[column] = (r, len(cells))
                else:
                    pending.pop(column, None)
                cells.append((text, 1, span))
            column += span
        rows.append(cells)
    # A vertical merge's continuation cells were folded into their owner's rowspan: grid()
    # places the other cells of those rows around it.
    return grid(rows, source="docx")
