"""Text of attachments: .docx (paragraphs and tables in order), .pdf, and clear errors for what cannot be read."""
from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # attachment builders live in tests/portal

from portal.documents import LEGACY_DOC, make_docx, make_pdf  # noqa: E402

from search.clean.documents import DOCX_TYPE, document_content, document_text  # noqa: E402
from search.structure import TABLE_MARK  # noqa: E402
from search.errors import ExtractError  # noqa: E402


def test_docx_paragraphs_and_tables_in_document_order():
    content = make_docx(["一、总体情况", "本年度新收政府信息公开申请12件。"],
                        [["申请人情况", "自然人", "总计"], ["本年新收", "10", "12"]])
    text, tables = document_content(content, DOCX_TYPE, "年报.docx")
    # a data table is one marked line where it stood (as an HTML table is), its grid beside the text
    assert text.splitlines() == ["一、总体情况", "本年度新收政府信息公开申请12件。",
                                 TABLE_MARK + "申请人情况 自然人 总计; 本年新收 10 12"]
    assert [table.rows for table in tables] == [(("申请人情况", "自然人", "总计"), ("本年新收", "10", "12"))]
    assert document_text(content, DOCX_TYPE, "年报.docx") == text


def test_docx_merged_cells_are_read_once():
    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 2))
    merged.text = "三、收到和处理政府信息公开申请情况"
    for column, value in enumerate(("本年新收", "上年结转", "总计")):
        table.cell(1, column).text = value
    out = io.BytesIO()
    document.save(out)
    text, tables = document_content(out.getvalue(), None, "x.docx")
    assert text.count("三、收到和处理政府信息公开申请情况") == 1 and "本年新收 上年结转 总计" in text
    assert tables[0].rows[0] == ("三、收到和处理政府信息公开申请情况",) * 3 and tables[0].spans == ((0, 0, 1, 3),)


def test_pdf_text_layer():
    text = document_text(make_pdf(["2022年法治政府建设年度报告", "府院联动机制全面建立"]), "application/pdf", "a.pdf")
    assert text.splitlines() == ["2022年法治政府建设年度报告", "府院联动机制全面建立"]


def test_bytes_win_over_wrong_labels():
    pdf = make_pdf(["依法行政"])
    assert document_text(pdf, "application/octet-stream", "downfile.jsp") == "依法行政"
    assert document_text(make_docx(["依法行政"]), "application/octet-stream", None) == "依法行政"


def test_encrypted_pdf_with_empty_password_is_read():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(make_pdf(["政务公开"]))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    assert "政务公开" in document_text(out.getvalue(), "application/pdf", "a.pdf")


@pytest.mark.parametrize("content, content_type, filename, message", [
    (LEGACY_DOC, "application/msword", "报告.doc", "cannot be read"),
    (LEGACY_DOC, None, "报告.wps", "cannot be read"),
    (b"", "application/pdf", "a.pdf", "empty"),
    (b"%PDF-1.4 garbage that is not a pdf", "application/pdf", "a.pdf", "PDF"),
    (b"PK\x03\x04 not really a zip", DOCX_TYPE, "a.docx", "docx"),
    (b"<html>404</html>", "text/html", "a.html", "not a .docx or .pdf"),
])
def test_unreadable_documents_raise_extract_error(content, content_type, filename, message):
    with pytest.raises(ExtractError, match=message) as caught:
        document_text(content, content_type, filename)
    assert caught.value.source == filename


def test_pdf_without_text_layer_is_reported():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(ExtractError, match="no text"):
        document_text(out.getvalue(), "application/pdf", "scan.pdf")


def test_pdf_wrapped_lines_are_rejoined_but_headings_kept():
    lines = ["一、主要举措和成效",
             "（一）坚持依法全面履行政府职能。全年制定出台优化营商环境政",
             "策措施12项，推行涉企轻微违法行为免罚清单，办理行政许可事",
             "项3215件。",
             "二、存在的不足和原因",
             "一是部分执法人员法治意识有待提升。"]
    text = document_text(make_pdf(lines), "application/pdf", "a.pdf")
    assert text.splitlines() == [
        "一、主要举措和成效",
        "（一）坚持依法全面履行政府职能。全年制定出台优化营商环境政策措施12项，推行涉企轻微违法行为免罚清单，办理行政许可事项3215件。",
        "二、存在的不足和原因",
        "一是部分执法人员法治意识有待提升。"]


def test_pdf_text_layer_without_unicode_map_is_reported():
    with pytest.raises(ExtractError, match="cannot be decoded"):
        document_text(make_pdf(["\ue001\ue002\ue003\ue004\ue005\ue006"]), "application/pdf", "a.pdf")
