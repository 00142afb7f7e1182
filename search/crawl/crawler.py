"""The crawl loop: take the next polite URL from the on-disk frontier, fetch it, record it, queue its links.

One request at a time overall (so at most one per host); the scheduler picks the
earliest-queued URL whose host is ready, so a slow host never stalls the others.
Everything a later run needs is in ``crawl.sqlite`` after each fetch.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import urlsplit

import requests

from ..decode import decode_bytes
from ..errors import ConfigError, GovsearchError
from .fetch import (DOCUMENT_TYPES, HTML_TYPES, JSON_TYPES, Fetcher, FetchProblem, Response, bare_type,
                    scheme_and_host_check, sniff_document_type)
from .links import (attachment_links, json_markup, list_page_links, next_param_page, page_links,
                    probable_attachment_links)
from .politeness import HostSlot, Politeness, host_key
from .profiles import Profile
from .state import CrawlState, now_iso

LOGGER = logging.getLogger(__name__)

MAX_ERRORS_KEPT = 200
MAX_RETRY_AFTER = 600.0  # a longer Retry-After ends this run's tries for the URL instead of stalling the crawl
BLOCKED_LIMIT = 3  # after this many challenge pages a host is left alone for the rest of the run
MAYBE = "maybe_attachment"  # frontier kind of a link that may be an attachment; only its bytes tell


@dataclass
class CrawlSummary:
    """What one crawl did; ``problems`` lists (url, outcome, reason) for failures, blocks and refusals."""

    run_id: int = 0
    resumed: bool = False
    fetched: int = 0          # HTTP responses received (all kinds)
    list_pages: int = 0
    new: int = 0              # report pages + attachments seen for the first time
    changed: int = 0
    unchanged: int = 0        # 304, or the same bytes as last time
    attachments: int = 0      # attachments among new + changed + unchanged
    gone: int = 0
    failed: int = 0
    blocked: int = 0
    refused: int = 0
    disallowed: int = 0       # robots.txt said no
    skipped: int = 0          # left out by max_pages / a blocked host
    duplicates: int = 0       # bytes identical to another URL's
    retries: int = 0
    elapsed: float = 0.0
    problems: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return self.failed + self.blocked + self.refused

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["problems"] = [{"url": u, "outcome": o, "reason": r} for u, o, r in self.problems]
        data["errors"] = self.errors
        return data

    def line(self) -> str:
        """One human line for the end of a crawl."""
        return (f"crawl {'resumed' if self.resumed else 'run'} {self.run_id}: {self.fetched} fetched in "
                f"{self.elapsed:.1f} s ({self.list_pages} list pages); {self.new} new, {self.changed} changed, "
                f"{self.unchanged} unchanged, {self.gone} gone; {self.failed} failed, {self.blocked} blocked, "
                f"{self.refused} refused, {self.disallowed} disallowed by robots.txt, {self.skipped} skipped")


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """One crawler per data folder: two would resume the same run and fetch pages twice.

    flock is released by the kernel when the process dies, even by SIGKILL.
    """
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise GovsearchError(f"another crawl is running on {lock_path.parent}") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _scope(profiles: Iterable[Profile]) -> str:
    return json.dumps(sorted([p.name, list(p.start_urls)] for p in profiles), ensure_ascii=False)


class Crawler:
    """Runs one crawl (a new run, or the unfinished one of the same profiles) to its end."""

    def __init__(self, settings: Any, profiles: list[Profile], progress: Callable[[str], None] | None,
                 progress_interval: float):
        if not profiles:
            raise ConfigError("nothing to crawl: give at least one profile or --start URL")
        names = [p.name for p in profiles]
        if len(set(names)) != len(names):
            raise ConfigError(f"profile names must be unique: {names}")
        self.settings = settings
        self.profiles = {p.name: p for p in profiles}
        self.summary = CrawlSummary()
        self.progress = progress or (lambda line: LOGGER.info("%s", line))
        self.progress_interval = progress_interval
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": settings.crawl_user_agent,
                                     "Accept-Language": "zh-CN,zh;q=0.9"})
        self.fetcher = Fetcher(self.session, scheme_and_host_check(self._host_allowed))
        self.politeness = Politeness(settings.crawl_user_agent, self._fetch_robots)

    # --- configuration helpers -------------------------------------------------
    def _host_allowed(self, host: str) -> bool:
        return any(p.allows_host(host) for p in self.profiles.values())

    def _limits(self, profile: Profile) -> tuple[float, float, int]:
        timeout = profile.timeout if profile.timeout is not None else float(self.settings.crawl_timeout)
        max_bytes = profile.max_bytes or int(self.settings.crawl_max_bytes)
        min_delay = profile.delay if profile.delay is not None else float(self.settings.crawl_delay)
        return timeout, min_delay, max_bytes

    def _slot(self, url: str, profile: Profile) -> HostSlot:
        _timeout, min_delay, _max_bytes = self._limits(profile)
        return self.politeness.slot(url, min_delay, profile.max_delay)

    def _fetch_robots(self, robots_url: str) -> tuple[int, bytes]:
        profile = next(iter(self.profiles.values()))
        timeout, _delay, _max = self._limits(profile)
        verify = all(p.verify_tls for p in self.profiles.values() if p.allows_host(urlsplit(robots_url).hostname))
        response = self.fetcher.fetch(robots_url, kind="robots", timeout=timeout, max_bytes=512 * 1024,
                                      verify_tls=verify)
        self.summary.fetched += 1
        return response.status, response.content

    # --- the loop ----------------------------------------------------------------
    def run(self) -> CrawlSummary:
        with _exclusive(Path(self.settings.data_dir) / "crawl.lock"):
            return self._run()

    def _run(self) -> CrawlSummary:
        started = time.monotonic()
        self.state = CrawlState(self.settings.data_dir)
        # The run and its seeds are created together: a kill in between must not leave an empty run to "resume".
        with self.state.transaction():
            run_id, resumed = self.state.open_run(_scope(self.profiles.values()))
            self.run_id, self.summary.run_id, self.summary.resumed = run_id, run_id, resumed
            if resumed:
                LOGGER.info("resuming unfinished crawl run %s", run_id)
            else:
                self._seed()
        last_progress = time.monotonic()
        try:
            while True:
                queue = self.state.queued(run_id)
                if not queue:
                    break
                entry, wait = self._next_ready(queue)
                if entry is None:
                    time.sleep(min(wait, 1.0))
                    continue
                self._process(entry)
                if time.monotonic() - last_progress >= self.progress_interval:
                    last_progress = time.monotonic()
                    self.progress(self._progress_line(started, self.state.count_frontier(run_id, state="queued")))
            self.state.finish_run(run_id)
        finally:
            self.summary.elapsed = time.monotonic() - started
            self.session.close()
            self.state.close()
        return self.summary

    def _progress_line(self, started: float, queued: int) -> str:
        minutes = max(time.monotonic() - started, 1e-6) / 60
        return (f"fetched {self.summary.fetched} pages ({self.summary.fetched / minutes:.0f}/min), "
                f"queued {queued}, errors {self.summary.errors}")

    def _seed(self) -> None:
        """Queue the start URLs, and every report/attachment already known so it is rechecked."""
        for profile in self.profiles.values():
            self.state.enqueue(self.run_id, (
                {"url": url, "kind": "list", "profile": profile.name, "list_root": url}
                for url in profile.start_urls))
            self.state.enqueue(self.run_id, (
                {"url": row["url"], "kind": row["kind"], "profile": profile.name, "referer": row["referer"],
                 "link_text": row["link_text"]}
                for row in self.state.known_urls(profile.name)
                if profile.allows_host(urlsplit(row["url"]).hostname)))

    def _next_ready(self, queue: list) -> tuple[Any, float]:
        """The first queued entry whose host and backoff allow a request now, else the wait."""
        now_mono, now_wall = time.monotonic(), time.time()
        wait = 60.0
        for entry in queue:
            profile = self.profiles.get(entry["profile"])
            if profile is None:
                self.state.settle(self.run_id, entry["url"], "skipped", "profile no longer given")
                return None, 0.0
            slot = self._slot(entry["url"], profile)
            if slot.blocked >= BLOCKED_LIMIT:
                self.state.settle(self.run_id, entry["url"], "skipped", "host serves challenge pages")
                self.summary.skipped += 1
                return None, 0.0
            host_wait = slot.ready_at - now_mono
            backoff_wait = entry["not_before"] - now_wall
            if host_wait <= 0 and backoff_wait <= 0:
                return entry, 0.0
            wait = min(wait, max(host_wait, backoff_wait))
        return None, max(wait, 0.0)

    # --- one URL -----------------------------------------------------------------
    def _process(self, entry) -> None:
        url, kind = entry["url"], entry["kind"]
        profile = self.profiles[entry["profile"]]
        timeout, _min_delay, max_bytes = self._limits(profile)
        slot = self._slot(url, profile)
        if kind != "list" and self._over_page_budget(profile):
            self._settle(entry, "skipped", f"max_pages {profile.max_pages} reached")
            self.summary.skipped += 1
            return
        if host_key(url) not in self.politeness.robots:
            # robots.txt is a request like any other: it takes the host's turn, the page waits for the next.
            asked = time.monotonic()
            self.politeness.rules(url)
            crawl_delay = self.politeness.crawl_delay(url)
            if crawl_delay and slot.min_delay < crawl_delay:
                slot.min_delay = crawl_delay
            slot.after_response(time.monotonic() - asked, ok=True)
            return
        if not self.politeness.allowed(url):
            self._settle(entry, "disallowed", "robots.txt disallows it")
            self.summary.disallowed += 1
            return
        history = self.state.history(url) if kind != "list" else None
        usable_history = history is not None and history["sha256"] and self.state.raw.path(history["sha256"]).exists()
        try:
            response = self.fetcher.fetch(
                url, kind="attachment" if kind == MAYBE else kind, timeout=timeout, max_bytes=max_bytes,
                etag=history["etag"] if usable_history else None,
                last_modified=history["last_modified"] if usable_history else None, verify_tls=profile.verify_tls,
                referer=entry["referer"])
        except FetchProblem as problem:
            self.summary.fetched += problem.status is not None
            # Only distress (timeouts, 5xx, 429, challenges) slows the host down; a 404 or our own refusal does not.
            slot.after_response(problem.elapsed or timeout, ok=problem.outcome not in ("transient", "blocked"))
            self._handle_problem(entry, profile, slot, problem)
            return
        self.summary.fetched += 1
        slot.after_response(response.elapsed, ok=True)
        if kind == "list":
            self._handle_list(entry, profile, response)
        else:
            self._handle_document(entry, profile, response, history)

    def _over_page_budget(self, profile: Profile) -> bool:
        done = sum(self.state.count_frontier(self.run_id, kind=kind, profile=profile.name) -
                   self.state.count_frontier(self.run_id, kind=kind, profile=profile.name, state="queued")
                   for kind in ("report", "attachment", MAYBE))
        return done >= profile.max_pages

    def _settle(self, entry, state: str, reason: str | None = None) -> None:
        self.state.settle(self.run_id, entry["url"], state, reason)
        if reason and state in ("failed", "blocked", "refused") and len(self.summary.problems) < MAX_ERRORS_KEPT:
            self.summary.problems.append((entry["url"], state, reason))

    def _handle_problem(self, entry, profile: Profile, slot: HostSlot, problem: FetchProblem) -> None:
        url = entry["url"]
        if problem.retry_after and problem.retry_after > MAX_RETRY_AFTER:
            problem = FetchProblem(url, "failed", f"{problem.reason}; server asks to wait {problem.retry_after:.0f} s "
                                                  f"(more than {MAX_RETRY_AFTER:.0f} s): left for the next run",
                                   status=problem.status)
        if problem.outcome == "transient" and entry["attempts"] < profile.retries:
            wait = slot.backoff(entry["attempts"] + 1, problem.retry_after)
            LOGGER.info("retrying %s in %.2f s (%s)", url, wait, problem.reason)
            self.state.postpone(self.run_id, url, time.time() + wait, problem.reason)
            if problem.retry_after:
                slot.ready_at = max(slot.ready_at, time.monotonic() + problem.retry_after)
            self.summary.retries += 1
            return
        if entry["kind"] == MAYBE and problem.outcome != "blocked":
            # A guessed attachment that does not answer with a document is simply not one.
            LOGGER.info("not an attachment after all: %s (%s)", url, problem.reason)
            self.state.settle(self.run_id, url, "skipped", problem.reason)
            return
        final = "failed" if problem.outcome == "transient" else problem.outcome
        tries = f" after {entry['attempts'] + 1} tries" if problem.outcome == "transient" else ""
        LOGGER.warning("%s%s %s: %s", final, tries, url, problem.reason)
        if problem.outcome == "gone" and entry["kind"] == "list":
            problem = FetchProblem(url, "failed", f"list page {problem.reason}", status=problem.status)
        with self.state.transaction():
            if problem.outcome == "gone":
                if self.state.record_gone(entry, problem.status or 404, now_iso()):
                    self.summary.gone += 1
                self._settle(entry, "gone", problem.reason)
                return
            outcome = "failed" if problem.outcome == "transient" else problem.outcome
            if entry["kind"] != "list":
                self.state.record_error(entry, problem.status, f"{outcome}: {problem.reason}", now_iso())
            self._settle(entry, outcome, problem.reason)
        if outcome == "blocked":
            slot.blocked += 1
            self.summary.blocked += 1
        elif outcome == "refused":
            self.summary.refused += 1
        else:
            self.summary.failed += 1

    def _handle_list(self, entry, profile: Profile, response: Response) -> None:
        self.summary.list_pages += 1
        html, _encoding = decode_bytes(response.content, response.headers.get("Content-Type"))
        if response.content_type in JSON_TYPES or html.lstrip().startswith(("{", "[")):
            try:
                html = json_markup(html)
            except ValueError:
                pass  # not JSON after all: read it as markup
        links = page_links(html, response.url)
        root = entry["list_root"] or entry["url"]
        budget = profile.max_list_pages - self.state.count_frontier(self.run_id, kind="list", list_root=root)
        more = [u for u in list_page_links(profile.cms, html, response.url, links, max(budget, 0))
                if self.fetcher.may_request(u) is None]
        more += [link.url for link in links if profile.is_list_link(link.url) and self.fetcher.may_request(link.url) is None]
        more = list(dict.fromkeys(more))[: max(budget, 0)]
        reports = [link for link in links if profile.is_report_link(link.url, link.text)
                   and self.fetcher.may_request(link.url) is None]
        if profile.page_param and links and budget > len(more):
            # Query-parameter paging (?pageNo=N): go on while pages still list something.
            more.append(next_param_page(entry["url"], profile.page_param))
        with self.state.transaction():
            self.state.enqueue(self.run_id, (
                {"url": u, "kind": "list", "profile": profile.name, "referer": entry["url"], "list_root": root}
                for u in more))
            self.state.enqueue(self.run_id, (
                {"url": link.url, "kind": "report", "profile": profile.name, "referer": response.url,
                 "link_text": link.text} for link in reports))
            self._settle(entry, "done")

    def _handle_document(self, entry, profile: Profile, response: Response, history) -> None:
        kind = "attachment" if entry["kind"] == MAYBE else entry["kind"]
        content, content_type, sha256 = response.content, response.content_type, None
        if response.status == 304:
            sha256 = history["sha256"]
            content, content_type = self.state.raw.get(sha256), history["content_type"]
        else:
            sniffed = sniff_document_type(content, entry["url"] + " " + (entry["link_text"] or ""))
            if kind == "attachment" and sniffed not in DOCUMENT_TYPES:
                reason = f"not a document ({sniffed or content_type or 'unknown type'})"
                if entry["kind"] == MAYBE:
                    self.state.settle(self.run_id, entry["url"], "skipped", reason)
                else:
                    self._refuse(entry, reason)
                return
            if kind == "report" and sniffed in DOCUMENT_TYPES:
                content_type = sniffed  # the "report page" link was the document itself
            elif kind == "attachment" or content_type is None:
                content_type = sniffed or content_type
            if kind == "report" and content_type is None and b"<" in content[:4096]:
                content_type = "text/html"  # no Content-Type header, but markup: let the cleaner judge it
            if kind == "report" and content_type not in HTML_TYPES and content_type not in DOCUMENT_TYPES:
                self._refuse(entry, f"content type {content_type or 'unknown'} is not a page")
                return
            sha256 = self.state.raw.put(content)
        headers = dict(response.headers)
        is_html = bare_type(content_type) in HTML_TYPES
        if is_html and response.status == 200 and "charset" in headers.get("Content-Type", "").lower():
            # Keep the declared charset beside the type: the cleaner decodes with it.
            content_type = headers["Content-Type"]
        if response.url != entry["url"]:
            headers["X-Govsearch-Final-Url"] = response.url
        attachments: list[tuple[str, Any]] = []
        if kind == "report" and profile.attachments and is_html:
            html, _encoding = decode_bytes(content, headers.get("Content-Type"))
            links = page_links(html, response.url)
            attachments = [("attachment", link) for link in attachment_links(links)]
            attachments += [(MAYBE, link) for link in probable_attachment_links(links)]
            attachments = [(k, link) for k, link in attachments if self.fetcher.may_request(link.url) is None]
        with self.state.transaction() as db:
            outcome = self.state.record_fetch(entry, status=response.status, sha256=sha256, headers=headers,
                                              content_type=content_type, fetched_at=now_iso(), kind=kind)
            if outcome != "unchanged" and db.execute(
                    "SELECT 1 FROM urls WHERE sha256=? AND url!=? LIMIT 1", (sha256, entry["url"])).fetchone():
                self.summary.duplicates += 1
            self.state.enqueue(self.run_id, (
                {"url": link.url, "kind": link_kind, "profile": profile.name, "referer": entry["url"],
                 "link_text": link.text} for link_kind, link in attachments))
            self._settle(entry, "done")
        setattr(self.summary, outcome, getattr(self.summary, outcome) + 1)
        if kind == "attachment":
            self.summary.attachments += 1

    def _refuse(self, entry, reason: str) -> None:
        with self.state.transaction():
            self.state.record_error(entry, 200, f"refused: {reason}", now_iso())
            self._settle(entry, "refused", reason)
        self.summary.refused += 1


def run_crawl(settings: Any, profiles: list[Profile], *, progress: Callable[[str], None] | None = None,
              progress_interval: float = 10.0) -> CrawlSummary:
    """Fetch every profile's lists, reports and attachments politely; resumes an unfinished run.

    Args:
        settings: the resolved Settings (data_dir, crawl_user_agent, crawl_delay, crawl_timeout, crawl_max_bytes).
        profiles: site profiles (``load_profile`` / ``one_off_profile``).
        progress: called with a line such as "fetched 120 pages (34/min), queued 8, errors 1" every
            ``progress_interval`` seconds; None logs it instead.
    Returns:
        CrawlSummary of this invocation (a resumed run counts only what this invocation did).
    """
    return Crawler(settings, profiles, progress, progress_interval).run()
