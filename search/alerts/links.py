"""Stable ids, signed tokens and the public URLs that alert emails, feeds and webhooks carry.

The web app and the ``alerts run`` command must sign with the same key, so the key is the
configured ``secret_key`` or the one kept in ``<data_dir>/secret_key`` (the file the web
app's factory creates); whoever comes first creates it.
"""
from __future__ import annotations

import hashlib
import logging
import os
import secrets
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from itsdangerous import BadSignature, URLSafeSerializer

from ..settings import Settings

LOGGER = logging.getLogger(__name__)

_UNSUBSCRIBE_SALT = "govsearch-unsubscribe"


def secret_key(settings: Settings) -> str:
    """The configured key, or the one kept in the data folder (created once, readable by us only)."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: when the web app and a cron run start together, one key wins and both read it.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip()


def item_id(saved_query_id: int, report_id: str, content_hash: str) -> str:
    """The stable id of one alert: the same (saved query, report version) always gives the same id."""
    digest = hashlib.sha256(f"{saved_query_id}:{report_id}:{content_hash}".encode()).hexdigest()
    return f"a{saved_query_id}-{digest[:24]}"


def message_id(item_ids: list[str], settings: Settings) -> str:
    """The email Message-ID: the item's id, or for a digest a hash of its items' ids (sorted)."""
    host = urlsplit(settings.base_url).hostname or "govsearch.invalid"
    if len(item_ids) == 1:
        local = item_ids[0]
    else:
        local = "digest-" + hashlib.sha256(",".join(sorted(item_ids)).encode()).hexdigest()[:32]
    return f"<{local}@{host}>"


def unsubscribe_token(settings: Settings, saved_query_id: int) -> str:
    """A signed token naming one saved query; it needs no login and never expires."""
    return URLSafeSerializer(secret_key(settings), salt=_UNSUBSCRIBE_SALT).dumps({"q": saved_query_id})


def read_unsubscribe_token(settings: Settings, token: str) -> int | None:
    """The saved query id in a token, or None when the token was not signed by us."""
    try:
        data = URLSafeSerializer(secret_key(settings), salt=_UNSUBSCRIBE_SALT).loads(token)
    except BadSignature:
        return None
    value = data.get("q") if isinstance(data, dict) else None
    return value if isinstance(value, int) else None


def _base(settings: Settings) -> str:
    return settings.base_url.rstrip("/")


def paragraph_url(settings: Settings, report_id: str, query: str, seq: int | None) -> str:
    """Link to a report page with the query highlighted, scrolled to one paragraph."""
    params = [("q", query)] if query else []
    if seq is None:
        return f"{_base(settings)}/report/{report_id}" + ("?" + urlencode(params) if params else "")
    params.append(("p", str(seq)))
    return f"{_base(settings)}/report/{report_id}?{urlencode(params)}#p{seq}"


def search_url(settings: Settings, query: str, filter_params: list[tuple[str, str]]) -> str:
    return f"{_base(settings)}/?{urlencode([('q', query), *filter_params])}"


def unsubscribe_url(settings: Settings, saved_query_id: int) -> str:
    return f"{_base(settings)}/alerts/unsubscribe/{unsubscribe_token(settings, saved_query_id)}"


def feed_url(settings: Settings, feed_token: str) -> str:
    return f"{_base(settings)}/feeds/{feed_token}.atom"


def inbox_url(settings: Settings) -> str:
    return f"{_base(settings)}/alerts/inbox"


def manage_url(settings: Settings, saved_query_id: int) -> str:
    return f"{_base(settings)}/alerts/queries/{saved_query_id}"
