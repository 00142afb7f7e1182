"""The OpenSearch index: settings, mappings, and one document per paragraph.

A paragraph document carries its report's metadata and the *same tokens* the Whoosh
index holds (``search.schema``), already cut: text fields are analysed by splitting on
whitespace only, so both engines agree on what matches. Positions matter in two
fields: ``t_body`` (jieba words, consecutive) and ``t_bigram`` (character pairs, with a
gap of two positions between Chinese runs, written as ``_`` placeholders that a stop
filter removes while keeping their positions).

Text fields score by raw term frequency (``FREQ_SIMILARITY``); BM25F itself is computed
by the queries (``compile.BM25_SCRIPT``) from the quantised field lengths stored beside
(``ql_*``), so the cluster applies the formula of ``search.engine.bm25``. Exact lengths
(``len_*``) give the mean field length as a sum over live paragraphs.
"""
from __future__ import annotations

import json

import numpy as np

from ... import schema
from ..contract import UNKNOWN_REGION
from ..documents import INDEX_FORMAT, paragraph_documents
from ...models import StoredReport
from ...normalize import search_form
from .. import bm25

# Bump when the mapping changes; documents built by another rule (INDEX_FORMAT: a copy_key
# rule, a new token — shared with the Whoosh index) also make an index outdated.
MAPPING_VERSION = f"3/{INDEX_FORMAT}"  # 3: table rows' searchable text, the reuse column
GAP = "_"  # a position without a token (between Chinese runs in t_bigram)
FREQ_SIMILARITY = "govsearch_freq"
TOKEN_FIELDS = ("body", "bigram", "title", "section", "about")
# Kept out of _source: the bigrams (derived from the text again when a fetched paragraph is
# scored) and the lengths (derived from the tokens). The other token fields stay.
SOURCE_EXCLUDES = ["t_bigram", "len_*", "ql_*"]


def _text(analyzer: str = "govsearch_words", positions: bool = False) -> dict:
    return {"type": "text", "analyzer": analyzer, "similarity": FREQ_SIMILARITY, "norms": False,
            "index_options": "positions" if positions else "freqs"}


def index_body(shards: int, replicas: int) -> dict:
    """Settings and mappings of a new paragraph index."""
    keyword = {"type": "keyword"}
    number = {"type": "integer"}
    stored_only = {"type": "keyword", "index": False, "doc_values": False}
    properties = {
        "paragraph_id": keyword, "report_id": keyword, "report_key": keyword, "seq": number,
        "copy_key": keyword, "counts": keyword,
        "t_body": _text(positions=True), "t_bigram": _text("govsearch_bigrams", positions=True),
        "t_title": _text(), "t_section": _text(), "t_about": _text(),
        "body": {"type": "text", "index": False},
        # What a table row's bigrams are cut from (its labels) when it is not the shown text.
        "bigram_text": {"type": "text", "index": False}, "title": stored_only, "section_path": stored_only,
        "region": keyword, "region_province": keyword, "region_city": keyword, "region_county": keyword,
        "province": stored_only, "city": stored_only, "county": stored_only, "region_code": stored_only,
        "report_year": keyword, "year": number, "year_sort": number, "publish_date": keyword,
        "reuse": number,  # the report's reuse rank, for the 最高重复率 order (search.engine.documents.reuse_rank)
        "report_kind": keyword, "issuer": stored_only, "topic": keyword, "quality": stored_only,
        "on_time": keyword, "missing_section": keyword,  # compliance (search.compliance)
    }
    for name in TOKEN_FIELDS:
        properties[f"len_{name}"] = {"type": "integer", "index": False}
        properties[f"ql_{name}"] = {"type": "float", "index": False}
    return {
        "settings": {
            "number_of_shards": shards, "number_of_replicas": replicas,
            "refresh_interval": "-1",  # changes become visible at the engine's explicit refresh (atomically)
            "max_result_window": 10000,
            "similarity": {FREQ_SIMILARITY: {"type": "scripted", "script": {"source": "return doc.freq;"}}},
            "analysis": {
                "tokenizer": {"govsearch_space": {"type": "whitespace", "max_token_length": 4096}},
                "filter": {"govsearch_gap": {"type": "stop", "stopwords": [GAP], "ignore_case": False}},
                "analyzer": {
                    "govsearch_words": {"type": "custom", "tokenizer": "govsearch_space"},
                    "govsearch_bigrams": {"type": "custom", "tokenizer": "govsearch_space", "filter": ["govsearch_gap"]},
                },
            },
        },
        "mappings": {"dynamic": "strict", "_meta": {"govsearch_mapping": MAPPING_VERSION},
                     "_source": {"excludes": SOURCE_EXCLUDES}, "properties": properties},
    }


