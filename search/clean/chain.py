"""The cleaner as a chain of small stages, each taking a Draft and returning a new one.

    read → working form → page slices → furniture → spam → repeats → header and title
         → tables → paragraphs → table places → kind → dates → statistics → issuer → region → (report)

Each stage does one job through its module (extract, published, docshare, boilerplate,
spam, dedup, metadata/title, structure, kind, issuer, enrich.regions) and may refuse the
page with an ExtractError. The vocabulary the stages use lives in data files
(``search/data/cleaner/*.toml``), so adding a furniture word or a kind cue is an edit
there, not here. To add a stage, write ``def stage(draft: Draft) -> Draft`` and put it in
STAGES where it belongs.
"""
from __future__ import annotations

import re
from typing import Callable
from urllib.parse import urlsplit

from ..enrich.regions import resolve_region
from ..enrich.topics import classify_report
from ..errors import ExtractError
from ..models import Attachment, Paragraph, RawPage, Report
from ..structure import build_blocks, drop_repeated_sentences
from . import metadata
from . import title as titles
from .boilerplate import remove_boilerplate, strip_watermark
from .dedup import remove_duplicate_lines
from .docshare import join_running_headers, rejoin_pages
from .draft import Draft
from .issuer import issuer as issuer_of
from .kind import classify
from .published import Published, strip_pinyin
from .read import read_page
from .runon import split_run_on
from .spam import remove_spam, spam_vocabulary, strip_inline_spam
from .stubs import is_link_list, refusal_reason
from .figures import statistics
from .tables import find_tables, place_tables

# A report page may say no more than 报告正文见附件 (the report is the attachment), so the
# bar is low: some Chinese text must be left once the furniture is gone.
MIN_REPORT_CHARS = 2
_CJK = re.compile(r"[\u4e00-\u9fff]")
# <meta> names portals put the publication date in (政府网站发展指引: PubDate; gov.cn: firstpublishedtime)
_DATE_META = ("PubDate", "pubdate", "PublishDate", "publishdate", "firstpublishedtime", "article:published_time")
_SYNTHETIC_META = ("synthetic", "govsearch-synthetic", "govsearch:synthetic")


def read(draft: Draft) -> Draft:
    """Decode and extract the page (HTML container, text dump or attachment), bounded in size."""
    extracted, cut = read_page(draft.raw, draft.max_bytes)
    return draft.but(extracted=extracted).flagged(*(["truncated"] if cut else []))


def working_form(draft: Draft) -> Draft:
    """The form the rules read: pinyin debris gone, normalised, simplified on a traditional page.

    `published` remembers the page's own characters, to carry the report back to them.
    """
    extracted = draft.extracted
    page_text, had_pinyin = strip_pinyin(extracted.body_lines)
    published = Published.detect(page_text)
    lines = split_run_on(published.working(page_text))
    page_lines = published.working(extracted.page_lines) if extracted.is_html else None
    hints = tuple(titles.tidy(strip_watermark(hint)) for hint in published.working(extracted.title_hints))
    flags = (["traditional_script"] if published.traditional else []) + (["pinyin_removed"] if had_pinyin else [])
    return draft.but(published=published, lines=tuple(lines), title_hints=hints,
                     page_lines=tuple(page_lines) if page_lines is not None else None).flagged(*flags)


def page_slices(draft: Draft) -> Draft:
    """A document-sharing dump's page slices and a converted document's page footers rejoined."""
    shared = rejoin_pages(list(draft.lines), list(draft.page_lines) if draft.page_lines is not None else None,
                          converted=draft.extracted.encoding == "attachment")
    return draft.but(lines=tuple(shared.lines), docshare=shared).flagged(*shared.flags)


def furniture(draft: Draft) -> Draft:
    """Page furniture dropped; metadata rows read into fields (the body's first, then the page's)."""
    cleaned = remove_boilerplate(list(draft.lines))
    fields, rows = dict(cleaned.fields), list(cleaned.field_rows)
    if draft.page_lines is not None:
        page = remove_boilerplate(list(draft.page_lines))
        for label, value in page.fields.items():
            fields.setdefault(label, value)
        rows += [row for row in page.field_rows if row not in rows]
    return draft.but(lines=tuple(cleaned.lines), furniture=cleaned, fields=fields, field_rows=tuple(rows))


