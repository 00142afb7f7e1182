"""The cleaning stage: one raw page → one Report, boilerplate and repeats gone, metadata read.

``clean_page`` chains the steps: extract (decode, body container) → normalise →
document-sharing repair → boilerplate → spam → duplicate bodies → header (title,
addressee, signature) → structure (section paths) → metadata and enrichment.
"""
from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from ..errors import ExtractError
from ..models import Attachment, Paragraph, RawPage, Region, Report
from ..enrich.regions import region_from_portal, resolve_region
from ..enrich.topics import assign_topics
from ..structure import build_blocks, drop_repeated_sentences
from . import metadata
from .issuer import issuer as issuer_of
from .boilerplate import Boilerplate, remove_boilerplate, strip_watermark
from .dedup import line_key, remove_duplicate_lines
from .docshare import join_running_headers, rejoin_pages
from .extract import Extracted, extract
from .fingerprint import fingerprint, similarity
from .kind import classify
from . import title as titles
from .runon import split_run_on
from .published import Published
from .spam import remove_spam, spam_vocabulary, strip_inline_spam
from .stubs import refusal_reason

__all__ = ["clean_page", "fingerprint", "similarity", "ExtractError"]

LOGGER = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
# A report page may say no more than 报告正文见附件 (the report is the attachment), so the
# bar is low: some Chinese text must be left once the furniture is gone.
MIN_REPORT_CHARS = 2
_CJK = re.compile(r"[\u4e00-\u9fff]")
_PINYIN = re.compile(r"(?<=[\u4e00-\u9fff])[(（]([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹ]{1,7}[1-5]?)[)）]")
_TONE = re.compile(r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]")
_ATTACHMENT_TYPES = {"pdf": ".pdf", "msword": ".doc", "wordprocessingml": ".docx", "wps": ".wps"}
# <meta> names portals put the publication date in (政府网站发展指引: PubDate; gov.cn: firstpublishedtime)
_DATE_META = ("PubDate", "pubdate", "PublishDate", "publishdate", "firstpublishedtime", "article:published_time")
_SYNTHETIC_META = ("synthetic", "govsearch-synthetic", "govsearch:synthetic")


MAX_LINES = 50_000  # lines of one page cleaned; a long report has a few thousand


def _bounded(lines: list[str]) -> tuple[list[str], bool]:
    """Runs of one repeated line kept once, and at most MAX_LINES lines (linear time, any input).

    A print copy or a broken template may repeat a paragraph thousands of times; table cells
    (0 / 0 / 0) are short and stay as they are.
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


def _attachment_kind(raw: RawPage) -> str | None:
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


def _attachment_text(raw: RawPage, extension: str) -> str:
    try:
        from .documents import document_text  # written by the crawler engineer
    except ImportError as error:
        raise ExtractError(raw.source, "attachment extraction unavailable") from error
    filename = urlsplit(raw.url or raw.source).path.rsplit("/", 1)[-1] or f"attachment{extension}"
    return document_text(raw.content, raw.content_type, filename)


def _strip_pinyin(lines: list[str]) -> tuple[list[str], bool]:
    """區(qū)域 → 區域, only when the page really annotates characters with pinyin."""
    text = "\n".join(lines)
    hits = _PINYIN.findall(text)
    if len(hits) < 3 or sum(1 for hit in hits if _TONE.search(hit)) * 2 < len(hits):
        return lines, False
    return [_PINYIN.sub("", line) for line in lines], True


# A column page lists titles, each with its date: 某某区2023年法治政府建设年度报告2024-03-28
_LISTED_TITLE = re.compile(r"^.{6,80}?\s*[(\[]?(?:19|20)\d{2}[-./年]\d{1,2}[-./月]\d{1,2}日?[)\]]?$")


def _is_link_list(lines: list[str]) -> bool:
    """A column (list) page: mostly dated titles and no sentence of prose."""
    listed = sum(1 for line in lines if "。" not in line and _LISTED_TITLE.match(line))
    prose = sum(1 for line in lines if line.count("。") >= 1 and len(line) > 30)
    return listed >= 3 and prose == 0 and listed * 2 >= len(lines)


def _read(raw: RawPage, max_bytes: int) -> Extracted:
    """Refuse empty or over-size input; extract HTML, text dumps and attachments."""
    if not raw.content or not raw.content.strip():
        raise ExtractError(raw.source, "empty input")
    if len(raw.content) > max_bytes:
        raise ExtractError(raw.source, f"too large: {len(raw.content)} bytes (limit {max_bytes})")
    attachment_kind = _attachment_kind(raw)
    if attachment_kind:
        text = _attachment_text(raw, attachment_kind)
        return Extracted(body_lines=text.split("\n"), encoding="attachment")
    return extract(raw.content, raw.source, url=raw.url, content_type=raw.content_type)


def _merge_fields(body: Boilerplate, page: Boilerplate | None) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Metadata fields from the body, completed by rows found elsewhere on the page."""
    fields, rows = dict(body.fields), list(body.field_rows)
    if page is not None:
        for label, value in page.fields.items():
            fields.setdefault(label, value)
        rows += [row for row in page.field_rows if row not in rows]
    return fields, rows


