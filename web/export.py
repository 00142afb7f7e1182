"""The current result list as a file: CSV for spreadsheets (with a BOM so Excel reads Chinese) and JSON.

Pure functions over a ``SearchResult``; the routes in ``views`` choose the request and URLs.
"""
from __future__ import annotations

import csv
import io
import json
import re
from typing import Callable
from urllib.parse import quote

from search.spreadsheet import spreadsheet_safe

EXPORT_LIMIT = 1000  # hits in one export: enough for a researcher's table, small enough to build in a request
CSV_COLUMNS = ("rank", "report_id", "paragraph_id", "title", "issuer", "province", "city", "county",
               "report_year", "report_kind", "publish_date", "section_path", "text", "topics", "quality",
               "more_in_report", "score", "url", "missing")


def _score(hit) -> float | str:
    # When sorted by date or year Whoosh may report the sort key instead of a relevance score
    return round(hit.score, 4) if isinstance(hit.score, (int, float)) else ""


def csv_body(hits, hit_url: Callable, topic_names: dict[str, str]) -> str:
    """CSV text with a leading BOM: one row per hit, topics by their Chinese names."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for rank, hit in enumerate(hits, 1):
        region = hit.region
        writer.writerow([spreadsheet_safe(value) for value in (
            rank, hit.report_id, hit.paragraph_id, hit.title, hit.issuer, region.province, region.city,
            region.county, hit.report_year, hit.report_kind, hit.publish_date, " > ".join(hit.section_path),
            hit.text, ";".join(topic_names.get(t, t) for t in hit.topics), ";".join(hit.quality),
            hit.more_in_report, _score(hit), hit_url(hit), " ".join(hit.missing))])
    return "\ufeff" + buffer.getvalue()


def json_body(result, query: str, grouped: bool, hit_url: Callable) -> str:
    """The /api/search JSON without paging, each hit with its permalink, and whether the cap cut it."""
    data = result.to_dict()
    data.pop("page", None)
    data.pop("per_page", None)
    for hit_dict, hit in zip(data["hits"], result.hits):
        hit_dict["url"] = hit_url(hit)
    count = len(result.hits)
    data.update(query=query, exported=count, limit=EXPORT_LIMIT,
                truncated=count < (result.total_reports if grouped else result.total))
    return json.dumps(data, ensure_ascii=False, indent=1)


def content_disposition(query: str, suffix: str) -> str:
    """An attachment header: an ASCII name plus the RFC 5987 UTF-8 one that keeps the Chinese query."""
    stem = "govsearch-" + (re.sub(r"[\\/:*?\"<>|\s]+", "_", query.strip())[:40] or "export")
    return f"attachment; filename=\"govsearch-export.{suffix}\"; filename*=UTF-8''{quote(stem)}.{suffix}"
