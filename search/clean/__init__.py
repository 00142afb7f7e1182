"""The cleaning stage: one raw page → one Report, furniture and repeats gone, metadata read.

``clean_page`` runs the chain of stages in ``chain.py`` (read → working form → page slices
→ furniture → spam → repeats → header and title → paragraphs → kind → dates → issuer →
region) over one ``Draft`` (``draft.py``) and returns the Report, its text as the page
printed it. The vocabulary lives in ``search/data/cleaner/``.
"""
from __future__ import annotations

import logging

from ..errors import ExtractError
from ..models import RawPage, Report
from .chain import run
from .fingerprint import fingerprint, similarity
from .read import MAX_BYTES

__all__ = ["clean_page", "fingerprint", "similarity", "ExtractError", "MAX_BYTES"]

LOGGER = logging.getLogger(__name__)


def clean_page(raw: RawPage, *, max_bytes: int = MAX_BYTES) -> Report:
    """Turn one fetched or saved page into a Report.

    Args:
        raw: the page bytes and where they came from.
        max_bytes: larger pages are refused (a report page is well under a megabyte).
    Returns:
        the cleaned Report (paragraphs with section paths, metadata, region, topics).
    Raises:
        ExtractError: empty, binary, truncated or over-size input, or no report text in it.
            Any bytes give a Report or an ExtractError: a failure inside the cleaner on
            hostile input is reported as ``internal error: …`` for this page alone.
    """
    try:
        return run(raw, max_bytes)
    except ExtractError:
        raise
    except Exception as error:  # noqa: BLE001 - the edge where untrusted bytes meet the cleaner
        LOGGER.exception("cleaner failed on %s", raw.source)
        raise ExtractError(raw.source, f"internal error: {type(error).__name__}: {error}") from error
