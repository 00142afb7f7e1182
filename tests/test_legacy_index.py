"""An index written before the engine package (its schema and codec pickled under
search.schema / search.postings / search.writer) still opens and serves, and the next
reindex rebuilds it under today's module paths."""
from __future__ import annotations

import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import TOC

from search.engine.whoosh import fields, legacy, postings, writer
from search.engine.whoosh import index as idx
from search.settings import load_settings

REPO = Path(__file__).resolve().parent.parent


@contextmanager
def _old_module_paths():
    """Classes report the module paths they had before format 3 while a TOC is pickled."""
    moved = [(getattr(fields, name), "search.schema") for name in legacy.SCHEMA_CLASSES]
    moved += [(postings.FastCodec, "search.postings"), (writer.LeanCodec, "search.writer")]
    saved = [(cls, cls.__module__) for cls, _ in moved]
    try:
        for cls, module in moved:
            cls.__module__ = module
        yield
    finally:
        for cls, module in saved:
            cls.__module__ = module


def _age(generation: Path) -> None:
    ix = whoosh_index.open_dir(str(generation))
    toc = TOC.read(ix.storage, ix.indexname)
    with _old_module_paths():
        toc.generation += 1
        toc.write(ix.storage, ix.indexname)
    (generation / "FORMAT").write_text("2\n", encoding="utf-8")


def _toc_bytes(generation: Path) -> bytes:
    newest = max(generation.glob("_MAIN_*.toc"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))
    return newest.read_bytes()


def test_an_index_from_before_the_engine_package_serves_and_is_rebuilt(indexed_data, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(indexed_data.data_dir, data_dir)
    generation = idx.current_generation(data_dir)
    _age(generation)
    old = _toc_bytes(generation)
    assert b"search.schema" in old and b"search.postings" in old and b"search.engine.whoosh" not in old

    # a fresh interpreter, as after an upgrade: the old index opens and answers
    probe = ("import sys; from search.engine import SearchRequest, WhooshEngine; "
             "e = WhooshEngine(sys.argv[1]); r = e.search(SearchRequest(query='行政复议')); "
             "print(e.outdated(), r.total > 0, len(r.hits) > 0)")
    done = subprocess.run([sys.executable, "-c", probe, str(data_dir)], capture_output=True, text=True,
                          cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "True"]

    from search.pipeline import reindex

    summary = reindex(load_settings({"data_dir": str(data_dir)}, environ={}), run_alerts=False)
    assert summary.full
    rebuilt = idx.current_generation(data_dir)
    assert rebuilt != generation and b"search.engine.whoosh" in _toc_bytes(rebuilt)
    assert b"search.postings" not in _toc_bytes(rebuilt)
