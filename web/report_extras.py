"""What the report page shows beside the text (issue 15): its tables as tables, its statistics
and checks, and how much it repeats its previous report. Plain values for the template.
"""
from __future__ import annotations

from markupsafe import Markup

from search.highlight import mark, match_spans
from search.models import Report, Table
from search.statistics.template import figure_label
from search.tableview import is_number, origins, row_views, table_rows

# The figures the report page lists first (all of them are in the JSON and the CSV)
KEY_FIGURES = ("new_applications", "carried_over", "disclosed", "partly_disclosed", "withheld", "unavailable",
               "results_total", "carried_forward", "review_total", "litigation_total", "regulations_issued",
               "normative_docs_in_force", "licensing_decisions", "penalties_decisions", "proactive_items_prose")
RULE_NAMES = {"results_total": "(七)总计 = 各项之和", "balance": "新收+上年结转 = 总计+结转下年度",
              "total_column": "总计列 = 各申请人列之和", "review_total": "行政复议总计 = 四项之和",
              "litigation_direct_total": "行政诉讼(直接起诉)总计 = 四项之和",
              "litigation_after_review_total": "行政诉讼(复议后起诉)总计 = 四项之和"}


def _cell_html(text: str, terms) -> Markup:
    return mark(text, match_spans(text, terms)) if terms and text and not is_number(text) else Markup.escape(text)


def table_item(report: Report, index: int, table: Table, terms, target: str, seqs: dict) -> dict:
    """One table as rows of cells to draw (merged cells merged again), with its searchable rows'
    anchors (#p<seq>), which rows the query's words mark and which one a link targets."""
    owner = origins(table)
    span_of = {(r, c): (rows, cols) for r, c, rows, cols in table.spans}
    views = {view.row: view for view in row_views(table)}
    header_rows = {r for r in range(len(table.rows)) if r not in views or not views[r].figures} \
        if any(v.figures for v in views.values()) else set()
    rows, matched = [], []
    for r, row in enumerate(table.rows):
        cells = []
        for c, text in enumerate(row):
            if owner.get((r, c), (r, c)) != (r, c):
                continue  # covered by a merged cell
            rowspan, colspan = span_of.get((r, c), (1, 1))
            cells.append({"html": _cell_html(text, terms), "rowspan": rowspan, "colspan": colspan,
                          "number": is_number(text), "header": r in header_rows})
        seq = seqs.get((index, r))
        view = views.get(r)
        hit = bool(terms and view is not None and match_spans(view.searchable(), terms))
        entry = {"cells": cells, "seq": seq, "anchor": f"p{seq}" if seq is not None else None, "matched": hit,
                 "target": seq is not None and str(seq) == target, "header": r in header_rows}
        rows.append(entry)
        if hit and seq is not None:
            matched.append({"anchor": f"p{seq}", "label": f"表{index + 1}第{r + 1}行"})
    return {"index": index, "caption": table.caption, "rows": rows, "matched": matched, "source": table.source,
            "anchor": f"t{index}", "section_path": table.section_path}


def table_items(report: Report, terms, target: str = "") -> list[dict]:
    """Every table of the report, ready to draw."""
    seqs = {(row.table, row.view.row): row.seq for row in table_rows(report.tables)}
    return [table_item(report, index, table, terms, target, seqs) for index, table in enumerate(report.tables)]


def statistics_panel(report: Report) -> dict | None:
    """The key figures (named) and the checks of a 信息公开 report, or None."""
    statistics = report.statistics
    if statistics is None:
        return None
    figures = statistics.figures
    shown = [{"key": key, "label": figure_label(key), "value": figures[key]} for key in KEY_FIGURES if key in figures]
    checks = [{"rule": c.rule, "name": RULE_NAMES.get(c.rule, c.rule), "ok": c.ok, "detail": c.detail}
              for c in statistics.checks]
    return {"figures": shown, "count": len(figures), "checks": checks, "balanced": statistics.balanced,
            "template": statistics.template, "failed": [c for c in checks if not c["ok"]]}


def reuse_line(report: Report) -> dict | None:
    """The reuse figure as the page says it, or None before it was measured."""
    reuse = report.reuse
    if reuse is None:
        return None
    ratio = reuse.reused_sentence_ratio
    return {"previous": reuse.previous_report_id, "ratio": ratio,
            "percent": f"{ratio * 100:.0f}%" if ratio is not None else None,
            "sentences": reuse.sentences, "reused": reuse.reused}
