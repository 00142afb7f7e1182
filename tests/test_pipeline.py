"""Import and reindex: idempotent re-import, replaced pages, failures reported, incremental reindex."""
from pathlib import Path

from search.engine import SearchRequest, WhooshEngine
from search.pipeline import import_paths, reindex
from search.store import Store


def test_import_then_reimport_changes_nothing(settings, seed_dir):
    first = import_paths(settings, [seed_dir])
    assert len(first.added) == 5 and not first.failed
    second = import_paths(settings, [seed_dir])
    assert second.added == [] and second.changed == [] and len(second.unchanged) == 5
    with Store.open(settings.data_dir) as store:
        assert store.count() == 5


def test_changed_page_replaces_its_old_version(settings, seed_dir):
    import_paths(settings, [seed_dir])
    page = sorted(seed_dir.glob("002_*.txt"))[0]
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("诸暨市", "诸暨市", 1) + "\n\n补充说明:本报告新增独一无二的检索标记词甲乙丙丁。\n",
                    encoding="utf-8")
    summary = import_paths(settings, [page])
    assert summary.changed == [page.resolve().as_uri()]
    with Store.open(settings.data_dir) as store:
        assert store.count() == 5
        texts = [p.text for r in store.iter_reports() for p in r.report.paragraphs]
    assert any("甲乙丙丁" in t for t in texts)


def test_bad_files_are_reported_and_the_rest_imported(settings, seed_dir, tmp_path):
    (seed_dir / "empty.html").write_bytes(b"")
    (seed_dir / "binary.html").write_bytes(bytes(range(256)) * 40)
    summary = import_paths(settings, [seed_dir, tmp_path / "missing.txt"])
    failed = {Path(source).name for source, _ in summary.failed}
    assert {"empty.html", "binary.html", "missing.txt"} <= failed
    assert len(summary.added) == 5


def test_same_report_twice_is_one_report_with_two_sources(settings, seed_dir, tmp_path):
    copy_dir = tmp_path / "mirror"
    copy_dir.mkdir()
    original = sorted(seed_dir.glob("004_*.txt"))[0]
    (copy_dir / "copy.txt").write_bytes(original.read_bytes() + b"\n")
    import_paths(settings, [seed_dir])
    summary = import_paths(settings, [copy_dir])
    assert len(summary.merged) == 1
    with Store.open(settings.data_dir) as store:
        assert store.count() == 5
        report_id = store.source(original.resolve().as_uri()).report_id
        assert len(store.get(report_id).sources) == 2


def test_incremental_reindex_touches_only_new_reports(settings, seed_dir, tmp_path):
    pages = sorted(seed_dir.glob("*.txt"))
    import_paths(settings, pages[:4])
    first = reindex(settings, run_alerts=False)
    assert first.full and len(first.added) == 4
    import_paths(settings, pages[4:])
    second = reindex(settings, run_alerts=False)
    assert not second.full
    assert len(second.added) == 1 and second.unchanged == 4
    paragraphs = len(Store.open(settings.data_dir).get(second.added[0]).report.paragraphs)
    assert second.paragraphs_written == paragraphs
    third = reindex(settings, run_alerts=False)
    assert third.added == [] and third.paragraphs_written == 0


def test_removed_and_changed_reports_leave_the_index(settings, seed_dir):
    import_paths(settings, [seed_dir])
    reindex(settings, run_alerts=False)
    engine = WhooshEngine(settings.data_dir)
    before = engine.search(SearchRequest(query="行政复议")).total_reports
    with Store.open(settings.data_dir) as store:
        victim = next(iter(store.content_hashes()))
        store.delete(victim)
    summary = reindex(settings, run_alerts=False)
    assert summary.removed == [victim]
    result = engine.search(SearchRequest(query="行政复议"))
    assert victim not in {hit.report_id for hit in result.hits}
    assert result.total_reports <= before
    assert victim not in engine.indexed()


def test_warming_builds_the_facet_table_before_the_first_search(settings, seed_dir, monkeypatch):
    """The server warms a changed index in the background: searches find it ready."""
    import time

    from search.engine.whoosh import engine as engine_module

    builds = []
    original = engine_module.FacetTable.build

    def counted(cls, reader):
        table = original(reader)
        builds.append(reader)  # once built: a search racing the warming thread waits for it
        return table

    monkeypatch.setattr(engine_module.FacetTable, "build", classmethod(counted))
    pages = sorted(seed_dir.glob("*.txt"))
    engine = WhooshEngine(settings.data_dir)
    assert engine.warm() is False  # no index yet: nothing to do, no error
    import_paths(settings, pages[:4])
    reindex(settings, run_alerts=False)
    assert engine.warm() is True and len(builds) == 1
    first = engine.search(SearchRequest(query="行政复议"))
    assert len(builds) == 1  # the search used the warmed table

    stop = engine.start_warming(every_seconds=0.05)
    try:
        import_paths(settings, pages[4:])
        reindex(settings, run_alerts=False)
        deadline = time.monotonic() + 10
        while len(builds) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(builds) == 2  # rebuilt for the new index without any search
        second = engine.search(SearchRequest(query="行政复议"))
        assert len(builds) == 2 and second.total_reports >= first.total_reports
    finally:
        stop.set()
