"""Politeness in small parts: robots.txt per host and a per-host delay that follows latency.

The delay works like scrapy's AutoThrottle with one request in flight per host: after
each response the delay moves halfway towards the server's latency, never below the
profile's ``delay`` (or robots.txt's Crawl-delay) nor above ``max_delay``; a timeout or
429/5xx answer may raise it but never lowers it. Backoff for retries of one URL grows
exponentially from the same base.
"""
from __future__ import annotations

import logging
import time
import urllib.robotparser
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

from .fetch import FetchProblem

LOGGER = logging.getLogger(__name__)

MAX_ROBOTS_BYTES = 512 * 1024
MAX_CRAWL_DELAY = 60.0  # robots.txt Crawl-delay beyond this is capped, not obeyed literally


def host_key(url: str) -> str:
    """scheme://host:port — the unit of politeness (one robots.txt, one request at a time)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def _crawl_delay(lines: list[str], user_agent: str) -> float | None:
    """Crawl-delay for our agent's group, else the ``*`` group (urllib's parser accepts integers only)."""
    token = user_agent.split("/", 1)[0].lower()
    delays: dict[str, float] = {}
    agents: list[str] = []
    in_rules = False
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        field_name, value = (part.strip() for part in line.split(":", 1))
        field_name = field_name.lower()
        if field_name == "user-agent":
            if in_rules:
                agents, in_rules = [], False
            agents.append(value.lower())
            continue
        in_rules = True
        if field_name == "crawl-delay":
            try:
                seconds = float(value)
            except ValueError:
                continue
            for agent in agents:
                delays.setdefault(agent, seconds)
    for agent, seconds in delays.items():
        if agent != "*" and agent in token:
            return seconds
    return delays.get("*")


@dataclass
class HostSlot:
    """Timing state of one host."""

    min_delay: float
    max_delay: float
    delay: float
    ready_at: float = 0.0
    blocked: int = 0  # challenge pages seen in this run

    def after_response(self, latency: float, ok: bool) -> None:
        """Adapt the delay to the latency just observed and schedule the next request."""
        target = max(self.min_delay, latency)
        if ok:
            self.delay = max(target, (self.delay + target) / 2)
        else:
            # A struggling server (timeout, 5xx, challenge) never earns a shorter delay.
            self.delay = max(self.delay, target)
        self.delay = min(max(self.delay, self.min_delay), max(self.max_delay, self.min_delay))
        self.ready_at = time.monotonic() + self.delay

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based); Retry-After wins when longer."""
        base = max(self.min_delay, 0.01) * (2 ** attempt)
        wait = min(base, max(self.max_delay, self.min_delay) * 4)
        return max(wait, retry_after or 0.0)


@dataclass
class Politeness:
    """robots.txt rules and timing slots for every host one crawl talks to."""

    user_agent: str
    fetch_robots: Callable[[str], tuple[int, bytes]]  # robots URL → (status, body); raises FetchProblem
    slots: dict[str, HostSlot] = field(default_factory=dict)
    robots: dict[str, urllib.robotparser.RobotFileParser | None] = field(default_factory=dict)
    delays: dict[str, float | None] = field(default_factory=dict)

    def slot(self, url: str, min_delay: float, max_delay: float) -> HostSlot:
        key = host_key(url)
        if key not in self.slots:
            self.slots[key] = HostSlot(min_delay=min_delay, max_delay=max_delay, delay=min_delay)
        return self.slots[key]

    def rules(self, url: str) -> urllib.robotparser.RobotFileParser | None:
        """The host's robots.txt rules, fetched once per run; None means everything is allowed."""
        key = host_key(url)
        if key in self.robots:
            return self.robots[key]
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        parser = None
        try:
            status, body = self.fetch_robots(robots_url)
        except FetchProblem as problem:
            # Missing, forbidden or unreachable robots.txt: the custom is to treat it as allowed.
            LOGGER.info("robots.txt of %s not usable (%s): treating everything as allowed", key, problem.reason)
        else:
            if status == 200:
                lines = body.decode("utf-8", errors="replace").splitlines()
                parser = urllib.robotparser.RobotFileParser(robots_url)
                parser.parse(lines)
                self.delays[key] = _crawl_delay(lines, self.user_agent)
        self.robots[key] = parser
        return parser

    def allowed(self, url: str) -> bool:
        """May the named user agent fetch this URL according to robots.txt?"""
        parser = self.rules(url)
        return parser is None or parser.can_fetch(self.user_agent, url)

    def crawl_delay(self, url: str) -> float | None:
        """robots.txt Crawl-delay for our agent (capped), if any."""
        self.rules(url)
        delay = self.delays.get(host_key(url))
        return min(delay, MAX_CRAWL_DELAY) if delay else None
