"""Indexes written before the engine package still open.

Whoosh pickles an index's schema (field types, tokenizers, position format) and its
segments' codec into the index's table of contents, by module path. Until index format 3
those classes lived in ``search.schema``, ``search.postings`` and ``search.writer``; they
now live in this package. The old paths are given back here so that such an index opens
and serves until ``govsearch reindex`` rebuilds it (its FORMAT file says it is older).
"""
from __future__ import annotations

import sys

from . import fields, postings, writer

# Module path in old indexes → module that now holds its classes.
MOVED_MODULES = {"search.postings": postings, "search.writer": writer}
# Classes old indexes name under search.schema (a module that still exists for the analyzer).
SCHEMA_CLASSES = ("WordTokenizer", "SearchWordTokenizer", "BigramTokenizer", "CompactPositions",
                  "PositionalText", "ShortText")


def install() -> None:
    """Make the old module paths resolve (idempotent; never shadows a real module)."""
    for name, module in MOVED_MODULES.items():
        sys.modules.setdefault(name, module)


def schema_class(name: str):
    """The class an old index names as ``search.schema.<name>``."""
    if name not in SCHEMA_CLASSES:
        raise AttributeError(name)
    return getattr(fields, name)