def _page_names(name: str, page: str) -> bool:
    """Whether the page's own text names a unit (in full, or by its name without the suffix)."""
    stem = re.sub(r"(?:人民政府|政府)$", "", name)
    stem = re.sub(r"(?:特别行政区|自治区|自治州|自治县|自治旗|省|市|区|县|旗|盟|州)$", "", stem) if len(stem) > 2 else stem
    return name in page or (len(stem) >= 2 and stem in page)


def _region(raw: RawPage, meta: dict[str, str], title: str | None, issuer: str | None, page: str,
            text: str) -> tuple[Region, bool]:
    """The report's region, and whether it is inferred: the page names no unit of it, the portal gave it."""
    host = urlsplit(raw.url).hostname if raw.url else None
    region = resolve_region(site_id_code=meta.get("SiteIDCode"), host=host, site_name=meta.get("SiteName"),
                            title=title, issuer=issuer, text=text[:3000])
    named = region.names()
    return region, bool(named) and not _page_names(named[-1], page)


def clean_page(raw: RawPage, *, max_bytes: int = MAX_BYTES) -> Report:
    """Turn one fetched or saved page into a Report.

    Args:
        raw: the page bytes and where they came from.
        max_bytes: larger pages are refused (a report page is well under a megabyte).
    Returns:
        the cleaned Report (paragraphs with section paths, metadata, region, topics).
    Raises:
        ExtractError: empty, binary, truncated or over-size input, or no report text in it.
            Any bytes give a Report or an ExtractError: a failure inside the cleaner on
            hostile input is reported as ``internal error: …`` for this page alone.
    """
    try:
        return _clean(raw, max_bytes)
    except ExtractError:
        raise
    except Exception as error:  # noqa: BLE001 - the edge where untrusted bytes meet the cleaner
        LOGGER.exception("cleaner failed on %s", raw.source)
        raise ExtractError(raw.source, f"internal error: {type(error).__name__}: {error}") from error


