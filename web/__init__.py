"""The Flask web app: search page, report page, JSON API.

Built by ``create_app`` (nothing at import time). The search engine is created once
per app and reopens the index by itself when a reindex swapped generations.
"""
from __future__ import annotations

from flask import Flask

from search.alerts.links import secret_key
from search.settings import Settings, load_settings


def create_app(settings: Settings | None = None, test_config: dict | None = None) -> Flask:
    """Application factory."""
    from search.engine import open_engine

    from . import views

    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(SECRET_KEY=secret_key(settings), JSON_AS_ASCII=False, GOVSEARCH_SETTINGS=settings)
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False
    app.extensions["govsearch_engine"] = open_engine(settings)
    app.register_blueprint(views.blueprint)
    from . import coverage_views

    app.register_blueprint(coverage_views.blueprint)
    app.jinja_env.globals["kind_code_of"] = coverage_views.KIND_CODES
    from . import insights_views

    app.register_blueprint(insights_views.blueprint)
    views.register_error_pages(app)
    from . import accounts, compression

    accounts.init_app(app)
    compression.init_app(app)
    return app
