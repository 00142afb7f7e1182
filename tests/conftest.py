"""Shared fixtures: settings, an imported and indexed data folder, the app and its client.

Everything lives in tmp_path; no test touches the real index_data/ or the network.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from search.settings import load_settings

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "samples" / "seeds"
SYNTHETIC = REPO / "samples" / "synthetic"
SHARED_SEEDS = REPO.parent / "shared" / "seeds"


@pytest.fixture
def settings(tmp_path):
    return load_settings({"data_dir": str(tmp_path / "data")}, environ={})


@pytest.fixture
def seed_dir(tmp_path):
    """A private copy of the seed pages (tests may change or add files)."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def indexed_data(tmp_path_factory):
    """A data folder with the seeds imported and indexed (built once; read-only for tests)."""
    from search.pipeline import import_paths, reindex

    data_dir = tmp_path_factory.mktemp("indexed") / "data"
    settings = load_settings({"data_dir": str(data_dir)}, environ={})
    summary = import_paths(settings, [SEEDS])
    assert not summary.failed, summary.failed
    reindex(settings, run_alerts=False)
    return settings


@pytest.fixture
def engine(indexed_data):
    from search.engine import WhooshEngine

    return WhooshEngine(indexed_data.data_dir)


@pytest.fixture
def app(indexed_data):
    from web import create_app

    return create_app(indexed_data, {"TESTING": True, "WTF_CSRF_ENABLED": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner():
    from click.testing import CliRunner

    return CliRunner()
