"""Raw page → text lines: decoding, the CMS body container (or a text-density guess) and page metadata.

Portal article pages wrap the report in one of a few CMS containers; everything around
it (navigation, footers, share widgets) is noise. When no known container is present we
score blocks by how much Chinese prose they hold and how little of it is link text.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urljoin

from ..decode import decode_bytes
from ..errors import ExtractError
from ..normalize import normalize_text, to_simplified
from ..structure import ROW_SEPARATOR, TABLE_MARK
from .attachments import ATTACHMENT_EXTENSIONS, attachment_name
from .boilerplate import parse_meta_line
from .stubs import pages_total
from .tablegrid import html_table

LOGGER = logging.getLogger(__name__)

# Body containers of the common government CMSs (Hanweb, TRS, 信息公开 platforms), most
# specific first. Site knowledge, kept as data: a new family is one more entry.
CONTAINERS: tuple[tuple[str, str], ...] = (
    ("id", "UCAP-CONTENT"),
    ("class", "trs_editor_view"),
    ("class", "TRS_UEDITOR"),
    ("class", "TRS_Editor"),
    ("id", "zoom"),
    ("id", "Zoom"),
    ("id", "ivs_content"),
    ("id", "trsContent"),
    ("id", "detailCont"),
    ("id", "fontzoom"),
    ("class", "xxgk-content"),
    ("class", "xxgk_content"),
    ("class", "article-content"),
    ("class", "Article_content"),
    ("class", "article_content"),
    ("class", "main-txt"),
    ("class", "pages_content"),
    ("class", "wzcon"),
    ("class", "bt_content"),
    ("class", "content-text"),
)
_SKIP_TAGS = {
    "script", "style", "noscript", "template", "iframe", "object", "embed", "select", "option",
    "button", "input", "textarea", "svg", "canvas", "head", "title", "map", "audio", "video",
}
_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol",
    "table", "tbody", "thead", "tfoot", "tr", "caption", "blockquote", "pre", "header", "footer",
    "nav", "aside", "dl", "dt", "dd", "form", "center", "hr", "address", "figure", "figcaption",
}
_CELL_TAGS = {"td", "th"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_HTML_SNIFF = re.compile(r"^\s*(<!doctype|<html|<head|<meta|<body|<div|<p[\s>]|<table|<!--|<\?xml)", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_GENERIC_LINK = re.compile(r"[\s【\[(]*(?:点击|点此)?(?:下载|查看|打开|预览)?(?:附件|文件|原文|全文)?(?:下载)?\d*[\s】\])]*")
MAX_DEPTH = 200  # element nesting walked; a real page nests a few dozen levels
CELL_SEPARATOR = "\t"  # table cells: becomes a space after normalisation, keeps label/value apart


@dataclass
class Extracted:
    """What one page yields before cleaning: lines of the body and of the whole page, plus hints."""

    body_lines: list[str]
    page_lines: list[str] = field(default_factory=list)  # whole page, for metadata rows outside the body
    meta: dict[str, str] = field(default_factory=dict)  # <meta name=…> values by name
    title_hints: list[str] = field(default_factory=list)  # ArticleTitle, <h1>, <title>, best first
    links: list[tuple[str, str]] = field(default_factory=list)  # attachment (name, absolute url)
    encoding: str | None = None
    is_html: bool = False
    container: str | None = None  # which container held the body ("density" for the fallback)
    pages_total: int | None = None  # the article is split over this many pages (we hold one)
    # The data tables of the body as grids, in order; each is also a TABLE_MARK line of body_lines
    # (search/clean/tables.py puts the two together).
    tables: list = field(default_factory=list)


def looks_like_html(text: str, content_type: str | None = None) -> bool:
    """True for HTML (by content type or by the first tag), False for plain-text dumps."""
    if content_type and "html" in content_type.lower():
        return True
    if content_type and content_type.lower().startswith("text/plain"):
        # a mislabelled page still starts like one
        return bool(re.match(r"\s*(<!doctype html|<html)", text[:500], re.IGNORECASE))
    return bool(_HTML_SNIFF.match(text[:2000])) or ("<body" in text[:20000].lower() and "</" in text)


_MOJIBAKE = re.compile(r"[\u00c0-\u00ff]{2}")


def repair_mojibake(text: str) -> str:
    """Undo GBK/UTF-8 bytes that were decoded as Latin-1 (Ö÷Òª → 主要) when the result is Chinese."""
    if len(_MOJIBAKE.findall(text[:5000])) < 20 or len(_CJK.findall(text[:5000])) > 50:
        return text
    for wrong in ("latin-1", "cp1252"):
        try:
            raw = text.encode(wrong)
        except UnicodeEncodeError:
            continue
        for right in ("utf-8", "gb18030"):
            try:
                fixed = raw.decode(right)
            except UnicodeDecodeError:
                continue
            if len(_CJK.findall(fixed[:5000])) > 50:
                LOGGER.info("repaired mojibake (%s read as %s)", right, wrong)
                return fixed
    return text


def decode_page(content: bytes, source: str, content_type: str | None) -> tuple[str, str]:
    """Bytes → text, refusing binary data; returns (text, encoding)."""
    head = content[:8192]
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as error:
        # A UTF-8 page cut mid-character would otherwise "decode" as GB18030 mojibake.
        if error.reason == "unexpected end of data" and error.start >= len(content) - 4 and error.start > 64:
            raise ExtractError(source, "truncated (ends inside a UTF-8 character)") from error
    if b"\x00" in head and not content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractError(source, "binary content (NUL bytes), not a text or HTML page")
    text, encoding = decode_bytes(content, content_type)
    sample = text[:20000]
    controls = sum(1 for char in sample if ord(char) < 32 and char not in "\r\n\t\f")
    replaced = sample.count("\ufffd")
    if sample and (controls + replaced) / len(sample) > 0.05:
        raise ExtractError(source, f"binary or undecodable content ({encoding})")
    return repair_mojibake(text), encoding


# A form feed is a page break of a converted PDF (pdftotext): inside a sentence it joins the
# two halves (各项\f工作 → 各项工作); after a sentence or before a heading it ends the line.
_PAGE_BREAK_MID = re.compile(r"(?<=[^\s。!?;:”」』)])\f+(?=[^\s\f])")


def text_lines(text: str) -> list[str]:
    """Split a plain-text dump into lines (kept raw; normalisation comes later).

    >>> text_lines("各项\f工作取得成效。\f三、党政主要负责人")
    ['各项工作取得成效。', '三、党政主要负责人']
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _PAGE_BREAK_MID.sub(lambda m: "" if not _starts_heading(text, m.end()) else "\n", text)
    return text.replace("\f", "\n").split("\n")


