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
from ..normalize import normalize_text
from ..structure import build_blocks, drop_repeated_sentences
from . import metadata
from .issuer import issuer as issuer_of
from .boilerplate import Boilerplate, remove_boilerplate, strip_watermark
from .dedup import line_key, remove_duplicate_lines
from .docshare import join_running_headers, rejoin_pages
from .extract import Extracted, extract
from .fingerprint import fingerprint, similarity
from .runon import split_run_on
from .script import Script
from .spam import remove_spam, spam_vocabulary, strip_inline_spam
from .stubs import refusal_reason

__all__ = ["clean_page", "fingerprint", "similarity", "ExtractError"]

LOGGER = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
# A report page may say no more than 报告正文见附件 (the report is the attachment), so the
# bar is low: some Chinese text must be left once the furniture is gone.
MIN_REPORT_CHARS = 2
_CJK = re.compile(r"[\u4e00-\u9fff]")
_PINYIN = re.compile(r"(?<=[\u4e00-\u9fff])\(([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹ]{1,7}[1-5]?)\)")
_TITLE_TAG = re.compile(r"\.(?:docx?|pdf|wps|txt)\s*$|^\s*【[^】]{1,12}】\s*|\s*[(\[]\s*(?:19|20)\d{2}[-./年]\d{1,2}[-./月]\d{1,2}日?\s*[)\]]\s*$")
_TONE = re.compile(r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]")
_ATTACHMENT_TYPES = {"pdf": ".pdf", "msword": ".doc", "wordprocessingml": ".docx", "wps": ".wps"}
# <meta> names portals put the publication date in (政府网站发展指引: PubDate; gov.cn: firstpublishedtime)
_DATE_META = ("PubDate", "pubdate", "PublishDate", "publishdate", "firstpublishedtime", "article:published_time")
_SYNTHETIC_META = ("synthetic", "govsearch-synthetic", "govsearch:synthetic")


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


# Word's list numbering is followed by padding: (二)   加强执法监督 → (二)加强执法监督
_NUMBER_GAP = re.compile(r"^((?:\([一二三四五六七八九十]{1,3}\)|[一二三四五六七八九十]{1,3}、|\d{1,2}[.、]|\(\d{1,2}\)))\s+(?=[\u4e00-\u9fff“《])")
# A column page lists titles, each with its date: 某某区2023年法治政府建设年度报告2024-03-28
_LISTED_TITLE = re.compile(r"^.{6,80}?\s*[(\[]?(?:19|20)\d{2}[-./年]\d{1,2}[-./月]\d{1,2}日?[)\]]?$")


# NFKC turns ①② into 1 2 (①基层…;②部分… would read 1基层…;2部分…): keep them through it.
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_SHIELD = {ord(c): chr(0xE000 + i) for i, c in enumerate(_CIRCLED)}
_UNSHIELD = {0xE000 + i: c for i, c in enumerate(_CIRCLED)}


def _normalise(lines: list[str]) -> list[str]:
    return [_NUMBER_GAP.sub(r"\1", normalize_text(line.translate(_SHIELD)).translate(_UNSHIELD)) for line in lines]


def _is_link_list(lines: list[str]) -> bool:
    """A column (list) page: mostly dated titles and no sentence of prose."""
    listed = sum(1 for line in lines if "。" not in line and _LISTED_TITLE.match(line))
    prose = sum(1 for line in lines if line.count("。") >= 1 and len(line) > 30)
    return listed >= 3 and prose == 0 and listed * 2 >= len(lines)


def _load_enrichers():
    """The region and topic functions, when their module is there (written in parallel)."""
    try:
        from ..enrich.regions import resolve_region
    except ImportError:
        resolve_region = None
    try:
        from ..enrich.topics import classify_report
    except ImportError:
        classify_report = None
    return resolve_region, classify_report


_ELLIPSIS = re.compile(r"\s*(?:\.{2,}|…+|。{3,})\s*$")


def _untruncate(hints: list[str], page_lines: list[str]) -> list[str]:
    """A hint cut short (某某区2023年法治政府建设年度...) gives way to the page line it begins.

    Templates truncate ArticleTitle and <title>; the full title is then only in some
    element of the page (often a div with no telling class).
    """
    result = []
    for hint in hints:
        match = _ELLIPSIS.search(hint)
        if not match:
            result.append(hint)
            continue
        prefix = hint[:match.start()].strip()
        full = next((line.strip() for line in page_lines
                     if len(prefix) >= 6 and line.strip().startswith(prefix) and len(prefix) < len(line.strip()) <= 90), None)
        if full:
            result.append(full)
    return result


