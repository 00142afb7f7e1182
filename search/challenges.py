"""Anti-crawler challenge pages (WZWS, 瑞数, 加速乐, 云锁, Cloudflare, "please enable
JavaScript") served or saved instead of an article.

One list for the crawler (``search.crawl.fetch``, on responses) and the cleaner
(``search.clean.stubs``, on saved bytes). Protected sites put the same names on real
pages too, so both consult it only for pages with almost no text.
"""
from __future__ import annotations

import re

_PLEASE = ("请开启", "请启用", "请打开")
_ASKS_FOR_SCRIPT = re.compile(
    b"|".join(re.escape(please.encode(encoding)) + rb"\s*JavaScript"
              for please in _PLEASE for encoding in ("utf-8", "gb18030"))
    + b"|enable JavaScript and cookies", re.I)

MARKERS = (
    (re.compile(rb"wzws_cid|wzwschallenge|WZWS_CONFIRM|wzws-waf|/WZWS", re.I), "WZWS anti-crawler challenge"),
    (re.compile(rb"\$_ts\s*=\s*window\[|\$_ts\.(?:cd|nsd)|\$_ts\['"), "瑞数 (Ruishu) JavaScript challenge"),
    (re.compile(rb"__jsl_clearance|__jsluid"), "加速乐 (jiasule) JavaScript challenge"),
    (re.compile(rb"yunsuo_session_verify|security_verify_data"), "云锁 (Yunsuo) JavaScript challenge"),
    (re.compile(rb"/cdn-cgi/challenge-platform|cf-chl-|cf_chl_"), "Cloudflare JavaScript challenge"),
    (_ASKS_FOR_SCRIPT, "page asks for JavaScript (challenge)"),
)


def challenge_marker(*texts: bytes) -> str | None:
    """The name of the first challenge whose marker is in any of the texts (UTF-8 or
    GB18030 bytes: page heads, response headers), else None."""
    for pattern, name in MARKERS:
        if any(pattern.search(text) for text in texts):
            return name
    return None
