"""Turning a stored report into paragraph documents: the fields both engines index.

The Whoosh index (``search.engine.whoosh``) adds them as they are; the OpenSearch engine
(``search.engine.opensearch.mapping``) adds its token fields to the same dictionaries.
"""
from __future__ import annotations

import hashlib
import json
import re
from typing import Iterable

from ..compliance import index_fields as compliance_fields
from ..enrich.topics import confidence_level
from ..measures import count_measures
from ..models import StoredReport
from ..normalize import search_form
from ..tableview import table_rows
from .contract import UNKNOWN_REGION, UNKNOWN_YEAR


def region_paths(region) -> list[str]:
    """Facet keys from the top down: 浙江省, 浙江省/杭州市, 浙江省/杭州市/临平区."""
    paths, prefix = [], ""
    for name in region.names():
        prefix = f"{prefix}/{name}" if prefix else name
        paths.append(prefix)
    return paths


def region_keys(region) -> list[str]:
    """Every name and path of a region, so a filter may name any level."""
    return list(dict.fromkeys(region.names() + region_paths(region)))


def paragraph_documents(stored: StoredReport) -> Iterable[dict]:
    """The documents of one report: one per paragraph, then one per table row."""
    report = stored.report
    region = report.region
    title = report.title or ""
    year = str(report.report_year) if report.report_year else UNKNOWN_YEAR
    keys = region_keys(region) or [UNKNOWN_REGION]
    tokens = stored.tokens if stored.tokens and len(stored.tokens) == len(report.paragraphs) else None
    compliance = compliance_fields(stored)  # the same for every paragraph of the report
    topic_level = confidence_level()
    reuse = reuse_rank(report)
    about = " ".join(x for x in (title, report.issuer, *region.names(),
                                  f"{report.report_year}年" if report.report_year else "") if x)
    for seq, paragraph in enumerate(report.paragraphs):
        section_text = " ".join(paragraph.section_path)
        # Cached tokens go in as a list (Whoosh positions them itself); the text is stored.
        body = list(tokens[seq]) if tokens is not None else paragraph.text
        yield {
            "paragraph_id": f"{stored.report_id}-{seq}",
            "report_id": stored.report_id,
            "report_key": f"{stored.report_id}:{stored.content_hash}",
            "seq": seq,
            "title": title,
            "about": about,
            "copy_key": copy_key(paragraph.text, title),
            "counts": ",".join(count_measures(search_form(paragraph.text))),
            "section": section_text,
            "body": body,
            "_stored_body": paragraph.text,
            "bigram": paragraph.text,
            "section_path": json.dumps(list(paragraph.section_path), ensure_ascii=False),
            "region": ",".join(search_form(k) for k in keys),
            "province": region.province or UNKNOWN_REGION,
            "city": region.city or "",
            "county": region.county or "",
            "region_code": region.code or "",
            "report_year": year,
            "year_sort": report.report_year or 0,
            "reuse": reuse,
            "publish_date": report.publish_date or "",
            "report_kind": report.report_kind,
            "issuer": report.issuer or "",
            # The facet counts confident topics only (and the structural label, apart in the UI).
            "topic": ",".join(paragraph.facet_topics(topic_level)),
            "quality": ",".join(report.quality),
            **compliance,
        }
    # Table rows (issue 15): their labels are searchable, their figures are not; a hit shows the row.
    for row in table_rows(report.tables):
        words, shown = row.view.searchable(), row.view.text()
        heading = " ".join(row.section_path) if row.view.heading else ""  # a block's first row only
        yield {
            "paragraph_id": f"{stored.report_id}-{row.seq}", "report_id": stored.report_id,
            "report_key": f"{stored.report_id}:{stored.content_hash}", "seq": row.seq, "title": title,
            "about": about, "copy_key": copy_key(f"{row.seq} {shown}", title), "counts": "", "section": heading,
            "body": words, "_stored_body": shown, "bigram": words,
            "section_path": json.dumps(list(row.section_path), ensure_ascii=False),
            "region": ",".join(search_form(k) for k in keys), "province": region.province or UNKNOWN_REGION,
            "city": region.city or "", "county": region.county or "", "region_code": region.code or "",
            "report_year": year, "year_sort": report.report_year or 0, "reuse": reuse,
            "publish_date": report.publish_date or "",
            "report_kind": report.report_kind, "issuer": report.issuer or "", "topic": "",
            "quality": ",".join(report.quality), **compliance,
        }


def reuse_rank(report) -> int:
    """The report's reused-sentence share as the index's sort column: ×10000 + 1, 0 when unknown."""
    ratio = report.reuse.reused_sentence_ratio if report.reuse else None
    return 0 if ratio is None else int(round(ratio * 10000)) + 1


_NOT_WORD = re.compile(r"[\W_]+")


COPY_KEY_CHARS = 48  # a paragraph's opening that identifies it among copies (a copy may be cut short)


def copy_key(text: str, title: str) -> int:
    """A signed 64-bit key shared by copies of one paragraph of one report: the opening of
    its wording and its report's title, blind to spacing, punctuation, width and script.
    Only the opening: mirrors and excerpts cut a paragraph short, or add a tail to it."""
    folded = _NOT_WORD.sub("", search_form(text))[:COPY_KEY_CHARS] + "\x00" + _NOT_WORD.sub("", search_form(title))
    digest = hashlib.blake2b(folded.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


# Bump when documents are built differently for the same fields (a copy_key rule, a new
# token): a reindex then rebuilds the index instead of keeping documents of the old kind.
INDEX_FORMAT = "3"  # 3: table rows (issue 15)
