"""Cells for CSV files a spreadsheet opens: nothing in them runs as a formula (CSV injection)."""
from __future__ import annotations


def spreadsheet_safe(value) -> str:
    """A cell a spreadsheet will not run as a formula.

    >>> spreadsheet_safe("=HYPERLINK(1)"), spreadsheet_safe("行政复议"), spreadsheet_safe(None)
    ("'=HYPERLINK(1)", '行政复议', '')
    """
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
