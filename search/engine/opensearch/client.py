"""A small REST client for an OpenSearch cluster: failover between node URLs, bulk
writes with back-pressure and retries on 429.

Plain ``requests`` rather than opensearch-py: the engine uses a handful of endpoints
(_search, _msearch, _bulk, _aliases, index admin), and its bulk loop needs its own
retry rules (only the refused documents again, with growing pauses) anyway.
"""
from __future__ import annotations

import json
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Iterable, Iterator

import requests

from ...errors import EngineError

LOGGER = logging.getLogger(__name__)

BULK_DOCUMENTS = 1000  # documents per bulk request …
BULK_BYTES = 8 * 1024 * 1024  # … or this many bytes, whichever comes first
RETRY_PAUSE = 0.5  # seconds before the first retry of refused documents; doubles up to …
RETRY_PAUSE_MAX = 30.0
RETRIES = 10  # … this many times, then the write fails


@dataclass
class BulkSummary:
    documents: int = 0
    requests: int = 0
    retried: int = 0  # documents sent again after a 429
    refusals: int = 0  # 429 answers (whole requests or single documents)


@dataclass
class Cluster:
    """Node URLs of one cluster (comma-separated in the settings); requests go to the first
    that answers and stay there until it stops answering."""

    urls: tuple[str, ...]
    username: str = ""
    password: str = ""
    verify: bool | str = True  # TLS: verify certificates (or the path of a CA bundle)
    timeout: float = 60.0
    _current: int = field(default=0, repr=False)
    _local: threading.local = field(default_factory=threading.local, repr=False)

    @classmethod
    def from_settings(cls, settings) -> "Cluster":
        urls = tuple(u.strip().rstrip("/") for u in str(settings.opensearch_url).split(",") if u.strip())
        if not urls:
            raise EngineError("engine = opensearch needs opensearch_url (GOVSEARCH_OPENSEARCH_URL)")
        ca = str(settings.opensearch_ca_certs or "")
        verify = ca if ca else bool(settings.opensearch_verify_certs)
        return cls(urls, settings.opensearch_user, settings.opensearch_password, verify,
                   float(settings.opensearch_timeout))

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            if self.username:
                session.auth = (self.username, self.password)
            session.verify = self.verify
        return session

    def request(self, method: str, path: str, body=None, *, params: dict | None = None, ndjson: str | None = None,
                expect=(200, 201), timeout: float | None = None) -> requests.Response:
        """One request, tried on each node URL in turn while nodes do not answer at all."""
        headers, data = {}, None
        if ndjson is not None:
            headers["Content-Type"] = "application/x-ndjson"
            data = ndjson.encode("utf-8")
        elif body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        errors = []
        for attempt in range(len(self.urls)):
            index = (self._current + attempt) % len(self.urls)
            url = self.urls[index]
            try:
                answer = self._session().request(method, url + path, data=data, headers=headers, params=params,
                                                  timeout=timeout or self.timeout)
            except (requests.ConnectionError, requests.Timeout) as error:
                errors.append(f"{url}: {error.__class__.__name__}")
                continue
            self._current = index
            if answer.status_code not in expect:
                raise EngineError(f"{method} {path} on {url}: HTTP {answer.status_code}: {_reason(answer)}",
                                  ) from None
            return answer
        raise EngineError(f"the search cluster does not answer ({'; '.join(errors)})")

    def json(self, method: str, path: str, body=None, **options) -> dict:
        return self.request(method, path, body, **options).json()

    def exists(self, path: str) -> bool:
        return self.request("HEAD", path, expect=(200, 404)).status_code == 200

    def msearch(self, index: str, bodies: list[dict]) -> list[dict]:
        """Several searches in one round trip; a failed one raises."""
        if not bodies:
            return []
        lines = "".join(json.dumps({"index": index}) + "\n" + json.dumps(body, ensure_ascii=False) + "\n"
                        for body in bodies)
        answers = self.json("POST", "/_msearch", ndjson=lines)["responses"]
        for answer in answers:
            if "error" in answer:
                raise EngineError(f"search on {index} failed: {json.dumps(answer['error'], ensure_ascii=False)[:800]}")
            shards = answer.get("_shards", {})
            if shards.get("failed"):
                raise EngineError(f"search on {index}: {shards['failed']} shard(s) failed: "
                                  f"{json.dumps(shards.get('failures'), ensure_ascii=False)[:800]}")
        return answers

    def search(self, index: str, body: dict) -> dict:
        return self.msearch(index, [body])[0]

    def bulk(self, index: str, documents: Iterable[tuple[str, dict]], summary: BulkSummary | None = None,
             refresh: bool = False) -> BulkSummary:
        """Index documents (id, source) in batches. Documents the cluster refuses with 429
        (its write queue is full) are sent again after a pause that doubles each time; any
        other refusal fails the write."""
        summary = summary or BulkSummary()
        for batch in _batches(documents):
            self._bulk_batch(index, batch, summary)
        if refresh:
            self.request("POST", f"/{index}/_refresh")
        return summary

    def _bulk_batch(self, index: str, batch: list[tuple[str, str]], summary: BulkSummary) -> None:
        pending = batch
        pause = RETRY_PAUSE
        for attempt in range(RETRIES + 1):
            if attempt:
                summary.retried += len(pending)
                time.sleep(pause * (0.75 + random.random() / 2))
                pause = min(RETRY_PAUSE_MAX, pause * 2)
            body = "".join(json.dumps({"index": {"_index": index, "_id": doc_id}}) + "\n" + source + "\n"
                           for doc_id, source in pending)
            summary.requests += 1
            answer = self.request("POST", "/_bulk", ndjson=body, expect=(200, 429))
            if answer.status_code == 429:
                summary.refusals += 1
                LOGGER.info("bulk request refused (429: %s); retrying %d documents", _reason(answer), len(pending))
                continue
            result = answer.json()
            if not result.get("errors"):
                summary.documents += len(pending)
                return
            refused, failed = [], []
            for (doc_id, source), item in zip(pending, result["items"]):
                status = item["index"]["status"]
                if status == 429:
                    refused.append((doc_id, source))
                elif status >= 300:
                    failed.append(f"{doc_id}: {json.dumps(item['index'].get('error'), ensure_ascii=False)[:300]}")
            if failed:
                raise EngineError(f"{len(failed)} paragraph(s) refused by the cluster, e.g. {failed[0]}")
            summary.documents += len(pending) - len(refused)
            summary.refusals += len(refused)
            pending = refused
            if not pending:
                return
            LOGGER.info("%d document(s) refused with 429; retrying", len(pending))
        raise EngineError(f"the cluster kept refusing writes (429) after {RETRIES} retries")


def _batches(documents: Iterable[tuple[str, dict]]) -> Iterator[list[tuple[str, str]]]:
    batch, size = [], 0
    for doc_id, document in documents:
        source = json.dumps(document, ensure_ascii=False)
        batch.append((doc_id, source))
        size += len(source) * 2
        if len(batch) >= BULK_DOCUMENTS or size >= BULK_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _reason(answer: requests.Response) -> str:
    try:
        error = answer.json().get("error")
    except ValueError:
        return answer.text[:300]
    if isinstance(error, dict):
        root = (error.get("root_cause") or [error])[0]
        return f"{root.get('type')}: {root.get('reason')}"[:500]
    return str(error)[:300]