def _starts_heading(text: str, index: int) -> bool:
    return bool(re.match(r"(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|（[一二三四五六七八九十]+）)", text[index:index + 8]))


# --- HTML -------------------------------------------------------------------------------


def _hidden(element) -> bool:
    return element.get("hidden") is not None or bool(_HIDDEN_STYLE.search(element.get("style") or ""))




def _cell_text(cell) -> str:
    return " ".join(cell.text_content().split())


def _is_data_table(table) -> bool:
    """A table of figures (信息公开 statistics), not page layout and not a label/value metadata table."""
    if table.xpath(".//table"):
        return False
    rows = [row for row in table.iter("tr")]
    if len(rows) < 2:
        return False
    cells = [_cell_text(cell) for row in rows for cell in row if isinstance(cell.tag, str) and cell.tag.lower() in _CELL_TAGS]
    if not cells or sum(len(cell) for cell in cells) / len(cells) > 30:
        return False
    labelled = sum(
        1 for row in rows
        if parse_meta_line(to_simplified(normalize_text(" ".join(_cell_text(c) for c in row if isinstance(c.tag, str))))) is not None
    )
    return labelled * 2 < len(rows)


def render_table(table) -> str:
    """A data table as one line: cells separated by spaces, rows by semicolons."""
    rows = []
    for row in table.iter("tr"):
        cells = [_cell_text(cell) for cell in row if isinstance(cell.tag, str) and cell.tag.lower() in _CELL_TAGS]
        cells = [cell for cell in cells if cell]
        if cells:
            rows.append(" ".join(cells))
    return f"{ROW_SEPARATOR} ".join(rows)