def spam(draft: Draft) -> Draft:
    """A spammed mirror's ad lines dropped and its brands (learnt from the page) cut out of sentences."""
    body, spammed = remove_spam(list(draft.lines))
    if not spammed:
        return draft.but(lines=tuple(body))
    extracted = draft.extracted
    vocabulary = spam_vocabulary([*extracted.page_lines, *extracted.title_hints, *draft.furniture.lines])
    return draft.but(lines=tuple(strip_inline_spam(line, vocabulary) for line in body)).flagged("mirror_spam")


def repeats(draft: Draft) -> Draft:
    """The body's repeated copies dropped; a page listing links to reports is refused."""
    body, repeated = remove_duplicate_lines(list(draft.lines))
    if is_link_list(body):
        raise ExtractError(draft.raw.source, "no report text: a list of links to documents (column page)")
    return draft.but(lines=tuple(body), repeated=repeated)


def header_and_title(draft: Draft) -> Draft:
    """The title (table field, page hints, headline, file name, or the opening's 《…》), then the body."""
    fields, cleaned = draft.fields, draft.furniture
    page_hints = titles.untruncate(list(draft.title_hints), list(draft.page_lines or []))
    file_title = draft.docshare.file_title or cleaned.file_title
    hints = ([titles.tidy(fields["标题"])] if fields.get("标题") else []) + page_hints + ([file_title] if file_title else [])
    body = list(draft.lines)
    header = metadata.split_header(body, hints)
    title = titles.pick(header, fields, page_hints, file_title)
    if title is None and cleaned.headline:
        # no title words anywhere: the line above the page's date/source row is its headline
        header = metadata.split_header(body, [cleaned.headline])
        title = titles.tidy(header.title) if header.title else None
    title = title or titles.announced(header.body)
    if title is None:
        # a page of any kind: its ArticleTitle, <h1> or <title>, worded as it may be
        title = titles.headline(page_hints)
        if title:
            header = metadata.split_header(body, [title])
            header.title = title
    rest = join_running_headers(header.body, title)
    if rest and title:
        rest[0] = titles.strip_leading_title(rest[0], title)  # a dump may run the title into the text
    header.body = rest
    return draft.but(header=header, title=title)


def paragraphs(draft: Draft) -> Draft:
    """Paragraphs with their section paths; a page with no report text left is refused."""
    blocks = drop_repeated_sentences(build_blocks(draft.body))
    text = "\n".join(block.text for block in blocks)
    prose = len(_CJK.findall(text))
    source, extracted = draft.raw.source, draft.extracted
    if prose < 60:
        stand_in = refusal_reason(draft.raw.content, extracted.meta, text)
        if stand_in:
            raise ExtractError(source, stand_in)
    if prose < MIN_REPORT_CHARS:
        raise ExtractError(source, "no report text found after removing page furniture")
    if extracted.container == "density" and prose < 40 and not extracted.links and not draft.furniture.attachments \
            and "。" not in text:
        # No known container and no prose: the body is probably drawn by JavaScript.
        raise ExtractError(source, "no report text: no body container and no prose (page drawn by JavaScript?)")
    return draft.but(blocks=tuple(blocks))


def kind(draft: Draft) -> Draft:
    """What the page is (an annual report of either kind, another report, a page about one) and why."""
    return draft.but(kind=classify(draft.title, draft.body))


def dates(draft: Draft) -> Draft:
    """The year the report covers and the date it was published (never a header clock)."""
    meta, fields, page_kind = draft.extracted.meta, draft.fields, draft.kind
    candidates = [meta.get(name) for name in _DATE_META] + [
        fields.get("发布日期"), fields.get("日期"), fields.get("生成日期"), fields.get("成文日期"),
        draft.header.signature_date, fields.get("更新日期")]
    year = metadata.report_year(draft.title, draft.body, None, page_kind.kind, page_kind.detail)
    date = metadata.publish_date(candidates, url=draft.raw.url, year_covered=year)
    if year is None:
        year = metadata.report_year(draft.title, draft.body, date, page_kind.kind, page_kind.detail)
    return draft.but(report_year=year, publish_date=date)


def issuer(draft: Draft) -> Draft:
    """Whose report it is; a page with no title gets one made of issuer, year and kind."""
    meta, fields = draft.extracted.meta, draft.fields
    found = issuer_of(draft.title, draft.header.signature, fields, draft.kind.kind, site_name=meta.get("SiteName"),
                      source=meta.get("ContentSource") or fields.get("来源") or fields.get("信息来源"),
                      opening="\n".join(draft.body[:2]))
    if draft.title:
        return draft.but(issuer=found)
    derived = metadata.derive_title(found, draft.report_year, draft.kind.kind)
    return draft.but(issuer=found, title=derived, title_derived=derived is not None)


