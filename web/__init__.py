"""The Flask web app: search page, report page, JSON API.

Built by ``create_app`` (nothing at import time). The search engine is created once
per app and reopens the index by itself when a reindex swapped generations.
"""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask

from search.settings import Settings, load_settings


def _secret_key(settings: Settings) -> str:
    """The configured key, or one generated once and kept in the data folder."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key, encoding="utf-8")
    path.chmod(0o600)
    return key


def create_app(settings: Settings | None = None, test_config: dict | None = None) -> Flask:
    """Application factory."""
    from search.engine import WhooshEngine

    from . import views

    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(SECRET_KEY=_secret_key(settings), JSON_AS_ASCII=False, GOVSEARCH_SETTINGS=settings)
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False
    app.extensions["govsearch_engine"] = WhooshEngine(settings.data_dir)
    app.register_blueprint(views.blueprint)
    views.register_error_pages(app)
    try:
        from . import accounts
    except ImportError:
        pass
    else:
        accounts.init_app(app)
    return app