def _pick_title(header: metadata.Header, fields: dict[str, str], hints: list[str], file_title: str | None) -> str | None:
    candidates = [header.title, fields.get("标题"), *hints, file_title]
    # 【法治政府】… column tags before a title, (2024-01-29) dates after it
    titles = [_TITLE_TAG.sub("", c).strip() for c in candidates if c]
    titles = [c for c in titles if c and metadata.looks_like_title(c)]
    if not titles:
        return None
    best = titles[0]
    # <h1>法治政府建设年度报告</h1> beside <title>某县2023年法治政府建设年度报告: the complete one
    # (completed in front, by place and year; a longer tail is a site name, not more title)
    fuller = [c for c in titles[1:] if line_key(c).endswith(line_key(best)) and len(line_key(c)) > len(line_key(best))]
    return max(fuller, key=len) if fuller else best


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


def _enrich(raw: RawPage, meta: dict[str, str], title: str | None, issuer: str | None, text: str):
    """Region of the report and a topic function for its paragraphs (each optional)."""
    resolve_region, classify_report = _load_enrichers()
    region = Region()
    if resolve_region is not None:
        region = resolve_region(
            site_id_code=meta.get("SiteIDCode"),
            host=urlsplit(raw.url).hostname if raw.url else None,
            site_name=meta.get("SiteName"),
            title=title,
            issuer=issuer,
            text=text[:3000],
        )
    return region, classify_report


def clean_page(raw: RawPage, *, max_bytes: int = MAX_BYTES) -> Report:
    """Turn one fetched or saved page into a Report.

    Args:
        raw: the page bytes and where they came from.
        max_bytes: larger pages are refused (a report page is well under a megabyte).
    Returns:
        the cleaned Report (paragraphs with section paths, metadata, region, topics).
    Raises:
        ExtractError: empty, binary, truncated or over-size input, or no report text in it.
    """
    source = raw.source
    extracted = _read(raw, max_bytes)
    quality: list[str] = []
    lines, had_pinyin = _strip_pinyin(extracted.body_lines)
    lines = split_run_on(_normalise(lines))
    script = Script.detect(lines)
    if script.traditional:
        # Every rule below speaks simplified (索引号, 报告, 一、): work on a simplified shadow
        # and map the paragraphs back to the page's own script at the end.
        quality.append("traditional_script")
        lines = script.simplify(lines)
        extracted.page_lines = script.simplify(_normalise(extracted.page_lines))
        extracted.title_hints = script.simplify(extracted.title_hints)
    if had_pinyin:
        quality.append("pinyin_removed")
    page_lines = _normalise(extracted.page_lines) if extracted.is_html else None
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

    page_hints = _untruncate([strip_watermark(normalize_text(hint)) for hint in extracted.title_hints],
                             page_lines or [])
    hints = list(page_hints)
    if fields.get("标题"):
        hints.insert(0, fields["标题"])
    if shared.file_title:
        hints.append(shared.file_title)
    header = metadata.split_header(body, hints)
    title = _pick_title(header, fields, page_hints, shared.file_title)
    body = join_running_headers(header.body, title)
    if body and title and shared.is_docshare:
        # The dump runs the title straight into the first sentence.
        key = line_key(title)
        if line_key(body[0]).startswith(key):
            body[0] = re.sub(r"^\s*" + r"\W*".join(map(re.escape, key)), "", body[0], count=1).lstrip()

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

    kind = metadata.classify_kind(title, "\n".join(body))
    meta = extracted.meta
    dates = [meta.get(name) for name in _DATE_META] + [fields.get("发布日期"), fields.get("日期"),
                                                       fields.get("生成日期"), fields.get("成文日期"), header.signature_date]
    year = metadata.report_year(title, body, None, kind)
    date = metadata.publish_date(dates, url=raw.url, year_covered=year)
    if year is None:
        year = metadata.report_year(title, body, date, kind)
    issuer = issuer_of(title, header.signature, fields, kind, site_name=meta.get("SiteName"),
                             source=meta.get("ContentSource") or fields.get("来源") or fields.get("信息来源"),
                             opening="\n".join(body[:2]))
    title_derived = False
    if not title:
        title = metadata.derive_title(issuer, year, kind)
        title_derived = title is not None

    region, classify_report = _enrich(raw, meta, None if title_derived else title, issuer, text)
    # Topics are read per report (its kind a prior, its words deciding the taxonomy).
    topics = classify_report([(b.text, b.section_path) for b in blocks], kind, title) if classify_report else None
    paragraphs = tuple(
        Paragraph(
            text=script.original(block.text),
            section_path=tuple(script.original(heading) for heading in block.section_path),
            topics=topics[i].topics if topics else (),
            topic_scores=topics[i].scores if topics else (),
        )
        for i, block in enumerate(blocks)
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
        title=script.original(title) if title and not title_derived else title,
        report_kind=kind,
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
