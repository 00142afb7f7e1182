"""Content identity of a report, so one report posted on several portals is stored once.

The fingerprint hashes the body in search form (NFKC, simplified) with punctuation and
whitespace removed: a traditional-script copy or a repost with different spacing gives the
same value. A mirror with injected spam differs in a few words; ``similarity`` (Jaccard
over character shingles) catches those near-duplicates.
"""
from __future__ import annotations

import hashlib
import logging
import re

from ..models import Report
from ..normalize import search_form

LOGGER = logging.getLogger(__name__)

_NOT_TEXT = re.compile(r"[\W_]+")
SHINGLE = 5


def body_key(report: Report) -> str:
    """The report's paragraphs as one string of simplified characters, letters and digits."""
    text = "".join(paragraph.text for paragraph in report.paragraphs)
    return _NOT_TEXT.sub("", search_form(text)).lower()


def fingerprint(report: Report) -> str:
    """A stable hex digest of the body text, independent of script, punctuation and spacing."""
    return hashlib.sha1(body_key(report).encode("utf-8")).hexdigest()


def _shingles(text: str) -> set[int]:
    if len(text) <= SHINGLE:
        return {hash(text)} if text else set()
    return {hash(text[i:i + SHINGLE]) for i in range(len(text) - SHINGLE + 1)}


def similarity(a: Report, b: Report) -> float:
    """Jaccard similarity (0..1) of the two bodies' 5-character shingles."""
    first, second = _shingles(body_key(a)), _shingles(body_key(b))
    if not first and not second:
        return 1.0
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)
