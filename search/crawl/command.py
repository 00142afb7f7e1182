"""``govsearch crawl``: fetch from profiles (or a one-off start URL), then hand new and changed pages to the pipeline."""
from __future__ import annotations

import json
import logging
from typing import Any

import click

from ..errors import ConfigError, GovsearchError
from ..settings import load_settings
from .crawler import CrawlSummary, run_crawl
from .handover import mark_ingested, pending_pages
from .profiles import CMS_FAMILIES, load_profile, one_off_profile

LOGGER = logging.getLogger(__name__)

HANDOVER_BATCH = 20  # pages per ingest call; a kill loses at most one batch of hand-over marks


def _hand_over(settings: Any) -> dict[str, int]:
    """Give pending pages to search.pipeline.ingest_pages in batches, marking each batch once taken."""
    try:
        from ..pipeline import ingest_pages
    except ImportError as exc:
        raise click.ClickException(f"the import pipeline is not available ({exc}); rerun with --fetch-only") from None
    totals = {"handed_over": 0, "added": 0, "changed": 0, "unchanged": 0, "failed": 0}
    batch = []

    def flush() -> None:
        if not batch:
            return
        result = ingest_pages(settings, list(batch))
        for key in ("added", "changed", "unchanged", "failed"):
            totals[key] += len(getattr(result, key, ()) or ())
        # Failed pages are marked too: the pipeline recorded why, and they come back when their bytes change.
        mark_ingested(settings, [page.url for page in batch])
        totals["handed_over"] += len(batch)
        batch.clear()

    for page in pending_pages(settings):
        batch.append(page)
        if len(batch) >= HANDOVER_BATCH:
            flush()
    flush()
    return totals


@click.command("crawl")
@click.argument("profiles", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--start", "start_urls", multiple=True, metavar="URL",
              help="Start (list) URL for a one-off crawl without a profile; repeatable.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="HOST",
              help="Host the one-off crawl may visit (default: the hosts of --start); repeatable.")
@click.option("--match", "match", multiple=True, metavar="PATTERN",
              help="Regex on a link's URL or text marking report links, e.g. '法治政府建设.*报告'; repeatable.")
@click.option("--cms", type=click.Choice(CMS_FAMILIES), default="generic", show_default=True,
              help="How the one-off start page paginates.")
@click.option("--max-pages", type=click.IntRange(min=1), default=None,
              help="Most report pages + attachments the one-off crawl fetches.")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Data folder (crawl state, raw pages, store, index). Default: settings.")
@click.option("--fetch-only", is_flag=True, help="Only fetch; leave the hand-over to the pipeline for a later run.")
@click.option("--ingest-only", is_flag=True,
              help="Fetch nothing; hand the pages already fetched (e.g. by --fetch-only) to the pipeline.")
@click.option("--reindex", is_flag=True, help="After importing, rebuild the index and run the alerts.")
@click.option("--progress-every", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds between progress lines on stderr.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
def crawl_command(profiles: tuple[str, ...], start_urls: tuple[str, ...], allow_hosts: tuple[str, ...],
                  match: tuple[str, ...], cms: str, max_pages: int | None, data_dir: str | None, fetch_only: bool,
                  ingest_only: bool, reindex: bool, progress_every: float, as_json: bool) -> None:
    """Crawl government portals for annual reports (PROFILE: site profile TOML files)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings({"data_dir": data_dir})
        chosen = [load_profile(path) for path in profiles]
        if start_urls:
            chosen.append(one_off_profile(list(start_urls), list(allow_hosts), list(match), cms, max_pages))
        elif allow_hosts or match:
            raise ConfigError("--allow-host and --match go with --start")
        if fetch_only and ingest_only:
            raise ConfigError("--fetch-only and --ingest-only exclude each other")
        if ingest_only and chosen:
            raise ConfigError("--ingest-only fetches nothing: give no PROFILE or --start")
        if not chosen and not ingest_only:
            raise ConfigError("give at least one PROFILE or --start URL")
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        summary = CrawlSummary() if ingest_only else run_crawl(
            settings, chosen, progress=lambda line: click.echo(line, err=True), progress_interval=progress_every)
        ingest = None if fetch_only else _hand_over(settings)
        reindexed = None
        if reindex and not fetch_only:
            from ..pipeline import reindex as run_reindex

            result = run_reindex(settings)
            reindexed = result.to_dict() if hasattr(result, "to_dict") else str(result)
    except GovsearchError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps({"crawl": summary.to_dict(), "ingest": ingest, "reindex": reindexed},
                              ensure_ascii=False, indent=2))
    else:
        if not ingest_only:
            click.echo(summary.line())
        for url, outcome, reason in summary.problems[:20]:
            click.echo(f"  {outcome}: {url} ({reason})")
        if ingest is not None:
            click.echo(f"handed over {ingest['handed_over']}: {ingest['added']} added, {ingest['changed']} changed, "
                       f"{ingest['unchanged']} unchanged, {ingest['failed']} failed")
        if reindexed is not None:
            click.echo(f"reindexed: {reindexed}")
    failed = summary.errors + (ingest["failed"] if ingest else 0)
    if failed:
        raise SystemExit(1)
