"""Index generations on disk, the single-writer lock, and turning reports into documents.

Layout under ``<data_dir>/indexes/``::

    CURRENT        name of the live generation (replaced atomically with os.replace)
    gen-<stamp>/   a Whoosh index
    writer.lock    flock held by the one process that writes

Incremental updates go into the live generation through Whoosh's own commit, which
is atomic (a new TOC file names the new segments; readers see the old or the new
one). A full rebuild writes a new generation beside the old one and swaps CURRENT,
so a search never sees a half-built index and a rebuild killed at any point leaves
the old one serving; rerunning starts the rebuild again from the store.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Iterable

from whoosh import index as whoosh_index

from ...compliance import index_fields as compliance_fields
from ..contract import UNKNOWN_REGION, UNKNOWN_YEAR  # noqa: F401  (facet values; kept importable here)
from ...enrich.topics import confidence_level
from ...errors import IndexMissing
from ...locking import writer_lock  # noqa: F401  (the writer lock lives with both engines)
from ...models import StoredReport
from ...normalize import search_form
from ...measures import count_measures
from ...schema import build_schema

LOGGER = logging.getLogger(__name__)



def index_root(data_dir: str | Path) -> Path:
    return Path(data_dir) / "indexes"


def current_generation(data_dir: str | Path) -> Path | None:
    """The live index folder, or None before the first reindex."""
    root = index_root(data_dir)
    try:
        name = (root / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = root / name
    return path if name and path.is_dir() else None


def open_current(data_dir: str | Path):
    """Open the live Whoosh index for reading."""
    path = current_generation(data_dir)
    if path is None:
        raise IndexMissing(f"no index in {index_root(data_dir)}: run `govsearch reindex` first")
    return whoosh_index.open_dir(str(path))


def _set_current(root: Path, name: str) -> None:
    tmp = root / f"CURRENT.tmp-{os.getpid()}"
    tmp.write_text(name + "\n", encoding="utf-8")
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, root / "CURRENT")


def new_generation(data_dir: str | Path) -> Path:
    root = index_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    # Time for people reading the folder, a random part so two rebuilds in one second differ.
    path = root / f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{secrets.token_hex(3)}"
    path.mkdir()
    whoosh_index.create_in(str(path), build_schema())
    (path / "FORMAT").write_text(INDEX_FORMAT + "\n", encoding="utf-8")
    return path


def publish_generation(data_dir: str | Path, path: Path) -> None:
    """Make a finished generation live, then drop generations older than the previous one."""
    root = index_root(data_dir)
    previous = current_generation(data_dir)
    _set_current(root, path.name)
    keep = {path.name, previous.name if previous else ""}
    for old in root.glob("gen-*"):
        if old.name not in keep:
            # Open readers on Linux keep their files until they close; new readers use CURRENT.
            shutil.rmtree(old, ignore_errors=True)


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
    """The Whoosh documents of one report: one per paragraph."""
    report = stored.report
    region = report.region
    title = report.title or ""
    year = str(report.report_year) if report.report_year else UNKNOWN_YEAR
    keys = region_keys(region) or [UNKNOWN_REGION]
    tokens = stored.tokens if stored.tokens and len(stored.tokens) == len(report.paragraphs) else None
    compliance = compliance_fields(stored)  # the same for every paragraph of the report
    topic_level = confidence_level()
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
            "publish_date": report.publish_date or "",
            "report_kind": report.report_kind,
            "issuer": report.issuer or "",
            # The facet counts confident topics only (and the structural label, apart in the UI).
            "topic": ",".join(paragraph.facet_topics(topic_level)),
            "quality": ",".join(report.quality),
            **compliance,
        }


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
INDEX_FORMAT = "2"


def schema_outdated(ix, path: Path | None = None) -> bool:
    """True when the index was built with other fields or documents than this version
    writes (a full reindex then rebuilds it)."""
    if set(ix.schema.names()) != set(build_schema().names()):
        return True
    if path is not None:
        try:
            return (path / "FORMAT").read_text(encoding="utf-8").strip() != INDEX_FORMAT
        except OSError:
            return True
    return False


def indexed_keys(ix) -> dict[str, str]:
    """report_id → content_hash of what the index holds (read from the term list, not
    documents; a key whose documents are all deleted does not count)."""
    from .docsets import live_terms

    keys = {}
    with ix.reader() as reader:
        for text in live_terms(reader, "report_key"):
            report_id, _, digest = text.partition(":")
            keys[report_id] = digest
    return keys