def bigram_tokens(text: str) -> list[str]:
    """The bigrams of a paragraph with ``GAP`` where Whoosh leaves positions empty."""
    tokens: list[str] = []
    last = -1
    for pair, position in schema.bigrams(search_form(text)):
        tokens.extend([GAP] * (position - last - 1))
        tokens.append(pair)
        last = position
    return tokens


def _region_paths(province: str, city: str, county: str) -> tuple[str, str | None, str | None]:
    """Facet keys as the Whoosh facet table makes them (an unknown province is 未知地区)."""
    top = province or UNKNOWN_REGION
    city_path = f"{top}/{city}" if city else None
    county_path = None
    if county:
        county_path = f"{top}/{city}/{county}" if city else f"{top}/{county}"
    return top, city_path, county_path


def documents(stored: StoredReport) -> list[tuple[str, dict]]:
    """(id, document) of every paragraph and table row of a report."""
    found = []
    for doc in paragraph_documents(stored):
        body_tokens = doc["body"] if isinstance(doc["body"], list) else schema.paragraph_words(doc["body"])
        text = doc["_stored_body"]
        bigram = bigram_tokens(doc["bigram"])  # a table row: its labels, not the row shown
        title_words, section_words, about_words = (schema.search_words(doc["title"]),
                                                   schema.search_words(doc["section"]),
                                                   schema.search_words(doc["about"]))
        lengths = {"body": len(body_tokens), "bigram": sum(1 for t in bigram if t != GAP),
                   "title": len(title_words), "section": len(section_words), "about": len(about_words)}
        province, city_path, county_path = _region_paths(doc["province"] if doc["province"] != UNKNOWN_REGION else "",
                                                         doc["city"], doc["county"])
        paths = [p for p in (province, city_path, county_path) if p]
        year = doc["report_year"]
        document = {
            "paragraph_id": doc["paragraph_id"], "report_id": doc["report_id"], "report_key": doc["report_key"],
            "seq": doc["seq"], "copy_key": str(doc["copy_key"]),
            "counts": [c for c in doc["counts"].split(",") if c],
            "t_body": " ".join(body_tokens), "t_bigram": " ".join(bigram), "t_title": " ".join(title_words),
            "t_section": " ".join(section_words), "t_about": " ".join(about_words),
            "body": text, "title": doc["title"], "section_path": doc["section_path"],
            # A region filter value names a level's path or its last name (as the Whoosh facet table checks).
            "region": list(dict.fromkeys(paths + [p.rsplit("/", 1)[-1] for p in paths])),
            "region_province": province,
            "region_city": city_path, "region_county": county_path,
            "province": doc["province"], "city": doc["city"], "county": doc["county"],
            "region_code": doc["region_code"], "report_year": year,
            "year": int(year) if year.isdigit() else None, "year_sort": doc["year_sort"],
            "reuse": doc["reuse"], "publish_date": doc["publish_date"] or None, "report_kind": doc["report_kind"],
            "issuer": doc["issuer"], "topic": [t for t in doc["topic"].split(",") if t], "quality": doc["quality"],
            "on_time": doc.get("on_time") or None,
            "missing_section": [m for m in (doc.get("missing_section") or "").split(",") if m],
        }
        if doc["bigram"] != text:
            document["bigram_text"] = doc["bigram"]
        quantized = bm25.quantized_length(np.array([lengths[name] for name in TOKEN_FIELDS]))
        for name, exact, short in zip(TOKEN_FIELDS, (lengths[n] for n in TOKEN_FIELDS), quantized.tolist()):
            document[f"len_{name}"] = exact
            document[f"ql_{name}"] = max(1, short)  # an empty field reads as length 1, as in Whoosh
        found.append((doc["paragraph_id"], document))
    return found


def stored_fields(source: dict) -> dict:
    """The stored fields of a hit, with the keys (and string forms) the Whoosh index stores."""
    fields = dict(source)
    fields["topic"] = ",".join(source.get("topic") or ())
    section_path = source.get("section_path")
    if not isinstance(section_path, str):
        fields["section_path"] = json.dumps(section_path or [], ensure_ascii=False)
    return fields
