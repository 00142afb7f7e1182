"""Indexes written before the engine package still open.

Whoosh pickles an index's schema (field types, tokenizers, position format) and its
segments' codec into the index's table of contents, by module path. Until index format 3
those classes lived in ``search.schema``, ``search.postings`` and ``search.writer``; they
now live in this package. The old paths are given back here so that such an index opens
and serves until ``govsearch reindex`` rebuilds it (its FORMAT file says it is older).
"""
from __future__ import annotations

import sys

from . import postings, writer
from ...schema import MOVED_FIELD_CLASSES as SCHEMA_CLASSES  # noqa: F401  (search.schema resolves them)

# Module path in old indexes → module that now holds its classes.
MOVED_MODULES = {"search.postings": postings, "search.writer": writer}


def install() -> None:
    """Make the old module paths resolve (idempotent; never shadows a real module)."""
    for name, module in MOVED_MODULES.items():
        sys.modules.setdefault(name, module)

