"""Safe reindex: atomic swap under concurrent searching, one writer, a reindex killed by a real signal."""
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from search.engine.whoosh import index as idx
from search.engine import SearchRequest, WhooshEngine
from search.errors import IndexLocked
from search.models import Paragraph
from search.pipeline import import_paths, reindex
from search.store import Store, utc_now


def _bulk_store(settings, seed_dir, copies: int) -> None:
    """Fill the store with many distinct reports derived from the seeds (enough work to interrupt)."""
    import_paths(settings, [seed_dir])
    with Store.open(settings.data_dir) as store:
        originals = list(store.iter_reports())
        now = utc_now()
        for number in range(copies):
            base = originals[number % len(originals)].report
            paragraphs = tuple(Paragraph(f"{p.text}(副本{number})", p.section_path, p.topics) for p in base.paragraphs)
            store.save(f"bulk{number:05d}", base.replace(paragraphs=paragraphs), f"fp{number}", f"bulk:{number}",
                       f"h{number}", now)


def test_full_reindex_swaps_atomically_under_concurrent_search(settings, seed_dir):
    import_paths(settings, [seed_dir])
    reindex(settings, run_alerts=False)
    engine = WhooshEngine(settings.data_dir)
    expected = engine.search(SearchRequest(query="行政复议")).total
    errors, totals, stop = [], set(), threading.Event()

    def searching():
        while not stop.is_set():
            try:
                totals.add(engine.search(SearchRequest(query="行政复议")).total)
            except Exception as exc:  # noqa: BLE001 - any failure is what we look for
                errors.append(exc)

    threads = [threading.Thread(target=searching) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(3):
            reindex(settings, full=True, run_alerts=False)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    assert totals == {expected}
    assert len(list(idx.index_root(settings.data_dir).glob("gen-*"))) <= 2


def test_one_writer_at_a_time(settings, seed_dir):
    import_paths(settings, [seed_dir])
    with idx.writer_lock(settings.data_dir):
        with pytest.raises(IndexLocked, match="being written"):
            reindex(settings, run_alerts=False)


def _start_reindex(data_dir: Path, *args: str) -> subprocess.Popen:
    env = dict(os.environ, GOVSEARCH_DATA_DIR=str(data_dir))
    return subprocess.Popen([sys.executable, "-m", "search", "reindex", "--no-alerts", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _kill_when_writing(process: subprocess.Popen, data_dir: Path, seconds: float = 60) -> None:
    """SIGKILL the reindex once it holds the writer lock and has been writing for a moment."""
    lock = idx.index_root(data_dir) / "writer.lock"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if lock.exists() and lock.read_text().startswith("pid"):
            time.sleep(1.0)
            break
        time.sleep(0.05)
    assert process.poll() is None, "reindex finished before it could be interrupted"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@pytest.mark.slow
@pytest.mark.parametrize("full", [True, False])
def test_reindex_killed_by_a_signal_leaves_old_index_serving(settings, seed_dir, full):
    data_dir = Path(settings.data_dir)
    import_paths(settings, [seed_dir])
    reindex(settings, run_alerts=False)
    engine = WhooshEngine(data_dir)
    before = engine.search(SearchRequest(query="行政复议"))
    live = idx.current_generation(data_dir)
    _bulk_store(settings, seed_dir, copies=100)

    process = _start_reindex(data_dir, *(["--full"] if full else []))
    _kill_when_writing(process, data_dir)

    assert idx.current_generation(data_dir) == live
    assert engine.search(SearchRequest(query="行政复议")).total == before.total
    rerun = reindex(settings, full=full, run_alerts=False)
    assert rerun.paragraphs_written > 0
    after = engine.search(SearchRequest(query="行政复议"))
    assert after.total_reports == before.total_reports * 21  # each seed and its 20 copies
    assert len(engine.indexed()) == 105


def test_parallel_rebuild_bounds_each_workers_pool_with_more_segments(settings, seed_dir, monkeypatch):
    """A worker whose pool reaches its limit writes a segment and starts another."""
    from search.engine.whoosh import writer

    monkeypatch.setattr(writer, "WORKER_POOL_MB", 1)
    _bulk_store(settings, seed_dir, copies=20)
    summary = reindex(settings, full=True, run_alerts=False)
    assert summary.paragraphs_written > 500
    engine = WhooshEngine(settings.data_dir)
    assert len(engine.indexed()) == 25
    assert engine.stats()["segments"] > 2
    split = engine.search(SearchRequest(query="行政复议 OR 公开"))
    monkeypatch.undo()
    reindex(settings, full=True, run_alerts=False)
    whole = engine.search(SearchRequest(query="行政复议 OR 公开"))
    assert engine.stats()["segments"] < 3
    assert (split.total, split.total_reports, split.facets) == (whole.total, whole.total_reports, whole.facets)
    assert split.total_reports == 25
