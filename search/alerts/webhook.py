"""Webhook delivery: one JSON POST per alert item, with the item's id as ``Idempotency-Key``.

A 2xx answer confirms delivery; anything else (refused, timeout, 4xx, 5xx) leaves the
item pending for the next run. Because a receiver may see the same item twice (we can
be killed after it answered, before we recorded it), it should ignore a key it has seen.
Webhook URLs are typed by users, so unless ``webhook_allow_private`` is set they may not
point at loopback, private or link-local addresses (the server's own neighbourhood).
"""
from __future__ import annotations

import ipaddress
import json
import logging
import socket
from urllib.parse import urlsplit

from ..settings import Settings
from . import links
from .db import AlertItem, SavedQuery

LOGGER = logging.getLogger(__name__)

WEBHOOK_TIMEOUT = 10  # seconds per POST


class WebhookError(Exception):
    """A webhook POST that did not confirm delivery (the item stays pending)."""


def check_url(url: str, allow_private: bool = False) -> None:
    """Raise ValueError when a webhook URL is unusable or points where it must not."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("webhook URL must be http:// or https:// with a host")
    if allow_private:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)}
    except socket.gaierror:
        raise ValueError(f"cannot resolve {parts.hostname}") from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified:
            raise ValueError(f"webhook host {parts.hostname} resolves to a non-public address ({ip})")


def payload(settings: Settings, item: AlertItem, saved_query: SavedQuery) -> dict:
    """The JSON body: the item, its saved query, the report and links to the matching paragraphs."""
    return {
        "id": item.id,
        "type": "govsearch.alert",
        "kind": item.kind,
        "created_at": item.created_at,
        "saved_query": {"id": saved_query.id, "name": saved_query.name, "query": saved_query.query,
                        "filters": saved_query.filters.to_dict()},
        "report": dict(item.details["report"], content_hash=item.content_hash,
                       url=links.paragraph_url(settings, item.report_id, saved_query.query, None)),
        "matches": item.details.get("matches", 0),
        "event": item.details.get("event"),  # reported / source changed or gone (search.alerts.events); None for matches
        "paragraphs": [
            {"seq": p["seq"], "section_path": p["section_path"], "text": p["text"],
             "url": links.paragraph_url(settings, item.report_id, saved_query.query, p["seq"])}
            for p in item.details["paragraphs"]
        ],
    }


def post(settings: Settings, item: AlertItem, saved_query: SavedQuery) -> int:
    """POST one item; returns the HTTP status, raises WebhookError unless it is 2xx."""
    import requests

    url = saved_query.webhook_url or ""
    try:
        check_url(url, settings.webhook_allow_private)
    except ValueError as exc:
        raise WebhookError(str(exc)) from None
    body = json.dumps(payload(settings, item, saved_query), ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": item.id,
               "User-Agent": "govsearch-alerts/0.1"}
    try:
        # No redirects: a 3xx to an internal address would bypass check_url.
        response = requests.post(url, data=body, headers=headers, timeout=WEBHOOK_TIMEOUT, allow_redirects=False)
    except requests.RequestException as exc:
        raise WebhookError(f"{type(exc).__name__}: {exc}") from None
    if not 200 <= response.status_code < 300:
        raise WebhookError(f"HTTP {response.status_code}")
    return response.status_code
