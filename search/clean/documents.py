"""Text of attachment documents (.docx with python-docx, .pdf with pypdf); .doc/.wps are reported, not guessed.

Reports are often published only as an attachment. Tables matter (the 信息公开 report's
statistics are tables), so .docx tables are read row by row in document order.
"""
from __future__ import annotations

import io
import logging
import re
import zipfile

from ..errors import ExtractError
from ..models import Table
from ..structure import TABLE_MARK
from ..tableview import flatten, is_data_grid
from .tablegrid import docx_table

LOGGER = logging.getLogger(__name__)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_PDF_PAGES = 500


def _kind(content: bytes, content_type: str | None, filename: str | None) -> str:
    """pdf | docx | legacy | unknown, trusting the bytes over the label."""
    name = (filename or "").lower()
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if content.startswith(b"%PDF") or (b"%PDF-" in content[:1024]):
        return "pdf"
    if content.startswith(b"PK\x03\x04"):
        return "docx"
    if content.startswith(_OLE_MAGIC):
        return "legacy"
    if mime == "application/pdf" or name.endswith(".pdf"):
        return "pdf"
    if mime == DOCX_TYPE or name.endswith(".docx"):
        return "docx"
    if mime in ("application/msword", "application/kswps", "application/wps") or name.endswith((".doc", ".wps")):
        return "legacy"
    return "unknown"


def document_text(content: bytes, content_type: str | None, filename: str | None) -> str:
    """Plain text of a .docx or .pdf attachment, paragraphs separated by newlines.

    Raises:
        ExtractError: for .doc/.wps (binary formats we cannot read), scanned PDFs without a
            text layer, damaged files and anything that is not a document.
    """
    return document_content(content, content_type, filename)[0]


def document_content(content: bytes, content_type: str | None, filename: str | None) -> tuple[str, list[Table]]:
    """The text of a .docx or .pdf attachment and the data tables of a .docx as grids.

    Each .docx data table is one TABLE_MARK line of the text (as HTML tables are), its grid
    in the list in the same order. A PDF has no table structure: its tables are read from
    the text layout later (search/clean/tables.py).

    Raises:
        ExtractError: as document_text.
    """
    source = filename or "attachment"
    tables: list[Table] = []
    if not content:
        raise ExtractError(source, "empty attachment")
    kind = _kind(content, content_type, filename)
    if kind == "pdf":
        text = _pdf_text(content, source)
    elif kind == "docx":
        text = _docx_text(content, source, tables)
    elif kind == "legacy":
        raise ExtractError(source, "text of a legacy .doc/.wps file cannot be read (binary Word/WPS format); "
                                   "the attachment is recorded without text")
    else:
        raise ExtractError(source, f"not a .docx or .pdf document ({content_type or 'unknown type'})")
    text = re.sub(r"[ \t\u3000]+\n", "\n", text).strip()
    if not text:
        raise ExtractError(source, "the document has no text (a scanned image?)")
    return text, tables


def _docx_text(content: bytes, source: str, tables: list[Table]) -> str:
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(content))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ExtractError(source, f"damaged or not a .docx file ({type(exc).__name__})") from None
    except Exception as exc:  # python-docx raises its own PackageNotFoundError and lxml errors
        raise ExtractError(source, f"cannot open .docx: {exc}") from None
    lines: list[str] = []

    def walk(parent, element) -> None:
        for child in element.iterchildren():
            if child.tag == qn("w:p"):
                lines.append(Paragraph(child, parent).text)
            elif child.tag == qn("w:tbl"):
                table = DocxTable(child, parent)
                resolved = docx_table(table)
                if is_data_grid(resolved):
                    lines.append(TABLE_MARK + flatten(resolved))
                    tables.append(resolved)
                    continue
                for row in table.rows:
                    cells: list[str] = []
                    seen: set[int] = set()
                    for cell in row.cells:
                        # Merged cells come back once per grid column; keep each once.
                        if id(cell._tc) in seen:
                            continue
                        seen.add(id(cell._tc))
                        cells.append(" ".join(p.text.strip() for p in cell.paragraphs if p.text.strip()))
                    lines.append("\t".join(cells))
            elif child.tag == qn("w:sdt"):
                content_element = child.find(qn("w:sdtContent"))
                if content_element is not None:
                    walk(parent, content_element)

    walk(document, document.element.body)
    return "\n".join(lines)


def _pdf_text(content: bytes, source: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            reader.decrypt("")  # many portals "protect" PDFs with an empty user password
        pages = []
        for number, page in enumerate(reader.pages):
            if number >= MAX_PDF_PAGES:
                LOGGER.warning("%s: only the first %d pages read", source, MAX_PDF_PAGES)
                break
            pages.append(_rejoin_wrapped_lines(page.extract_text() or ""))
    except (PdfReadError, ValueError, KeyError, TypeError, NotImplementedError) as exc:
        raise ExtractError(source, f"damaged or unreadable PDF ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # pypdf raises assorted errors on broken files; one file must not stop a batch
        raise ExtractError(source, f"unreadable PDF ({type(exc).__name__})") from None
    text = "\n".join(pages)
    _check_text_layer(text, source)
    return text


_CJK = "\u3400-\u9fff"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}，。、；：！？（）“”])[ \t]+(?=[{_CJK}，。、；：！？（）“”])")
_SENTENCE_END = tuple("。！？；：:;!?")
# A table row printed as text (a label, then figures separated by spaces): never a wrapped line
_FIGURES_END = re.compile(r"(?:^|\s)[+\-]?\d[\d,.]*%?(?:\s+[+\-]?\d[\d,.]*%?)+\s*$")
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.、．]|第[一二三四五六七八九十]+[章节条部分])")


def _rejoin_wrapped_lines(text: str) -> str:
    """Undo a PDF's visual line wrapping: a full-width line not ending a sentence continues on the next.

    PDF text comes out one visual line per line ("…优化营商环境政" / "策措施12项…"), which
    splits paragraphs and phrases mid-word; headings (一、 （一） 1.) always start a new line.
    """
    lines = [_CJK_GAP.sub("", line.rstrip()) for line in text.splitlines()]
    lengths = sorted(len(line) for line in lines if line.strip())
    if len(lengths) < 3:
        return "\n".join(lines)
    full_width = lengths[int(len(lengths) * 0.9) - 1] * 0.75
    out: list[str] = []
    for line in lines:
        previous = out[-1] if out else ""
        continues = (previous and len(previous.split("\n")[-1]) >= full_width and not previous.endswith(_SENTENCE_END)
                     and line.strip() and not _HEADING.match(line)
                     and not _FIGURES_END.search(previous) and not _FIGURES_END.search(line))
        if continues:
            out[-1] = previous + line.strip()
        else:
            out.append(line)
    return "\n".join(out)


def _check_text_layer(text: str, source: str) -> None:
    """Fonts without a Unicode map give private-use or replacement characters: not text worth indexing."""
    visible = [ch for ch in text if not ch.isspace()]
    if not visible:
        return
    garbage = sum(1 for ch in visible if "\ue000" <= ch <= "\uf8ff" or ch == "\ufffd" or ord(ch) < 32)
    if garbage > 0.3 * len(visible):
        raise ExtractError(source, "the PDF's text layer cannot be decoded (fonts without a Unicode map)")
