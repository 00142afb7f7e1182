"""Site profiles: what the crawler knows about one portal, kept in data files, not code.

A profile is a TOML file (read with :mod:`tomllib`). Every key is optional except
``start_urls`` and at least one report pattern; unknown keys are an error naming the key,
so a typo never silently falls back to a default::

    name = "example-hanweb"              # defaults to the file name
    cms = "hanweb"                       # hanweb | trs | generic: how list pages paginate
    start_urls = ["https://www.example.gov.cn/col/col1229/index.html"]
    allowed_hosts = ["www.example.gov.cn"]   # default: the hosts of start_urls (+ www./bare twin)
    report_url_patterns = ['/art/\\d{4}/\\d+/\\d+/art_\\d+_\\d+\\.html']
    report_title_patterns = ['法治政府建设.*报告', '政府信息公开工作年度报告']
    report_patterns = []                 # each matched against the URL *or* the link text
    list_url_patterns = []               # extra links to follow as list pages (any cms)
    page_param = ""                      # e.g. "pageNo": list pages are ?pageNo=1, 2, … until one is empty
    max_list_pages = 50                  # list pages fetched per start URL and run
    max_pages = 500                      # report pages + attachments fetched per run
    delay = 1.0                          # least seconds between two requests to one host
    max_delay = 10.0                     # the adaptive delay never grows past this
    timeout = 20.0                       # seconds before a request times out
    retries = 3                          # further tries after a timeout, 429 or 5xx
    max_bytes = 15728640                 # responses larger than this are refused
    attachments = true                   # fetch .docx/.pdf/.doc/.wps linked from reports
    verify_tls = true                    # false: accept expired or self-signed certificates

A link is a report when it matches one of ``report_url_patterns`` (when any are given)
**and** its text or title attribute matches one of ``report_title_patterns`` (when any
are given), or when one of ``report_patterns`` matches its URL *or* its text.
Patterns are Python regular expressions searched anywhere in the string.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError
from ..normalize import search_form

CMS_FAMILIES = ("hanweb", "trs", "generic")

_KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "description": str,
    "cms": str,
    "start_urls": list,
    "allowed_hosts": list,
    "report_url_patterns": list,
    "report_title_patterns": list,
    "report_patterns": list,
    "list_url_patterns": list,
    "page_param": str,
    "max_list_pages": int,
    "max_pages": int,
    "delay": (int, float),
    "max_delay": (int, float),
    "timeout": (int, float),
    "retries": int,
    "max_bytes": int,
    "attachments": bool,
    "verify_tls": bool,
}


@dataclass(frozen=True)
class Profile:
    """One portal's crawl instructions (see the module docstring for each field)."""

    name: str
    start_urls: tuple[str, ...]
    allowed_hosts: tuple[str, ...]
    cms: str = "generic"
    description: str = ""
    report_url_patterns: tuple[str, ...] = ()
    report_title_patterns: tuple[str, ...] = ()
    report_patterns: tuple[str, ...] = ()
    list_url_patterns: tuple[str, ...] = ()
    page_param: str = ""  # query parameter counting list pages (pageNo, page …); "" when unused
    max_list_pages: int = 50
    max_pages: int = 500
    delay: float | None = None  # None: settings.crawl_delay
    max_delay: float = 10.0
    timeout: float | None = None  # None: settings.crawl_timeout
    retries: int = 3
    max_bytes: int | None = None  # None: settings.crawl_max_bytes
    attachments: bool = True
    verify_tls: bool = True  # False accepts expired / self-signed certificates (common on county portals)
    _compiled: dict[str, tuple[re.Pattern[str], ...]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for attr in ("report_url_patterns", "report_title_patterns", "report_patterns", "list_url_patterns"):
            compiled = []
            for pattern in getattr(self, attr):
                try:
                    compiled.append(re.compile(pattern))
                except re.error as exc:
                    raise ConfigError(f"profile {self.name}: bad regular expression in {attr}: {pattern!r} ({exc})") from None
            self._compiled[attr] = tuple(compiled)

    def allows_host(self, host: str | None) -> bool:
        """True when the crawler may talk to this host (port ignored, case-insensitive)."""
        return bool(host) and host.lower() in {h.lower() for h in self.allowed_hosts}

    def is_report_link(self, url: str, text: str) -> bool:
        """True when a link (URL plus its text / title attribute) leads to a report.

        Text patterns see the text normalised (NFKC, traditional → simplified), so
        ``法治政府建设.*报告`` also matches 法治政府建設年度報告 and full-width digits.
        """
        text = search_form(" ".join((text or "").split()))
        if any(p.search(url) or p.search(text) for p in self._compiled["report_patterns"]):
            return True
        url_patterns = self._compiled["report_url_patterns"]
        title_patterns = self._compiled["report_title_patterns"]
        if not url_patterns and not title_patterns:
            return False
        if url_patterns and not any(p.search(url) for p in url_patterns):
            return False
        if title_patterns and not any(p.search(text) for p in title_patterns):
            return False
        return True

    def is_list_link(self, url: str) -> bool:
        """True when a link matches one of the profile's extra list-page patterns."""
        return any(p.search(url) for p in self._compiled["list_url_patterns"])


def _default_hosts(start_urls: tuple[str, ...]) -> tuple[str, ...]:
    """The start URLs' hosts, each with its www./bare twin (portals redirect between the two)."""
    hosts: dict[str, None] = {}
    for url in start_urls:
        host = urlsplit(url).hostname.lower()
        hosts[host] = None
        hosts[host[4:] if host.startswith("www.") else f"www.{host}"] = None
    return tuple(hosts)


def _check_url(url: str, origin: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{origin}: only http/https URLs can be crawled, not {url!r}")
    return url


def profile_from_dict(raw: dict[str, Any], origin: str, default_name: str = "profile") -> Profile:
    """Validate a profile's keys and values; ConfigError names the first bad key."""
    for key, value in raw.items():
        expected = _KEYS.get(key)
        if expected is None:
            raise ConfigError(f"{origin}: unknown key {key!r} (known: {', '.join(sorted(_KEYS))})")
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{origin}: {key} has the wrong type ({type(value).__name__})")
        if isinstance(value, list) and not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{origin}: {key} must be a list of strings")
    cms = raw.get("cms", "generic")
    if cms not in CMS_FAMILIES:
        raise ConfigError(f"{origin}: cms must be one of {', '.join(CMS_FAMILIES)}, not {cms!r}")
    start_urls = tuple(_check_url(url, origin) for url in raw.get("start_urls", []))
    if not start_urls:
        raise ConfigError(f"{origin}: start_urls is empty")
    if not any(raw.get(key) for key in ("report_url_patterns", "report_title_patterns", "report_patterns")):
        raise ConfigError(f"{origin}: give report_url_patterns and/or report_title_patterns (or report_patterns)")
    hosts = tuple(raw.get("allowed_hosts") or _default_hosts(start_urls))
    for url in start_urls:
        if urlsplit(url).hostname.lower() not in {h.lower() for h in hosts}:
            raise ConfigError(f"{origin}: start URL {url} is not on an allowed host")
    for key in ("max_list_pages", "max_pages", "max_bytes"):
        if key in raw and raw[key] < 1:
            raise ConfigError(f"{origin}: {key} must be at least 1")
    for key in ("delay", "max_delay", "timeout", "retries"):
        if key in raw and raw[key] < 0:
            raise ConfigError(f"{origin}: {key} must not be negative")
    values = dict(raw)
    values["name"] = raw.get("name") or default_name
    values["cms"] = cms
    values["start_urls"] = start_urls
    values["allowed_hosts"] = hosts
    for key in ("report_url_patterns", "report_title_patterns", "report_patterns", "list_url_patterns"):
        values[key] = tuple(raw.get(key, ()))
    for key in ("delay", "max_delay", "timeout"):
        if key in values:
            values[key] = float(values[key])
    return Profile(**values)


def load_profile(path: str | Path) -> Profile:
    """Read one profile file; ConfigError when it is missing, malformed or has unknown keys."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"profile not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return profile_from_dict(raw, str(path), default_name=path.stem)


def one_off_profile(start_urls: list[str], allow_hosts: list[str], match: list[str], cms: str = "generic",
                    max_pages: int | None = None) -> Profile:
    """A profile for ``govsearch crawl --start URL --match PATTERN`` without a file.

    Each ``--match`` pattern is tried on a link's URL and on its text (``report_patterns``),
    so one flag serves both ``/art/2023/`` and ``法治政府建设.*报告``.
    """
    if not match:
        raise ConfigError("--match is needed with --start (a URL or title pattern for report links)")
    raw: dict[str, Any] = {"name": "one-off", "cms": cms, "start_urls": list(start_urls),
                           "report_patterns": list(match)}
    if allow_hosts:
        raw["allowed_hosts"] = list(allow_hosts)
    if max_pages:
        raw["max_pages"] = max_pages
    return profile_from_dict(raw, "command line", default_name="one-off")
