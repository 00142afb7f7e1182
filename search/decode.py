"""Bytes → text for pages whose charset label is often wrong or missing.

Order: byte-order mark, HTTP charset, ``<meta charset>``, then detection. Any
gb2312/gbk label is decoded as gb18030, its superset (喆, 堃, 镕 are not in GB2312).
A label is only trusted when the bytes really decode with it.
"""
from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_\-]+)", re.IGNORECASE)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "hz-gb-2312", "csgb2312"}


def canonical_encoding(label: str | None) -> str | None:
    """Python codec name for a charset label; GB family → gb18030; None when unknown."""
    if not label:
        return None
    label = label.strip().lower()
    if label in _GB_FAMILY:
        return "gb18030"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return "gb18030" if name in {"gb2312", "gbk"} else name


def declared_encoding(content: bytes, content_type: str | None = None) -> str | None:
    """The encoding a page claims, from its Content-Type header or its first <meta charset>."""
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match and canonical_encoding(match.group(1)):
            return canonical_encoding(match.group(1))
    match = _META_CHARSET.search(content[:4096])
    if match:
        return canonical_encoding(match.group(1).decode("ascii", "ignore"))
    return None


def _decodes_cleanly(content: bytes, encoding: str) -> bool:
    try:
        content.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def decode_bytes(content: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode page bytes; returns (text, encoding used).

    >>> decode_bytes("法治政府".encode("gbk"))
    ('法治政府', 'gb18030')
    >>> decode_bytes('<meta charset="gb2312">喆'.encode("gb18030"))[1]
    'gb18030'
    """
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if content.startswith(bom):
            return content.decode(encoding, errors="replace").lstrip("\ufeff"), encoding
    declared = declared_encoding(content, content_type)
    if declared and _decodes_cleanly(content, declared):
        return content.decode(declared), declared
    # Undeclared or wrong label. Chinese pages are overwhelmingly UTF-8 or GB-family:
    # try those strictly before asking a statistical detector.
    for encoding in ("utf-8", "gb18030"):
        if _decodes_cleanly(content, encoding):
            return content.decode(encoding), encoding
    from charset_normalizer import from_bytes

    best = from_bytes(content[:200_000]).best()
    encoding = canonical_encoding(best.encoding) if best else None
    encoding = encoding or declared or "gb18030"
    return content.decode(encoding, errors="replace"), encoding