def render_lines(element, tables: list | None = None) -> list[str]:
    """Visible text of an element, one line per block; table cells separated by CELL_SEPARATOR.

    A data table is one TABLE_MARK line; with ``tables``, its grid is appended there too.
    """
    parts: list[str] = []

    def walk(node, depth: int = 0) -> None:
        tail = node.tail if node is not element else None  # the container's own tail is outside it
        tag = node.tag if isinstance(node.tag, str) else ""
        tag = tag.lower()
        if depth > MAX_DEPTH and tag:
            # deeper than any real page nests: its text, without layout (lxml stops at 255 anyway)
            parts.append("\n" + node.text_content() + "\n" + (tail or ""))
            return
        if tag in _SKIP_TAGS or not tag or _hidden(node):
            if tail and tag:  # a comment's or skipped element's tail is still text
                parts.append(tail)
            return
        if tag == "table" and _is_data_table(node):
            parts.append("\n" + TABLE_MARK + render_table(node) + "\n")
            if tables is not None:
                tables.append(html_table(node))
            if tail:
                parts.append(tail)
            return
        if tag == "br":
            parts.append("\n")
        elif tag in _BLOCK_TAGS:
            parts.append("\n")
        elif tag in _CELL_TAGS:
            parts.append(CELL_SEPARATOR)
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child, depth + 1)
        if tag in _BLOCK_TAGS:
            parts.append("\n")
        elif tag in _CELL_TAGS:
            parts.append(CELL_SEPARATOR)
        if tail:
            parts.append(tail)

    walk(element)  # never writes to the tree: a text lxml decoded from &#1; could not be set back
    return [line for line in "".join(parts).split("\n")]


def _cjk_count(element) -> int:
    return len(_CJK.findall(element.text_content()))


def _find_container(root) -> tuple[object | None, str | None]:
    """The largest visible element a known CMS container names (one pass over the page)."""
    ids = {value: rank for rank, (attribute, value) in enumerate(CONTAINERS) if attribute == "id"}
    classes = {value: rank for rank, (attribute, value) in enumerate(CONTAINERS) if attribute == "class"}
    best, best_name, best_size = None, None, 0
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = None
        identifier = element.get("id")
        if identifier in ids:
            name = f"id={identifier}"
        else:
            for value in (element.get("class") or "").split():
                if value in classes:
                    name = f"class={value}"
                    break
        if name is None or _hidden(element):
            continue
        size = _cjk_count(element)
        if size > best_size:
            best, best_name, best_size = element, name, size
    return best, best_name


def _density_container(root):
    """Readability-style guess: credit each prose block's text to its parent and grandparent."""
    scores: dict[object, float] = {}
    for block in root.iter("p", "div", "td", "section", "article", "li", "span", "font"):
        own = (block.text or "") + "".join((child.tail or "") for child in block)
        if block.tag in ("div", "td", "section", "article") and len(_CJK.findall(own)) < 20:
            continue
        size = len(_CJK.findall(own if block.tag in ("div", "td", "section", "article") else block.text_content()))
        if size < 20:
            continue
        parent = block.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0.0) + size
        grandparent = parent.getparent()
        if grandparent is not None:
            scores[grandparent] = scores.get(grandparent, 0.0) + size / 2
    best, best_score = None, 0.0
    for element, score in scores.items():
        if element.tag in ("html", "body"):
            score *= 0.5  # the whole page is the answer of last resort
        text = element.text_content()
        link_text = sum(len(a.text_content()) for a in element.iter("a"))
        density = link_text / max(len(text), 1)
        score *= 1.0 - min(density, 0.9)
        if score > best_score:
            best, best_score = element, score
    return best


def _meta_tags(root) -> dict[str, str]:
    meta: dict[str, str] = {}
    for element in root.iter("meta"):
        name = element.get("name") or element.get("property") or element.get("http-equiv")
        value = element.get("content")
        if name and value and value.strip():
            meta.setdefault(name.strip(), value.strip())
    return meta


_TITLE_SPLIT = re.compile(r"\s*(?:[_|]|--|——| - )\s*")