def _clean(raw: RawPage, max_bytes: int) -> Report:
    source = raw.source
    extracted = _read(raw, max_bytes)
    quality: list[str] = []
    extracted.body_lines, truncated = _bounded(extracted.body_lines)
    extracted.page_lines, _ = _bounded(extracted.page_lines)
    if truncated:
        quality.append("truncated")
    page_text, had_pinyin = _strip_pinyin(extracted.body_lines)
    # The rules read a working form (normalised; simplified on a traditional page); the
    # report keeps the page's own characters, carried back by `published` at the end.
    published = Published.detect(page_text)
    lines = split_run_on(published.working(page_text))
    if published.traditional:
        # Every rule below speaks simplified (索引号, 报告, 一、): work on a simplified shadow
        # and map the paragraphs back to the page's own script at the end.
        quality.append("traditional_script")
    if had_pinyin:
        quality.append("pinyin_removed")
    page_lines = published.working(extracted.page_lines) if extracted.is_html else None
    shared = rejoin_pages(lines, page_lines, converted=extracted.encoding == "attachment")
    quality.extend(shared.flags)
    cleaned = remove_boilerplate(shared.lines)
    fields, rows = _merge_fields(cleaned, remove_boilerplate(page_lines) if extracted.is_html else None)
    body, spammed = remove_spam(cleaned.lines)
    if spammed:
        quality.append("mirror_spam")
        # the mirror's own spam words (开元棋牌, pg电子), learnt from its ad lines and <title>
        vocabulary = spam_vocabulary([*extracted.page_lines, *extracted.title_hints, *cleaned.lines])
        body = [strip_inline_spam(line, vocabulary) for line in body]
    body, repeated = remove_duplicate_lines(body)
    if _is_link_list(body):
        raise ExtractError(source, "no report text: a list of links to documents (column page)")

    page_hints = titles.untruncate([titles.tidy(strip_watermark(hint)) for hint in published.working(extracted.title_hints)],
                                   page_lines or [])
    file_title = shared.file_title or cleaned.file_title
    hints = list(page_hints)
    if fields.get("标题"):
        hints.insert(0, titles.tidy(fields["标题"]))
    if file_title:
        hints.append(file_title)
    header = metadata.split_header(body, hints)
    title = titles.pick(header, fields, page_hints, file_title)
    if title is None and cleaned.headline:
        # no title words anywhere: the line above the page's date/source row is its headline
        header = metadata.split_header(body, [cleaned.headline])
        title = titles.tidy(header.title) if header.title else None
    title = title or titles.announced(header.body)
    body = join_running_headers(header.body, title)
    if body and title:
        # A dump may run the title straight into the first sentence.
        body[0] = titles.strip_leading_title(body[0], title)

    blocks = drop_repeated_sentences(build_blocks(body))
    prose = sum(len(_CJK.findall(block.text)) for block in blocks)
    if prose < 60:
        stand_in = refusal_reason(raw.content, extracted.meta, "\n".join(block.text for block in blocks))
        if stand_in:
            raise ExtractError(source, stand_in)
    if prose < MIN_REPORT_CHARS:
        raise ExtractError(source, "no report text found after removing page furniture")
    if extracted.container == "density" and prose < 40 and not extracted.links and not cleaned.attachments \
            and not any("。" in block.text for block in blocks):
        # No known container and no prose: the body is probably drawn by JavaScript.
        raise ExtractError(source, "no report text: no body container and no prose (page drawn by JavaScript?)")
    text = "\n".join(block.text for block in blocks)

    page_kind = classify(title, body)
    kind = page_kind.kind
    meta = extracted.meta
    dates = [meta.get(name) for name in _DATE_META] + [fields.get("发布日期"), fields.get("日期"),
                                                       fields.get("生成日期"), fields.get("成文日期"), header.signature_date,
                                                       fields.get("更新日期")]
    year = metadata.report_year(title, body, None, kind, page_kind.detail)
    date = metadata.publish_date(dates, url=raw.url, year_covered=year)
    if year is None:
        year = metadata.report_year(title, body, date, kind, page_kind.detail)
    issuer = issuer_of(title, header.signature, fields, kind, site_name=meta.get("SiteName"),
                             source=meta.get("ContentSource") or fields.get("来源") or fields.get("信息来源"),
                             opening="\n".join(body[:2]))
    title_derived = False
    if not title:
        title = metadata.derive_title(issuer, year, kind)
        title_derived = title is not None

    page_text = "\n".join([title if title and not title_derived else "", *header.delivered, *header.signature,
                           *(value for value in fields.values() if value), *body])
    region, inferred = _region(raw, meta, None if title_derived else title, issuer, page_text, text)
    if inferred:
        quality.append("region_inferred")  # the portal's region: the report names no place
    paragraphs = tuple(
        Paragraph(
            text=published.original(block.text),
            section_path=tuple(published.original(heading) for heading in block.section_path),
            topics=tuple(assign_topics(block.text, block.section_path)),
        )
        for block in blocks
    )
    attachments = [Attachment(name=name, url=url) for name, url in extracted.links]
    known = {a.name for a in attachments} | {a.url.rsplit("/", 1)[-1] for a in attachments if a.url}
    attachments += [Attachment(name=name) for name in cleaned.attachments if name not in known]
    if extracted.pages_total:
        quality.append("partial_text")  # one page of a paginated article
    synthetic = any(meta.get(name, "").lower() in ("1", "true", "yes") for name in _SYNTHETIC_META)
    if synthetic:
        quality.append("synthetic")
    extra = {
        "encoding": extracted.encoding,
        "container": extracted.container,
        "meta": dict(meta),
        "fields": fields,
        "field_rows": rows,
        "dropped": cleaned.dropped,
        "repeated_lines": repeated,
        "addressee": header.addressee,
        "signature": header.signature,
        "signature_date": header.signature_date,
        "delivered": header.delivered,
        "document_numbers": cleaned.document_numbers,
        "docshare_pages": [shared.pages_shown, shared.pages_total] if shared.is_docshare else None,
    }
    return Report(
        title=published.original(title) if title and not title_derived else title,
        report_kind=kind,
        kind_detail=page_kind.detail,
        kind_reason=page_kind.reason,
        issuer=issuer,
        region=region,
        report_year=year,
        publish_date=date,
        paragraphs=paragraphs,
        index_number=fields.get("索引号") or None,
        source_url=raw.url or (cleaned.urls[0] if cleaned.urls and not extracted.is_html else None),
        title_derived=title_derived,
        attachments=tuple(attachments),
        quality=tuple(dict.fromkeys(quality)),
        synthetic=synthetic,
        extra=extra,
    )
