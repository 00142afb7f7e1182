"""One HTTP fetch done carefully: host-checked redirects, a size cap, content types, challenge pages.

Redirects are followed by hand (``allow_redirects=False``) so every hop is checked
against the allowed hosts and schemes before a request is sent; the session's cookie
jar keeps cookies set on a hop, which is all a cookie-on-redirect challenge asks. The
body is streamed and abandoned as soon as it passes the cap, never loaded whole.

Time is bounded twice: ``timeout`` for each wait on the network (connect, and each read),
and a total deadline of ``DEADLINE_FACTOR`` × timeout for the whole fetch (redirects,
headers and body), kept even when a server drips one byte at a time (see ``deadline``).
"""
from __future__ import annotations

import email.utils
import logging
import re
import time
import warnings
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from ..challenges import challenge_marker
from ..errors import FetchError
from ..deadline import Deadline, deadline_session

LOGGER = logging.getLogger(__name__)

MAX_REDIRECTS = 5
DEADLINE_FACTOR = 3  # a whole fetch (redirects, headers, body) may take this many timeouts, at least a second
HTML_TYPES = {"text/html", "application/xhtml+xml", "text/xml", "application/xml", "text/plain"}
JSON_TYPES = {"application/json", "text/json", "text/javascript", "application/javascript"}  # list APIs only
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCUMENT_TYPES = {
    "application/pdf", DOCX_TYPE, "application/msword", "application/kswps", "application/wps-office.wps",
    "application/vnd.ms-works", "application/wps",
}
# Portals serve attachments under whatever their download servlet says; the bytes decide.
GENERIC_BINARY_TYPES = {
    "application/octet-stream", "application/x-download", "application/force-download", "application/download",
    "application/zip", "application/x-msdownload", "binary/octet-stream", "application/unknown",
}
DOCUMENT_EXTENSIONS = {".pdf": "application/pdf", ".docx": DOCX_TYPE, ".doc": "application/msword",
                       ".wps": "application/kswps"}

@dataclass(frozen=True)
class Response:
    """A fetched response: final URL, status (200 or 304), headers, body bytes, bare MIME type."""

    url: str
    status: int
    headers: dict[str, str]
    content: bytes
    content_type: str | None
    elapsed: float


class FetchProblem(FetchError):
    """Why a fetch gave no usable page; ``outcome`` tells the crawler what to do next.

    outcomes: ``transient`` (retry later), ``failed``, ``blocked`` (challenge page),
    ``refused`` (our own rule: foreign host, size, content type, scheme), ``gone`` (404/410).
    """

    def __init__(self, url: str, outcome: str, reason: str, status: int | None = None,
                 retry_after: float | None = None, elapsed: float = 0.0):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.outcome = outcome
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        self.elapsed = elapsed


def bare_type(content_type: str | None) -> str | None:
    """'text/html; charset=GBK' → 'text/html'; None when absent."""
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