def _title_hints(root, meta: dict[str, str]) -> list[str]:
    hints: list[str] = []
    for name in ("ArticleTitle", "articletitle", "og:title", "title"):
        if meta.get(name):
            hints.append(meta[name])
    for tag in ("h1", "h2"):
        for element in root.iter(tag):
            text = " ".join(element.text_content().split())
            if 4 <= len(text) <= 120:
                hints.append(text)
    for element in root.xpath('//*[contains(@class, "title") or contains(@id, "title")]'):
        if element.tag in ("html", "body", "head"):
            continue
        text = " ".join(element.text_content().split())
        if 6 <= len(text) <= 120:
            hints.append(text)
    title = root.find(".//title")
    if title is not None and title.text:
        # <title> usually carries the site name after a separator: 标题_某某区人民政府
        parts = [part for part in _TITLE_SPLIT.split(title.text.strip()) if part]
        if parts:
            hints.append(max(parts, key=lambda part: ("报告" in part, len(part))))
    return hints


def _attachment_links(root, base: str | None) -> list[tuple[str, str]]:
    links: list[tuple[str, str]] = []
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        text = " ".join(anchor.text_content().split())
        target = href.split("?")[0].lower()
        if not href or not (target.endswith(ATTACHMENT_EXTENSIONS) or text.lower().endswith(ATTACHMENT_EXTENSIONS)):
            continue
        url = urljoin(base, href) if base and not base.startswith("file:") else href
        name = attachment_name(text)
        if not name or _GENERIC_LINK.fullmatch(name):
            name = unquote(href.split("?")[0].rsplit("/", 1)[-1])  # 点击下载 says nothing: use the file name
        if (name, url) not in links:
            links.append((name, url))
    return links


# Characters XML (and so lxml) refuses: C0 controls but tab and line ends, surrogates, U+FFFE/F.
# A page carrying one would make lxml raise ValueError when we set a node's text (issue 13).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def extract_html(text: str, *, base_url: str | None = None) -> Extracted:
    """Parse an HTML page into body lines, whole-page lines, meta tags, title hints and links."""
    import lxml.html

    text = _NOT_XML.sub("", _XML_DECL.sub("", text, count=1).replace("\x0c", "\n"))
    try:
        root = lxml.html.document_fromstring(text)
    except Exception as error:  # lxml raises several types for hopeless markup
        raise ExtractError(base_url or "page", f"unparseable HTML: {error}") from error
    meta = _meta_tags(root)
    hints = _title_hints(root, meta)
    links = _attachment_links(root, base_url)
    body = root.find("body")
    page_tables: list = []
    page_lines = render_lines(body if body is not None else root, page_tables)
    container, name = _find_container(root)
    if container is None or _cjk_count(container) < 30:
        # A short known container may be all there is (报告正文见附件); an empty or stale one
        # loses to a block of prose elsewhere on the page.
        guess = _density_container(root)
        if guess is not None and (container is None or _cjk_count(guess) >= max(100, 3 * _cjk_count(container))):
            container, name = guess, "density"
    body_tables: list = []
    body_lines = render_lines(container, body_tables) if container is not None else page_lines
    LOGGER.debug("body container: %s", name)
    return Extracted(
        body_lines=body_lines,
        page_lines=page_lines,
        meta=meta,
        title_hints=hints,
        links=links,
        is_html=True,
        container=name,
        tables=body_tables if container is not None else page_tables,
    )


def extract(content: bytes, source: str, *, url: str | None = None, content_type: str | None = None) -> Extracted:
    """Decode and split a page: HTML through its container, plain text line by line."""
    text, encoding = decode_page(content, source, content_type)
    if not text.strip():
        raise ExtractError(source, "empty page (no text after decoding)")
    if looks_like_html(text, content_type):
        lowered = text[-2000:].lower()
        # A complete page ends with </html> (or at least </body>); one cut off in transfer
        # ends inside a tag or in the middle of its text.
        if "</html>" not in lowered and "</body>" not in lowered and not text.rstrip().endswith(">"):
            raise ExtractError(source, "truncated HTML (ends inside a tag or mid-text, no </body> or </html>)")
        extracted = extract_html(text, base_url=url or source)
        extracted.pages_total = pages_total(text)
    else:
        lines = text_lines(text)
        extracted = Extracted(body_lines=lines, page_lines=lines)
    extracted.encoding = encoding
    return extracted
