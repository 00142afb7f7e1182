"""Webhook delivery: one JSON POST per alert item, with the item's id as ``Idempotency-Key``.

A 2xx answer confirms delivery; anything else (refused, timeout, 4xx, 5xx) leaves the
item pending for the next run. Because a receiver may see the same item twice (we can
be killed after it answered, before we recorded it), it should ignore a key it has seen.
Webhook URLs are typed by users: ``destinations`` allows only public addresses (unless
the settings allow more) and the POST goes to the address it checked, never re-resolved.
Each POST has a total deadline, so a receiver that answers a byte at a time cannot hold
up the run (and with it everyone else's alerts).
"""
from __future__ import annotations

import json
import logging

from ..deadline import Deadline, guarded_pool
from ..errors import ConfigError
from ..settings import Settings
from . import links
from .db import AlertItem, SavedQuery
from .destinations import RefusedDestination, WebhookTarget, check_url, target_for

LOGGER = logging.getLogger(__name__)

WEBHOOK_TIMEOUT = 10  # seconds to connect, and for each wait on the answer
WEBHOOK_DEADLINE = 20  # seconds for the whole POST, however slowly the receiver answers

__all__ = ["WebhookError", "check_url", "payload", "post", "target_for"]


class WebhookError(Exception):
    """A webhook POST that did not confirm delivery (the item stays pending)."""


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
    try:
        target = target_for(settings, saved_query.webhook_url or "")
    except (RefusedDestination, ConfigError) as exc:
        raise WebhookError(str(exc)) from None
    body = json.dumps(payload(settings, item, saved_query), ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": item.id,
               "User-Agent": "govsearch-alerts/0.1"}
    status = send(target, body, headers)
    if not 200 <= status < 300:
        raise WebhookError(f"HTTP {status}")
    return status


def send(target: WebhookTarget, body: bytes, headers: dict[str, str], timeout: float = WEBHOOK_TIMEOUT,
         deadline: float = WEBHOOK_DEADLINE) -> int:
    """POST to the checked address (Host, SNI and certificate name from the URL); the answer's status."""
    import urllib3
    from requests.certs import where as ca_bundle

    options = {"timeout": urllib3.Timeout(connect=timeout, read=timeout), "retries": False, "maxsize": 1}
    if target.scheme == "https":
        options.update(server_hostname=target.host, assert_hostname=target.host, cert_reqs="CERT_REQUIRED",
                       ca_certs=ca_bundle())
    pool = guarded_pool(target.scheme)(target.address, target.port, **options)
    try:
        with Deadline(deadline) as watch:
            try:
                # No redirects: a 3xx to an internal address would bypass the check.
                response = pool.urlopen("POST", target.path, body=body, headers={**headers, "Host": target.host_header},
                                        redirect=False, retries=False, preload_content=False,
                                        assert_same_host=False)
                response.release_conn()
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                if watch.expired:
                    raise WebhookError(f"no answer within {deadline:g} s") from None
                raise WebhookError(f"{type(exc).__name__}: {exc}") from None
    finally:
        pool.close()
    return response.status
