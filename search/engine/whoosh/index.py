"""Whoosh index generations on disk (the documents come from ``search.engine.documents``).

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

import logging
import os
import secrets
import shutil
import time
from pathlib import Path

from whoosh import index as whoosh_index

from ..contract import UNKNOWN_REGION, UNKNOWN_YEAR  # noqa: F401  (facet values; kept importable here)
from ..documents import INDEX_FORMAT, copy_key, paragraph_documents, region_keys  # noqa: F401  (shared by both engines)
from ...errors import IndexMissing
from ...locking import writer_lock  # noqa: F401  (the writer lock lives with both engines)
from .fields import build_schema

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
