"""Template-faithful synthetic 信息公开 reports for the statistics tests (issue 15).

The tables follow 国办公开办函〔2021〕30号 (and the 2019 format) cell for cell: the 3×3 rule
cell top left, 申请人情况 over seven columns, 三、本年度办理结果 down twenty-two rows, the
(三)…(六) groups down their items, 行政复议 over two rows and 行政诉讼 over ten columns.
A table is a list of rows of (text, rowspan, colspan) cells, drawn as HTML or as a .docx
table with the same merges. The figures are invented; the report says it is synthetic.
"""
from __future__ import annotations

import io

CELL = tuple[str, int, int]
APPLICANTS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
COLUMNS = ("natural_person", "commercial", "research", "public_interest", "legal_services", "other_org")
RULE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

# (key, group heading or None, label) of the 办理结果 rows, in the template's order
RESULTS_2021 = [
    ("disclosed", None, "（一）予以公开"),
    ("partly_disclosed", None, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("withheld_state_secret", "（三）不予公开", "1.属于国家秘密"),
    ("withheld_prohibited", "（三）不予公开", "2.其他法律行政法规禁止公开"),
    ("withheld_security", "（三）不予公开", "3.危及“三安全一稳定”"),
    ("withheld_third_party", "（三）不予公开", "4.保护第三方合法权益"),
    ("withheld_internal_affairs", "（三）不予公开", "5.属于三类内部事务信息"),
    ("withheld_process_information", "（三）不予公开", "6.属于四类过程性信息"),
    ("withheld_enforcement_files", "（三）不予公开", "7.属于行政执法案卷"),
    ("withheld_inquiry", "（三）不予公开", "8.属于行政查询事项"),
    ("unavailable_not_held", "（四）无法提供", "1.本机关不掌握相关政府信息"),
    ("unavailable_needs_creating", "（四）无法提供", "2.没有现成信息需要另行制作"),
    ("unavailable_unclear", "（四）无法提供", "3.补正后申请内容仍不明确"),
    ("not_processed_petition", "（五）不予处理", "1.信访举报投诉类申请"),
    ("not_processed_repeated", "（五）不予处理", "2.重复申请"),
    ("not_processed_publications", "（五）不予处理", "3.要求提供公开出版物"),
    ("not_processed_excessive", "（五）不予处理", "4.无正当理由大量反复申请"),
    ("not_processed_confirmation", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"),
    ("other_no_correction", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_no_fee", "（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other_other", "（六）其他处理", "3.其他"),
]
# the 2019 format: (六)其他处理 is one row
RESULTS_2019 = [row for row in RESULTS_2021 if row[1] != "（六）其他处理"] + [("other_processing", None, "（六）其他处理")]


def figures_for(seed: int, template: str = "2021") -> dict:
    """Invented but consistent figures: per applicant column, new + carried = results + carried forward."""
    results = RESULTS_2021 if template == "2021" else RESULTS_2019
    values = {}
    for index, (key, _, _) in enumerate(results):
        values[key] = [((seed * 7 + index * 13 + column * 5) % 9) * (3 if column == 0 else 1) for column in range(6)]
    values["carried_over"] = [(seed + column) % 4 for column in range(6)]
    values["carried_forward"] = [(seed * 3 + column) % 5 for column in range(6)]
    total = [sum(values[key][column] for key, _, _ in results) for column in range(6)]
    values["results_total"] = total
    values["new_applications"] = [total[c] + values["carried_forward"][c] - values["carried_over"][c] for c in range(6)]
    review = [seed % 5 + 3, seed % 3, 1, seed % 2]
    direct = [seed % 4 + 1, 1, 0, 2]
    after = [2, seed % 2, 1, 0]
    proactive = {"regulations": [0, 0, 2], "normative_docs": [seed % 6 + 3, seed % 3, seed % 40 + 20],
                 "licensing": [seed * 101 % 9000 + 1000], "penalties": [seed * 37 % 5000 + 200],
                 "enforcement": [seed % 90 + 5], "fees": ["123.45"]}
    return {"applications": values, "review": review, "direct": direct, "after": after, "proactive": proactive,
            "template": template}


def _application_row(label_cells: list[CELL], values: list[int], blank_total: bool = False) -> list[CELL]:
    cells = list(label_cells) + [(str(v), 1, 1) for v in values]
    return cells + [("" if blank_total else str(sum(values)), 1, 1)]


def application_table(figures: dict, blank_total: bool = False) -> list[list[CELL]]:
    """三、收到和处理政府信息公开申请情况 with the template's merges."""
    values = figures["applications"]
    results = RESULTS_2021 if figures["template"] == "2021" else RESULTS_2019
    rows: list[list[CELL]] = [
        [(RULE, 3, 3), ("申请人情况", 1, 7)],
        [("自然人", 2, 1), ("法人或其他组织", 1, 5), ("总计", 2, 1)],
        [(name, 1, 1) for name in APPLICANTS[1:]],
        _application_row([("一、本年新收政府信息公开申请数量", 1, 3)], values["new_applications"], blank_total),
        _application_row([("二、上年结转政府信息公开申请数量", 1, 3)], values["carried_over"], blank_total),
    ]
    group_sizes: dict[str, int] = {}
    for _, group, _ in results:
        if group:
            group_sizes[group] = group_sizes.get(group, 0) + 1
    for position, (key, group, label) in enumerate(results):
        cells: list[CELL] = []
        if position == 0:
            cells.append(("三、本年度办理结果", len(results) + 1, 1))
        if group is None:
            cells.append((label, 1, 2))
        else:
            if results[position - 1][1] != group:
                cells.append((group, group_sizes[group], 1))
            cells.append((label, 1, 1))
        rows.append(_application_row(cells, values[key], blank_total))
    rows.append(_application_row([("（七）总计", 1, 2)], values["results_total"], blank_total))
    rows.append(_application_row([("四、结转下年度继续办理", 1, 3)], values["carried_forward"], blank_total))
    return rows


def review_table(figures: dict) -> list[list[CELL]]:
    """四、政府信息公开行政复议、行政诉讼情况: 行政复议 over two rows, 行政诉讼 over ten columns."""
    outcomes = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    numbers = []
    for group in (figures["review"], figures["direct"], figures["after"]):
        numbers += [str(v) for v in group] + [str(sum(group))]
    return [
        [("行政复议", 2, 5), ("行政诉讼", 1, 10)],
        [("未经复议直接起诉", 1, 5), ("复议后起诉", 1, 5)],
        [(name, 1, 1) for name in outcomes * 3],
        [(value, 1, 1) for value in numbers],
    ]


def proactive_table(figures: dict) -> list[list[CELL]]:
    """二、主动公开政府信息情况, in blocks headed 第二十条第（一）项 …"""
    p = figures["proactive"]
    if figures["template"] == "2019":
        return [
            [("第二十条第（一）项", 1, 4)],
            [("信息内容", 1, 1), ("本年新制作数量", 1, 1), ("本年新公开数量", 1, 1), ("对外公开总数量", 1, 1)],
            [("规章", 1, 1), *[(str(v), 1, 1) for v in p["regulations"]]],
            [("规范性文件", 1, 1), *[(str(v), 1, 1) for v in p["normative_docs"]]],
            [("第二十条第（五）项", 1, 4)],
            [("信息内容", 1, 1), ("上一年项目数量", 1, 1), ("本年增/减", 1, 1), ("处理决定数量", 1, 1)],
            [("行政许可", 1, 1), ("40", 1, 1), ("-3", 1, 1), (str(p["licensing"][0]), 1, 1)],
            [("其他对外管理服务事项", 1, 1), ("12", 1, 1), ("0", 1, 1), ("88", 1, 1)],
            [("第二十条第（六）项", 1, 4)],
            [("信息内容", 1, 1), ("上一年项目数量", 1, 1), ("本年增/减", 1, 1), ("处理决定数量", 1, 1)],
            [("行政处罚", 1, 1), ("300", 1, 1), ("5", 1, 1), (str(p["penalties"][0]), 1, 1)],
            [("行政强制", 1, 1), ("20", 1, 1), ("0", 1, 1), (str(p["enforcement"][0]), 1, 1)],
            [("第二十条第（八）项", 1, 4)],
            [("信息内容", 1, 1), ("上一年项目数量", 1, 1), ("本年增/减", 1, 2)],
            [("行政事业性收费", 1, 1), ("9", 1, 1), ("-1", 1, 2)],
            [("第二十条第（九）项", 1, 4)],
            [("信息内容", 1, 1), ("采购项目数量", 1, 1), ("采购总金额（万元）", 1, 2)],
            [("政府集中采购", 1, 1), ("77", 1, 1), ("5321.5", 1, 2)],
        ]
    return [
        [("第二十条第（一）项", 1, 4)],
        [("信息内容", 1, 1), ("本年制发件数", 1, 1), ("本年废止件数", 1, 1), ("现行有效件数", 1, 1)],
        [("规章", 1, 1), *[(str(v), 1, 1) for v in p["regulations"]]],
        [("行政规范性文件", 1, 1), *[(str(v), 1, 1) for v in p["normative_docs"]]],
        [("第二十条第（五）项", 1, 4)],
        [("信息内容", 1, 1), ("本年处理决定数量", 1, 3)],
        [("行政许可", 1, 1), (str(p["licensing"][0]), 1, 3)],
        [("第二十条第（六）项", 1, 4)],
        [("信息内容", 1, 1), ("本年处理决定数量", 1, 3)],
        [("行政处罚", 1, 1), (str(p["penalties"][0]), 1, 3)],
        [("行政强制", 1, 1), (str(p["enforcement"][0]), 1, 3)],
        [("第二十条第（八）项", 1, 4)],
        [("信息内容", 1, 1), ("本年收费金额（单位：万元）", 1, 3)],
        [("行政事业性收费", 1, 1), (p["fees"][0], 1, 3)],
    ]


def html_table(rows: list[list[CELL]]) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="3" width="100%">']
    for row in rows:
        cells = "".join(f'<td{f" rowspan={chr(34)}{r}{chr(34)}" if r > 1 else ""}'
                        f'{f" colspan={chr(34)}{c}{chr(34)}" if c > 1 else ""}>{text}</td>' for text, r, c in row)
        out.append(f"<tr>{cells}</tr>")
    out.append("</table>")
    return "\n".join(out)


def prose(year: int, figures: dict, proactive_items: str = "34152") -> dict[str, list[str]]:
    values = figures["applications"]
    total = sum(values["new_applications"])
    return {
        "一、总体情况": [f"{year}年，本区坚持以公开为常态、不公开为例外，全年主动公开政府信息{proactive_items}条，"
                       "政策解读材料按规定同步发布。",
                       f"全年收到政府信息公开申请{total}件，均在法定期限内答复。"],
        "二、主动公开政府信息情况": [],
        "三、收到和处理政府信息公开申请情况": [],
        "四、政府信息公开行政复议、行政诉讼情况": [f"全年因政府信息公开被申请行政复议{sum(figures['review'])}件。"],
        "五、存在的主要问题及改进情况": ["部分部门主动公开的及时性有待提高，下一步将加强督促检查。"],
        "六、其他需要报告的事项": ["本年度未收取信息处理费。"],
    }


def report_html(year: int = 2023, seed: int = 1, template: str = "2021", charset: str | None = "utf-8",
                unbalanced: bool = False, blank_total: bool = False, issuer: str = "杭州市临平区人民政府",
                proactive_items: str = "34152") -> tuple[str, dict]:
    """A whole 信息公开 report page (HTML text) and the figures in it."""
    figures = figures_for(seed, template)
    application = application_table(figures, blank_total)
    if unbalanced:  # (七)总计's first column one more than its items: 统计表不平衡
        total_row = next(i for i, row in enumerate(application) if row[0][0] == "（七）总计")
        cells = list(application[total_row])
        cells[1] = (str(int(cells[1][0]) + 1), 1, 1)
        application[total_row] = cells
    tables = {"二、主动公开政府信息情况": proactive_table(figures),
              "三、收到和处理政府信息公开申请情况": application,
              "四、政府信息公开行政复议、行政诉讼情况": review_table(figures)}
    body = []
    for heading, paragraphs in prose(year, figures, proactive_items).items():
        body.append(f"<p><strong>{heading}</strong></p>")
        body += [f"<p>{text}</p>" for text in paragraphs]
        if heading in tables:
            body.append(html_table(tables[heading]))
    meta = f'<meta charset="{charset}">' if charset else ""
    title = f"{issuer}{year}年政府信息公开工作年度报告"
    html = (f"<!DOCTYPE html><html><head>{meta}<title>{title}</title>"
            '<meta name="govsearch-synthetic" content="true"></head><body>'
            f'<div id="zoom"><h1>{title}</h1>'
            "<p>本报告根据《中华人民共和国政府信息公开条例》和国办公开办函〔2021〕30号要求编制。"
            f"本报告所列数据统计期限自{year}年1月1日起至{year}年12月31日止。</p>"
            + "\n".join(body) + "</div></body></html>")
    return html, figures


def report_docx(year: int = 2023, seed: int = 1, template: str = "2021") -> tuple[bytes, dict]:
    """The same report as a .docx, its tables with the same merges (python-docx)."""
    import docx

    figures = figures_for(seed, template)
    document = docx.Document()
    document.add_paragraph(f"杭州市临平区人民政府{year}年政府信息公开工作年度报告")
    document.add_paragraph("本报告根据《中华人民共和国政府信息公开条例》和国办公开办函〔2021〕30号要求编制。")
    tables = {"二、主动公开政府信息情况": proactive_table(figures),
              "三、收到和处理政府信息公开申请情况": application_table(figures),
              "四、政府信息公开行政复议、行政诉讼情况": review_table(figures)}
    for heading, paragraphs in prose(year, figures).items():
        document.add_paragraph(heading)
        for text in paragraphs:
            document.add_paragraph(text)
        if heading in tables:
            _docx_table(document, tables[heading])
    out = io.BytesIO()
    document.save(out)
    return out.getvalue(), figures


def _docx_table(document, rows: list[list[CELL]]) -> None:
    occupied: dict[tuple[int, int], bool] = {}
    placed = []
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for text, rowspan, colspan in row:
            while (r, c) in occupied:
                c += 1
            for dr in range(rowspan):
                for dc in range(colspan):
                    occupied[(r + dr, c + dc)] = True
            placed.append((r, c, rowspan, colspan, text))
            c += colspan
            width = max(width, c)
    table = document.add_table(rows=len(rows), cols=width)
    for r, c, rowspan, colspan, text in placed:
        cell = table.cell(r, c)
        if rowspan > 1 or colspan > 1:
            cell = cell.merge(table.cell(r + rowspan - 1, c + colspan - 1))
        cell.text = text
