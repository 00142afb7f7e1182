"""Reading a raw page: refuse empty or over-size input, extract HTML, text dumps and attachments.

The first stage of the cleaner. What comes out is bounded whatever came in: runs of one
repeated line are kept once and a page is cut at MAX_LINES lines (issue 13: a page of
100,000 identical paragraphs must cost seconds, not minutes).
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from ..errors import ExtractError
from ..models import RawPage
from .extract import Extracted, extract

LOGGER = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
MAX_LINES = 50_000  # lines of one page cleaned; a long report has a few thousand
_ATTACHMENT_TYPES = {"pdf": ".pdf", "msword": ".doc", "wordprocessingml": ".docx", "wps": ".wps"}


def bounded(lines: list[str]) -> tuple[list[str], bool]:
    """Runs of one repeated line kept once, and at most MAX_LINES lines (linear time, any input).

    A print copy or a broken template may repeat a paragraph thousands of times; table cells
    (0 / 0 / 0) are short and stay as they are. Returns the lines and whether they were cut.
    """
    kept: list[str] = []
    last = ""  # the last line with text
    for index, line in enumerate(lines):
        text = line.strip()
        if (not text and kept and not kept[-1].strip()) or (text == last and len(text) >= 8):
            continue
        last = text or last
        if len(kept) >= MAX_LINES:
            LOGGER.warning("page cut at %d lines (%d more)", MAX_LINES, len(lines) - index)
            return kept, True
        kept.append(line)
    return kept, False


def attachment_kind(raw: RawPage) -> str | None:
    """The attachment type when the page is a .pdf/.docx file rather than HTML or text."""
    content_type = (raw.content_type or raw.headers.get("Content-Type") or raw.headers.get("content-type") or "").lower()
    for marker, extension in _ATTACHMENT_TYPES.items():
        if marker in content_type:
            return extension
    path = urlsplit(raw.url or raw.source).path.lower()
    for extension in (".pdf", ".docx", ".doc", ".wps"):
        if path.endswith(extension):
            return extension
    if raw.content.startswith(b"%PDF"):
        return ".pdf"
    if raw.content.startswith(b"PK\x03\x04") and b"word/" in raw.content[:4000]:
        return ".docx"
    return None


def _attachment_text(raw: RawPage, extension: str) -> tuple[str, list]:
    from .documents import document_content

    filename = urlsplit(raw.url or raw.source).path.rsplit("/", 1)[-1] or f"attachment{extension}"
    return document_content(raw.content, raw.content_type, filename)


def read_page(raw: RawPage, max_bytes: int = MAX_BYTES) -> tuple[Extracted, bool]:
    """The page's lines, meta tags, title hints and links; and whether it was cut at MAX_LINES.

    Raises:
        ExtractError: empty, over-size, binary, truncated or unparseable input.
    """
    if not raw.content or not raw.content.strip():
        raise ExtractError(raw.source, "empty input")
    if len(raw.content) > max_bytes:
        raise ExtractError(raw.source, f"too large: {len(raw.content)} bytes (limit {max_bytes})")
    kind = attachment_kind(raw)
    if kind:
        text, tables = _attachment_text(raw, kind)
        extracted = Extracted(body_lines=text.split("\n"), encoding="attachment", tables=tables)
    else:
        extracted = extract(raw.content, raw.source, url=raw.url, content_type=raw.content_type)
    extracted.body_lines, cut = bounded(extracted.body_lines)
    extracted.page_lines, _ = bounded(extracted.page_lines)
    return extracted, cut