_TAGS = re.compile(rb"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S | re.I)
_META_REFRESH = re.compile(
    rb"""<meta[^>]+http-equiv=["']?refresh["']?[^>]*content=["']?\s*\d*\s*;?\s*url\s*=\s*['"]?([^"'>\s]+)""", re.I)


def _visible_chinese(content: bytes) -> int:
    """Han characters outside scripts and tags (UTF-8 or GB bytes alike): how much a page says."""
    text = _TAGS.sub(b" ", content[:262144])
    utf8 = len(re.findall(r"[\u4e00-\u9fff]", text.decode("utf-8", "ignore")))
    gb = len(re.findall(r"[\u4e00-\u9fff]", text.decode("gb18030", "ignore")))
    return max(utf8, gb) if utf8 else gb


def meta_refresh_target(content: bytes) -> str | None:
    """Where a stub page's ``<meta http-equiv="refresh" content="0;url=…">`` sends the reader."""
    match = _META_REFRESH.search(content[:8192])
    return match.group(1).decode("latin-1") if match else None


def challenge_reason(status: int, headers: dict[str, str], content: bytes) -> str | None:
    """Why this response looks like an anti-crawler challenge rather than content, else None.

    Protected sites also put their markers (``__jsluid`` cookies, ``wzws`` names) on real
    pages, so apart from HTTP 412 a marker counts only on a page with almost no text.
    """
    if status == 412:
        return "HTTP 412 (JavaScript cookie challenge)"
    if _visible_chinese(content) >= 60:
        return None
    header_text = " ".join(f"{k}: {v}" for k, v in headers.items()).encode("latin-1", "replace")
    reason = challenge_marker(header_text, content[:65536])
    if reason:
        return reason
    if status == 521:
        return "HTTP 521 (JavaScript challenge)"
    return None


def document_type_from_name(name: str) -> str | None:
    """MIME type of a .pdf/.docx/.doc/.wps file name or URL path (query ignored unless it names a file)."""
    lowered = name.lower().split("#", 1)[0]
    for ext, mime in DOCUMENT_EXTENSIONS.items():
        if re.search(re.escape(ext) + r"(?:$|[?&=#])", lowered) or lowered.endswith(ext):
            return mime
    return None


def sniff_document_type(content: bytes, name: str | None) -> str | None:
    """The document type the bytes really are (magic numbers first, then the name)."""
    if content.startswith(b"%PDF"):
        return "application/pdf"
    if content.startswith(b"PK\x03\x04"):
        return DOCX_TYPE if b"word/" in content[:200_000] or (name and ".docx" in name.lower()) else "application/zip"
    if content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: legacy .doc and .wps
        by_name = document_type_from_name(name or "")
        return by_name if by_name in ("application/kswps", "application/msword") else "application/msword"
    head = content[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml")) or b"<html" in head:
        return "text/html"
    return None


class Fetcher:
    """Fetches one URL with a shared session; raises FetchProblem for anything but 200/304."""

    def __init__(self, session: requests.Session, may_request: Callable[[str], str | None]):
        self.session = deadline_session(session)
        # may_request(url) → None when allowed, else the reason (foreign host, robots.txt …).
        self.may_request = may_request

    def fetch(self, url: str, *, kind: str, timeout: float, max_bytes: int, etag: str | None = None,
              last_modified: str | None = None, verify_tls: bool = True, referer: str | None = None) -> Response:
        """GET ``url`` (kind: list | report | attachment | robots), following checked redirects.

        Each network wait is bounded by ``timeout`` and the whole fetch by ``DEADLINE_FACTOR`` × ``timeout``.
        """
        started = time.monotonic()
        limit = max(timeout * DEADLINE_FACTOR, 1.0)
        with Deadline(limit) as deadline:
            try:
                response = self._fetch(url, kind, timeout, max_bytes, etag, last_modified, verify_tls, referer,
                                       started)
            except Exception:
                if deadline.expired:  # whatever the cut-off read raised: the server was too slow
                    raise self._too_slow(url, limit, started) from None
                raise
            if deadline.expired:  # a body that ends at the connection's close may have been cut short
                raise self._too_slow(url, limit, started)
        return response

    @staticmethod
    def _too_slow(url: str, limit: float, started: float) -> FetchProblem:
        return FetchProblem(url, "transient", f"no complete response within {limit:g} s (the server sends too slowly)",
                            elapsed=time.monotonic() - started)

    def _fetch(self, url: str, kind: str, timeout: float, max_bytes: int, etag: str | None,
               last_modified: str | None, verify_tls: bool, referer: str | None, started: float) -> Response:
        current = url
        headers = {}
        if referer:
            headers["Referer"] = referer  # download servlets often refuse requests without the page they are on
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for _hop in range(MAX_REDIRECTS + 1):
            refusal = self.may_request(current)
            if refusal:
                raise FetchProblem(url, "refused", refusal if current == url else f"redirect to {current}: {refusal}")
            try:
                with warnings.catch_warnings():
                    # The operator chose verify_tls = false for this portal; one warning per request is noise.
                    warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                    response = self.session.get(current, headers=headers, stream=True, allow_redirects=False,
                                                timeout=timeout, verify=verify_tls)
            except requests.exceptions.SSLError:
                raise FetchProblem(url, "failed", "TLS certificate not accepted (verify_tls = false in the "
                                                  "profile accepts it)") from None
            except requests.Timeout:
                raise FetchProblem(url, "transient", f"timed out after {timeout:g} s",
                                   elapsed=time.monotonic() - started) from None
            except requests.RequestException as exc:
                raise FetchProblem(url, "transient", f"network error: {type(exc).__name__}",
                                   elapsed=time.monotonic() - started) from None
            with response:
                if response.is_redirect and response.headers.get("Location"):
                    current = urljoin(current, response.headers["Location"])
                    continue
                result = self._finish(url, current, response, kind, timeout, max_bytes, started)
            stub = kind in ("list", "report") and len(result.content) < 4096
            refresh = meta_refresh_target(result.content) if stub else None
            if refresh and urljoin(current, refresh) != current:
                # A stub page that only forwards the reader (meta refresh): one more checked hop.
                current = urljoin(current, refresh)
                continue
            return result
        raise FetchProblem(url, "failed", f"more than {MAX_REDIRECTS} redirects")

    def _finish(self, url: str, final_url: str, response: requests.Response, kind: str, timeout: float,
                max_bytes: int, started: float) -> Response:
        status = response.status_code
        # One spelling per header (servers and HTTP/2 differ in case): Content-Type, Etag, Last-Modified …
        headers = {"-".join(part.capitalize() for part in name.split("-")): value
                   for name, value in response.headers.items()}
        mime = bare_type(headers.get("Content-Type"))
        if status == 304:
            return Response(final_url, 304, headers, b"", mime, time.monotonic() - started)
        if status in (404, 410):
            raise FetchProblem(url, "gone", f"HTTP {status}", status=status, elapsed=time.monotonic() - started)
        if status == 429 or status >= 500:
            body = self._read(url, response, min(max_bytes, 256 * 1024), timeout, started, truncate=True)
            reason = challenge_reason(status, headers, body)
            if reason:
                raise FetchProblem(url, "blocked", reason, status=status)
            raise FetchProblem(url, "transient", f"HTTP {status}", status=status,
                               retry_after=retry_after_seconds(headers.get("Retry-After")),
                               elapsed=time.monotonic() - started)
        if status != 200:
            body = self._read(url, response, min(max_bytes, 256 * 1024), timeout, started, truncate=True)
            reason = challenge_reason(status, headers, body)
            if reason:
                raise FetchProblem(url, "blocked", reason, status=status)
            raise FetchProblem(url, "failed", f"HTTP {status}", status=status)
        self._check_type(url, kind, mime, final_url)
        length = headers.get("Content-Length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise FetchProblem(url, "refused", f"too large: {int(length)} bytes > cap {max_bytes}", status=status)
        content = self._read(url, response, max_bytes, timeout, started)
        if kind != "attachment" and kind != "robots":
            reason = challenge_reason(status, headers, content)
            if reason:
                raise FetchProblem(url, "blocked", reason, status=status)
        return Response(final_url, status, headers, content, mime, time.monotonic() - started)

    @staticmethod
    def _check_type(url: str, kind: str, mime: str | None, final_url: str) -> None:
        if mime is None or kind == "robots":
            return  # missing header: the bytes are sniffed later
        if kind == "attachment":
            if mime in DOCUMENT_TYPES or mime in GENERIC_BINARY_TYPES or mime in HTML_TYPES:
                return  # an HTML answer is checked by sniffing (an error page is not a document)
        elif mime in HTML_TYPES or (kind == "list" and mime in JSON_TYPES):
            return
        elif kind == "report" and (mime in DOCUMENT_TYPES or mime in GENERIC_BINARY_TYPES):
            return  # a "report page" link that is really the document itself
        where = f" (at {final_url})" if final_url != url else ""
        raise FetchProblem(url, "refused", f"content type {mime} not wanted for a {kind}{where}")

    @staticmethod
    def _read(url: str, response: requests.Response, max_bytes: int, timeout: float, started: float,
              truncate: bool = False) -> bytes:
        """Stream the body, stopping at the cap (the fetch's Deadline stops servers that drip bytes)."""
        deadline = started + max(timeout * DEADLINE_FACTOR, 1.0)
        chunks, total = [], 0
        try:
            for chunk in response.iter_content(64 * 1024):
                total += len(chunk)
                if total > max_bytes:
                    if truncate:
                        chunks.append(chunk[: max_bytes - (total - len(chunk))])
                        break
                    raise FetchProblem(url, "refused", f"too large: more than {max_bytes} bytes (stopped reading)",
                                       status=response.status_code)
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise FetchProblem(url, "transient", "body took too long to arrive", status=response.status_code)
        except requests.RequestException as exc:
            raise FetchProblem(url, "transient", f"network error while reading: {type(exc).__name__}",
                               status=response.status_code) from None
        return b"".join(chunks)


def scheme_and_host_check(allowed_hosts: Callable[[str], bool]) -> Callable[[str], str | None]:
    """A may_request check allowing only http/https URLs on allowed hosts."""

    def check(url: str) -> str | None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return f"scheme {parts.scheme or '(none)'} is not http/https"
        if not allowed_hosts(parts.hostname or ""):
            return f"host {parts.hostname} is not allowed"
        return None

    return check
