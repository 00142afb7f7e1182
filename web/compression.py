"""gzip for text responses (pages, CSS, JavaScript, JSON, CSV, feeds) when the client accepts it.

A results page is ~60 KB of HTML that compresses about eightfold; the stylesheet and
script shrink about fourfold. Small bodies, ranges, already-encoded and non-text responses
go out as they are. Static files keep their ETag as a weak one (the same file, another
encoding), so revalidation still answers 304.
"""
from __future__ import annotations

import gzip

from flask import Flask, request

COMPRESSIBLE = frozenset({
    "text/html", "text/css", "text/javascript", "application/javascript", "application/json", "text/csv",
    "text/plain", "application/atom+xml", "application/xml", "image/svg+xml", "image/vnd.microsoft.icon",
})
MIN_BYTES = 512  # below this, the gzip header and the work cost more than they save
LEVEL = 6


def compress(response):
    """gzip the body of a compressible 200 response for a client that accepts gzip."""
    if response.mimetype not in COMPRESSIBLE:
        return response
    response.vary.add("Accept-Encoding")
    if (response.status_code != 200 or "Content-Encoding" in response.headers or "Content-Range" in response.headers
            or request.method == "HEAD" or request.accept_encodings.quality("gzip") <= 0):
        return response
    response.direct_passthrough = False  # static files: read the file so that it can be compressed
    body = response.get_data()
    if len(body) < MIN_BYTES:
        return response
    etag, weak = response.get_etag()
    response.set_data(gzip.compress(body, compresslevel=LEVEL, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    if etag:
        response.set_etag(etag, weak=True)
    return response


def init_app(app: Flask) -> None:
    """Compress every compressible response of the app."""
    app.after_request(compress)
