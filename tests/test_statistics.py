"""信息公开 statistics as data (issue 15): tables kept as tables, the template's tables read into
named figures, the template's checks, figures stated in prose.

The pages are template-faithful synthetic reports (tests/statistics_pages.py): merged header
cells as the 国办公开办函〔2021〕30号 format prints them, UTF-8 and GBK without a charset, one
whose totals do not add up, a .docx with the tables, one in the 2019 format.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))

from statistics_pages import COLUMNS, report_docx, report_html  # noqa: E402

from search.clean import clean_page  # noqa: E402
from search.clean.tablegrid import grid  # noqa: E402
from search.models import DISCLOSURE_REPORT, RawPage  # noqa: E402
from search.statistics import read_statistics  # noqa: E402
from search.statistics.prose import prose_figures  # noqa: E402
from search.tableview import row_views  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "realpages" / "pages"


def clean(content: bytes, source: str = "report.html", **kwargs):
    return clean_page(RawPage(content=content, source=source, **kwargs), max_bytes=10 * 1024 * 1024)


def expected(figures: dict) -> dict:
    """The named figures a page built from ``figures`` must give (总计 column, per column for some rows)."""
    values = figures["applications"]
    out = {key: sum(row) for key, row in values.items()}
    for key in ("new_applications", "carried_over", "results_total", "carried_forward"):
        out.update({f"{key}_{column}": values[key][index] for index, column in enumerate(COLUMNS)})
    out["review_total"] = sum(figures["review"])
    out["litigation_direct_total"] = sum(figures["direct"])
    out["litigation_after_review_total"] = sum(figures["after"])
    out["litigation_total"] = sum(figures["direct"]) + sum(figures["after"])
    out["review_corrected"] = figures["review"][1]
    proactive = figures["proactive"]
    out["regulations_issued"] = proactive["regulations"][0]
    if figures["template"] == "2021":
        out["normative_docs_in_force"] = proactive["normative_docs"][2]
        out["licensing_decisions"] = proactive["licensing"][0]
        out["fees_amount"] = 123.45
    return out


def assert_figures(statistics, figures: dict) -> None:
    for key, value in expected(figures).items():
        assert statistics.figures.get(key) == value, (key, statistics.figures.get(key), value)


# --- tables stay tables ------------------------------------------------------------------------

def test_html_tables_are_tables_with_merged_cells_resolved():
    html, _ = report_html()
    report = clean(html.encode("utf-8"))
    assert report.report_kind == DISCLOSURE_REPORT
    assert len(report.tables) == 3
    application = report.tables[1]
    assert application.section_path == ("三、收到和处理政府信息公开申请情况",)
    assert all(len(row) == 10 for row in application.rows)  # 3 label columns + 7 applicant columns
    assert application.rows[0][:3] == (application.rows[0][0],) * 3 and "勾稽关系" in application.rows[2][2]
    assert application.rows[0][3:] == ("申请人情况",) * 7
    assert application.rows[1][3] == application.rows[2][3] == "自然人"  # rowspan 2
    assert (0, 0, 3, 3) in application.spans and (5, 0, 22, 1) in application.spans
    assert [row[0] for row in application.rows[5:27]] == ["三、本年度办理结果"] * 22
    # the figures are not paragraphs any more; the prose around the tables is
    texts = [p.text for p in report.paragraphs]
    assert not any("本年新收政府信息公开申请数量" in text for text in texts)
    assert any("全年主动公开政府信息34152条" in text for text in texts)


def test_a_hit_on_a_table_shows_its_row_with_column_headings():
    html, figures = report_html()
    report = clean(html.encode("utf-8"))
    views = {view.labels[-1]: view for view in row_views(report.tables[1]) if view.labels}
    secret = views["1.属于国家秘密"]
    assert secret.labels == ("三、本年度办理结果", "（三）不予公开", "1.属于国家秘密")
    assert secret.figures[0] == ("自然人", str(figures["applications"]["withheld_state_secret"][0]))
    assert secret.figures[-1][0] == "总计"
    assert secret.searchable() == "三、本年度办理结果 （三）不予公开 1.属于国家秘密"  # the labels, never the figures
    review = row_views(report.tables[2])[0]
    assert not review.labels and review.heading[:2] == ("行政复议", "行政诉讼")
    assert review.figures[0][0] == "行政复议·结果维持"


# --- figures and checks ------------------------------------------------------------------------

def test_template_tables_read_into_named_figures_utf8():
    html, figures = report_html(seed=3)
    report = clean(html.encode("utf-8"))
    statistics = report.statistics
    assert statistics.template == "2021"
    assert_figures(statistics, figures)
    assert statistics.figures["proactive_items_prose"] == 34152
    assert {check.rule for check in statistics.checks} >= {"results_total", "balance", "total_column", "review_total",
                                                           "litigation_direct_total", "litigation_after_review_total"}
    assert statistics.balanced and "statistics_unbalanced" not in report.quality


def test_gbk_page_without_charset_reads_the_same():
    html, figures = report_html(seed=5, charset=None)
    utf8 = clean(html.encode("utf-8")).statistics
    gbk = clean(html.encode("gbk")).statistics
    assert gbk.figures == utf8.figures and gbk.balanced
    assert_figures(gbk, figures)


def test_totals_that_do_not_add_up_are_caught():
    html, _ = report_html(seed=2, unbalanced=True)
    report = clean(html.encode("utf-8"))
    failed = {check.rule: check for check in report.statistics.checks if not check.ok}
    assert set(failed) == {"results_total", "balance", "total_column"}
    assert "自然人列" in failed["results_total"].detail and "≠" in failed["results_total"].detail
    assert "statistics_unbalanced" in report.quality
    assert not report.statistics.balanced


def test_docx_with_the_tables_reads_the_same_figures():
    content, figures = report_docx(seed=4)
    report = clean(content, source="https://example.gov.cn.example/2023.docx", url="https://example.gov.cn.example/2023.docx")
    assert len(report.tables) == 3 and all(table.source == "docx" for table in report.tables)
    assert (0, 0, 3, 3) in report.tables[1].spans  # the rule cell: merged over 3×3 in Word too
    assert_figures(report.statistics, figures)
    assert report.statistics.balanced
    html, _ = report_html(seed=4)
    assert clean(html.encode("utf-8")).statistics.figures == report.statistics.figures


def test_the_2019_format_is_read_too():
    html, figures = report_html(year=2019, seed=6, template="2019")
    statistics = clean(html.encode("utf-8")).statistics
    assert statistics.template == "2019"
    assert_figures(statistics, figures)
    assert statistics.figures["other_processing"] == sum(figures["applications"]["other_processing"])
    assert statistics.figures["regulations_disclosed_total"] == figures["proactive"]["regulations"][2]
    assert statistics.figures["licensing_items_change"] == -3
    assert statistics.figures["procurement_amount"] == 5321.5
    assert "normative_docs_in_force" not in statistics.figures  # the 2019 format has no 现行有效 column
    assert statistics.balanced


def test_a_blank_total_column_is_summed_and_said_so():
    html, figures = report_html(seed=7, blank_total=True)
    statistics = clean(html.encode("utf-8")).statistics
    assert statistics.figures["new_applications"] == sum(figures["applications"]["new_applications"])
    check = next(check for check in statistics.checks if check.rule == "total_column")
    assert check.ok and "空白" in check.detail


def test_a_report_printed_as_text_rows_gives_a_table_read_from_the_layout():
    from portal.documents import make_pdf

    lines = ["某区2023年政府信息公开工作年度报告", "三、收到和处理政府信息公开申请情况",
             "一、本年新收政府信息公开申请数量 10 2 0 0 0 1 13",
             "二、上年结转政府信息公开申请数量 1 0 0 0 0 0 1",
             "（七）总计 9 2 0 0 0 1 12",
             "四、结转下年度继续办理 2 0 0 0 0 0 2"]
    report = clean(make_pdf(lines), source="https://example.gov.cn.example/a.pdf", url="https://example.gov.cn.example/a.pdf")
    assert report.tables and report.tables[0].source == "text"
    statistics = read_statistics(report.tables)
    assert statistics.figures["new_applications"] == 13 and statistics.figures["carried_forward"] == 2
    assert next(c for c in statistics.checks if c.rule == "balance").ok


@pytest.mark.parametrize("text, key, value", [
    ("全年主动公开政府信息34152条,其中政策文件520条。", "proactive_items_prose", 34152),
    ("在政府网站主动公开各类信息92.5万余条。", "proactive_items_prose", 925000),
    ("全省行政机关主动公开信息62.73万条。", "proactive_items_prose", 627300),
    ("区信访办2019年政府信息主动公开共7条。", "proactive_items_prose", 7),
    ("2021年全区共受理政府信息公开申请件1156件,1132件已按规定答复。", "applications_prose", 1156),
    ("全年因政府信息公开被申请行政复议49件,其中被纠正6件。", "review_prose", 49),
])
def test_prose_figures_are_read_and_marked_as_prose(text, key, value):
    assert prose_figures([text])[key] == value


def test_prose_with_no_number_states_no_figure():
    assert prose_figures(["2021年通过政府网站主动公开各类政务信息万余条。", "编制发布政府信息主动公开全清单,明确155条。"]) == {}


@pytest.mark.skipif(not (SHARED / "007.txt").exists(), reason="../shared/realpages not here")
def test_a_real_text_dump_in_the_2019_format_gives_its_figures():
    """A real page printed one cell per line (read from ../shared, never copied here)."""
    report = clean((SHARED / "007.txt").read_bytes(), source="007.txt", content_type="text/plain")
    figures = report.statistics.figures
    assert report.statistics.template == "2019"
    assert figures["regulations_issued"] == 0 and figures["licensing_decisions"] == 0
    assert figures["proactive_items_prose"] == 7


# --- promises for any table ----------------------------------------------------------------------

cells = st.tuples(st.sampled_from(["", "0", "12", "规章", "自然人", "总计", "3.其他"]),
                  st.integers(1, 4), st.integers(1, 4))


@hypothesis_settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(cells, min_size=1, max_size=5), min_size=1, max_size=6))
def test_any_merged_grid_is_rectangular_and_every_merge_covers_its_text(rows):
    table = grid(rows)
    widths = {len(row) for row in table.rows}
    assert len(widths) <= 1
    for r, c, height, width in table.spans:
        text = table.rows[r][c]
        assert all(table.rows[r + dr][c + dc] == text for dr in range(height) for dc in range(width))
    row_views(table)  # any grid reads as rows without an error


@hypothesis_settings(max_examples=100, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 6), st.integers(1, 9))
def test_any_consistent_report_balances_and_any_changed_total_is_caught(seed, column, delta):
    from statistics_pages import application_table, figures_for
    from search.clean.tablegrid import grid as make_grid

    figures = figures_for(seed)
    rows = application_table(figures)
    assert read_statistics([make_grid(rows)]).balanced
    total = next(i for i, row in enumerate(rows) if row[0][0] == "（七）总计")
    changed = list(rows[total])
    text, rowspan, colspan = changed[1 + column]
    changed[1 + column] = (str(int(text) + delta), rowspan, colspan)
    rows[total] = changed
    assert not read_statistics([make_grid(rows)]).balanced