def region(draft: Draft) -> Draft:
    """The region from the report's own words; the portal's only when they name no place (flagged)."""
    meta, raw = draft.extracted.meta, draft.raw
    title = None if draft.title_derived else draft.title
    text = "\n".join(block.text for block in draft.blocks)
    found = resolve_region(site_id_code=meta.get("SiteIDCode"), host=urlsplit(raw.url).hostname if raw.url else None,
                           site_name=meta.get("SiteName"), title=title, issuer=draft.issuer, text=text[:3000])
    page = "\n".join([title or "", *draft.header.delivered, *draft.header.signature,
                      *(value for value in draft.fields.values() if value), *draft.body])
    names = found.names()
    inferred = bool(names) and not _page_names(names[-1], page)
    return draft.but(region=found).flagged(*(["region_inferred"] if inferred else []))


def _page_names(name: str, page: str) -> bool:
    """Whether the page's own text names a unit (in full, or by its name without the suffix)."""
    stem = re.sub(r"(?:人民政府|政府)$", "", name)
    stem = re.sub(r"(?:特别行政区|自治区|自治州|自治县|自治旗|省|市|区|县|旗|盟|州)$", "", stem) if len(stem) > 2 else stem
    return name in page or (len(stem) >= 2 and stem in page)


STAGES: tuple[Callable[[Draft], Draft], ...] = (
    read, working_form, page_slices, furniture, spam, repeats, header_and_title, find_tables, paragraphs, place_tables,
    kind, dates, statistics, issuer, region,
)


def report(draft: Draft) -> Report:
    """The finished Report: paragraphs, headings and title in the page's own characters."""
    published, extracted, cleaned, header = draft.published, draft.extracted, draft.furniture, draft.header
    # Topics are read per report (its kind a prior, its words deciding the taxonomy), on the working text.
    topics = classify_report([(block.text, block.section_path) for block in draft.blocks], draft.kind.kind, draft.title)
    paragraphs_ = tuple(
        Paragraph(text=published.original(block.text),
                  section_path=tuple(published.original(heading) for heading in block.section_path),
                  topics=topics[index].topics, topic_scores=topics[index].scores)
        for index, block in enumerate(draft.blocks)
    )
    attachments = [Attachment(name=name, url=url) for name, url in extracted.links]
    known = {a.name for a in attachments} | {a.url.rsplit("/", 1)[-1] for a in attachments if a.url}
    attachments += [Attachment(name=name) for name in cleaned.attachments if name not in known]
    meta = extracted.meta
    synthetic = any(meta.get(name, "").lower() in ("1", "true", "yes") for name in _SYNTHETIC_META)
    draft = draft.flagged(*(["partial_text"] if extracted.pages_total else []), *(["synthetic"] if synthetic else []))
    shared = draft.docshare
    extra = {
        "encoding": extracted.encoding,
        "container": extracted.container,
        "meta": dict(meta),
        "fields": draft.fields,
        "field_rows": list(draft.field_rows),
        "dropped": cleaned.dropped,
        "repeated_lines": draft.repeated,
        "addressee": header.addressee,
        "signature": header.signature,
        "signature_date": header.signature_date,
        # 成文日期 (when the document was written or signed) is not 发布日期 (when it was posted);
        # publish_date falls back on it only when the page shows no other date
        "written_date": metadata.parse_date(draft.fields.get("成文日期") or header.signature_date),
        "delivered": header.delivered,
        "document_numbers": cleaned.document_numbers,
        "docshare_pages": [shared.pages_shown, shared.pages_total] if shared.is_docshare else None,
    }
    return Report(
        title=published.original(draft.title) if draft.title and not draft.title_derived else draft.title,
        report_kind=draft.kind.kind,
        kind_detail=draft.kind.detail,
        kind_reason=draft.kind.reason,
        issuer=draft.issuer,
        region=draft.region,
        report_year=draft.report_year,
        publish_date=draft.publish_date,
        paragraphs=paragraphs_,
        index_number=draft.fields.get("索引号") or None,
        source_url=draft.raw.url or (cleaned.urls[0] if cleaned.urls and not extracted.is_html else None),
        title_derived=draft.title_derived,
        attachments=tuple(attachments),
        quality=draft.quality,
        synthetic=synthetic,
        extra=extra,
        tables=draft.tables,
        statistics=draft.statistics,
    )


def run(raw: RawPage, max_bytes: int) -> Report:
    """Every stage in turn, then the report."""
    draft = Draft(raw=raw, max_bytes=max_bytes)
    for stage in STAGES:
        draft = stage(draft)
    return report(draft)
