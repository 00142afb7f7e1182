"""The ``govsearch`` command line: import, clean, reindex, search, serve, stats (+ crawl, alerts).

Results go to stdout (``--json`` for scripts), logs and progress to stderr.
Exit codes: 0 all well, 1 some inputs failed, 2 usage error.
"""
from __future__ import annotations

import json
import logging
import os
import re
import sys
from html import unescape

import click

from .errors import ConfigError, GovsearchError
from .settings import load_settings

LOGGER = logging.getLogger(__name__)


def data_dir_option(function):
    return click.option(
        "--data-dir", type=click.Path(file_okay=False), envvar="GOVSEARCH_DATA_DIR", default=None,
        help="Data folder (store, indexes, settings). Default: index_data/ or $GOVSEARCH_DATA_DIR.",
    )(function)


def settings_from(data_dir: str | None, **overrides):
    try:
        return load_settings({"data_dir": data_dir, **overrides})
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


def existing_data_dir(settings) -> None:
    """Read-only commands never create a data folder: a missing one is an error naming where they looked."""
    path = settings.data_path.resolve()
    if not path.is_dir():
        raise click.ClickException(
            f"no data folder at {path}: nothing imported there yet "
            "(run `govsearch import` and `govsearch reindex`, or point --data-dir / GOVSEARCH_DATA_DIR at your data folder)")


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 report``, ``2 reports``.

    >>> plural(1, "report"), plural(0, "paragraph"), plural(3, "query", "queries")
    ('1 report', '0 paragraphs', '3 queries')
    """
    return f"{count} {word if count == 1 else (many or word + 's')}"


def filter_options(command):
    """One option per search filter (``search.engine.Filters``: the one list of filters),
    passed to the command as keyword arguments named like the Filters fields."""
    from dataclasses import fields

    from .engine.contract import Filters

    for spec in reversed(fields(Filters)):
        meta = spec.metadata
        command = click.option(meta["option"], spec.name, multiple=meta["kind"] == "values", type=Text(),
                               help=meta["help"])(command)
    return command


def checked_filters(**values):
    """Filter options checked (topics by id or name); a value nothing can match is a usage
    error (exit 2). ``values``: by Filters field name."""
    from dataclasses import fields

    from .engine.contract import Filters
    from .filters import check_filters
    from .models import REPORT_KINDS

    checked = check_filters(**values)
    if checked.problems:
        options = {f.metadata["param"]: f.metadata["option"] for f in fields(Filters)}
        lines = [problem.text(options.get(problem.param)) for problem in checked.problems]
        params = {problem.param for problem in checked.problems}
        if "topic" in params:
            lines.append("`govsearch topics` lists the topics (--topic takes an id or a name)")
        if "kind" in params:
            lines.append("--kind takes one of: " + ", ".join(REPORT_KINDS))
        raise click.UsageError("\n".join(lines))
    return checked


class Text(click.ParamType):
    """Text typed on the command line. Bytes the locale cannot decode reach Python as lone
    surrogates, which no encoder (opencc, SQLite, the terminal) accepts: they become U+FFFD,
    and stderr says so. Paths keep their bytes (click.Path): a file may have any name."""

    name = "text"

    def convert(self, value, param, ctx):
        if not isinstance(value, str) or not _SURROGATES.search(value):
            return value
        try:
            fixed = os.fsencode(value).decode(sys.getfilesystemencoding(), "replace")
        except UnicodeError:  # a surrogate that did not come from undecodable bytes
            fixed = value
        fixed = _SURROGATES.sub("\ufffd", fixed)
        name = param.human_readable_name if param else "argument"
        click.echo(f"warning: {name} had bytes that are not valid {sys.getfilesystemencoding()} text; "
                   f"they were replaced with \ufffd: {fixed}", err=True)
        return fixed


_SURROGATES = re.compile("[\ud800-\udfff]")


def text_params(command: click.Command) -> None:
    """Make every plain-string argument and option of ``command`` (and its subcommands) a Text."""
    for param in command.params:
        if type(param.type) is click.types.StringParamType:
            param.type = Text()
    for sub in getattr(command, "commands", {}).values():
        text_params(sub)


class Progress:
    """A bar on a terminal, a periodic line otherwise (stderr either way)."""

    def __init__(self, label: str, total: int | None = None, every: int = 50):
        self.label, self.total, self.every, self.done = label, total, every, 0
        self.tty = sys.stderr.isatty()

    def __call__(self, item: str) -> None:
        self.done += 1
        if self.tty:
            total = f"/{self.total}" if self.total else ""
            click.echo(f"\r{self.label} {self.done}{total}", err=True, nl=False)
        elif self.done % self.every == 0:
            click.echo(f"{self.label} {self.done} …", err=True)

    def close(self) -> None:
        if self.tty and self.done:
            click.echo("", err=True)


class GovsearchGroup(click.Group):
    """Turns our own errors into a one-line message and exit code 1 (usage errors are 2)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except GovsearchError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=GovsearchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More logging on stderr (-vv for debug).")
def cli(verbose: int) -> None:
    """govsearch: full-text search over Chinese government annual reports."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@data_dir_option
@click.option("--reindex", "then_reindex", is_flag=True, help="Reindex (and run alerts) after importing.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def import_command(paths, data_dir, then_reindex, as_json):
    """Import saved pages (.txt dumps, .html/.htm in any encoding, .docx/.pdf) into the store."""
    from .pipeline import import_paths, reindex

    settings = settings_from(data_dir)
    progress = Progress("imported")
    summary = import_paths(settings, paths, progress)
    progress.close()
    if as_json:
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False))
    else:
        files = sum(len(part) for part in (summary.added, summary.changed, summary.unchanged, summary.merged,
                                           summary.skipped, summary.failed))
        click.echo(f"{plural(files, 'file')}: {len(summary.added)} new, {len(summary.changed)} changed, "
                   f"{len(summary.unchanged)} unchanged, {len(summary.merged)} merged into known reports, "
                   f"{len(summary.skipped)} skipped (not reports), {len(summary.failed)} failed")
        for source, reason in summary.skipped:
            click.echo(f"  skipped {_display_source(source)}: {reason}")
        for source, error in summary.failed:
            click.echo(f"  FAILED {_display_source(source)}: {error}")
    if then_reindex:
        _print_reindex(reindex(settings), as_json)
    sys.exit(1 if summary.failed else 0)


def _display_source(source: str) -> str:
    """A local file's path rather than its file:// URI (crawled pages keep their URL)."""
    if source.startswith("file://"):
        from urllib.parse import unquote, urlsplit

        return unquote(urlsplit(source).path)
    return source


@cli.command("clean")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file, one per line.")
@data_dir_option
def clean_command(files, as_json, data_dir):
    """Show what the cleaner makes of pages, without storing anything."""
    from .errors import ExtractError
    from .pipeline import clean, find_pages, read_page

    settings = settings_from(data_dir)
    failed = 0
    for path in find_pages(files):
        try:
            report = clean(read_page(path, settings.max_page_bytes), settings)
        except ExtractError as exc:
            failed += 1
            if as_json:
                click.echo(json.dumps({"file": str(path), "error": exc.reason}, ensure_ascii=False))
            else:
                click.echo(f"FAILED {path}: {exc.reason}", err=True)
            continue
        if as_json:
            click.echo(json.dumps(dict(report.to_dict(), file=str(path)), ensure_ascii=False))
        else:
            click.echo(f"== {path}")
            click.echo(f"title: {report.title}{' (derived)' if report.title_derived else ''}")
            click.echo(f"kind: {report.report_kind}  issuer: {report.issuer}  region: {report.region.label()}")
            click.echo(f"year: {report.report_year}  published: {report.publish_date}  index: {report.index_number}")
            if report.quality:
                click.echo(f"quality: {', '.join(report.quality)}")
            for paragraph in report.paragraphs:
                click.echo(f"  [{' > '.join(paragraph.section_path)}] {paragraph.text[:80]}")
    sys.exit(1 if failed else 0)


def _print_reindex(summary, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False))
        return
    kind = "full rebuild" if summary.full else "incremental"
    click.echo(f"reindex ({kind}): {len(summary.added)} added, {len(summary.updated)} updated, "
               f"{len(summary.removed)} removed, {summary.unchanged} unchanged; "
               f"{plural(summary.paragraphs_written, 'paragraph')} written")
    click.echo(_alerts_line(summary))


def _alerts_line(summary) -> str:
    """What the alerts step of a reindex did, in one line."""
    if summary.alerts_status == "skipped":
        return "alerts: not run (--no-alerts; `govsearch alerts run` picks these reports up)"
    if summary.alerts_status == "nothing_new":
        return "alerts: not run (no new or changed reports)"
    if summary.alerts_status == "failed" or summary.alerts is None:
        return "alerts: run failed (see the log above); the next `govsearch alerts run` retries"
    run = summary.alerts
    deliveries = run.delivery.emails_sent + run.delivery.webhooks_sent
    return (f"alerts: run, {plural(run.items, 'item')} for {plural(run.saved_queries, 'saved query', 'saved queries')}, "
            f"{plural(deliveries, 'delivery', 'deliveries')} ({run.delivery.emails_sent} email, "
            f"{run.delivery.webhooks_sent} webhook), {plural(len(run.delivery.failures), 'failure')}"
            + (f"; {plural(len(run.query_errors), 'saved query', 'saved queries')} could not be searched "
               "(the others went on; `govsearch alerts list` shows why)" if run.query_errors else ""))


@cli.command("reclean")
@data_dir_option
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Only pages seen on or after this date.")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--no-reindex", is_flag=True, help="Do not reindex (and run alerts) afterwards.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def reclean_command(data_dir, since, dry_run, no_reindex, as_json):
    """Clean every kept page again with the current cleaner; report and save what changed."""
    from .pipeline import reindex
    from .reclean import reclean

    since = since.date().isoformat() if since else None
    settings = settings_from(data_dir)
    progress = Progress("recleaned")
    summary = reclean(settings, since=since, dry_run=dry_run, progress=progress)
    progress.close()
    if as_json:
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False))
    else:
        counts = summary.to_dict()["counts"]
        click.echo(("dry run: " if dry_run else "") + f"recleaned {len(summary.changes)} page(s): "
                   + ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items())))
        for change in summary.changes:
            if change.outcome != "unchanged":
                click.echo("  " + change.line())
    if not dry_run and not no_reindex and any(c.outcome in ("changed", "added", "merged", "removed") for c in summary.changes):
        _print_reindex(reindex(settings), as_json)


@cli.command("reindex")
@data_dir_option
@click.option("--full", is_flag=True, help="Build a new index beside the old one and swap it in.")
@click.option("--no-alerts", is_flag=True, help="Do not run saved-query alerts afterwards.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def reindex_command(data_dir, full, no_alerts, as_json):
    """Bring the index in line with the store (new, changed and removed reports only)."""
    from .pipeline import reindex

    settings = settings_from(data_dir)
    _print_reindex(reindex(settings, full=full, run_alerts=not no_alerts), as_json)


class TopicsEpilog(click.Command):
    """A command whose help ends with the topic list (read when help is shown, not at every start)."""

    def format_epilog(self, ctx, formatter):
        formatter.write_paragraph()
        formatter.write_text("Topics (--topic takes the id or the name):")
        with formatter.indentation():
            formatter.write_dl(list(_topics().items()))


def _topics() -> dict[str, str]:
    from .filters import topic_names

    return topic_names()


@cli.command("search", cls=TopicsEpilog)
@click.argument("query", nargs=-1)
@data_dir_option
@filter_options
@click.option("--sort", type=click.Choice(["relevance", "publish_date", "report_year", "reuse"]), default="relevance",
              help="Order of hits (reuse: 最高重复率, the reports that repeat their previous report most first).")
@click.option("--group", is_flag=True, help="One hit per report (its best paragraph).")
@click.option("--limit", type=click.IntRange(1, 1000), default=10, help="Hits to show.")
@click.option("--page", type=click.IntRange(1), default=1, help="Page of hits.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def search_command(query, data_dir, sort, group, limit, page, as_json, **filter_values):
    """Search the index: QUERY uses space = AND, OR, -word, "phrase", title:…, section:…"""
    from .engine import SearchRequest, open_engine

    settings = settings_from(data_dir)
    filters = checked_filters(**filter_values).filters
    existing_data_dir(settings)
    request = SearchRequest(query=" ".join(query), filters=filters, sort=sort, page=page, per_page=limit,
                            group_by_report=group)
    result = open_engine(settings).search(request)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    if result.notice:
        click.echo(result.notice, err=True)
    if result.understood:
        click.echo(result.understood, err=True)
    if result.suggestion:
        click.echo(f"did you mean: {result.suggestion}", err=True)
    partial = f"; {result.total_partial} more with only some of the words" if result.total_partial else ""
    click.echo(f"{plural(result.total, 'paragraph')} in {plural(result.total_reports, 'report')}{partial} "
               f"for: {result.interpretation or '(all)'}")
    if result.hidden_by_filters:
        click.echo(f"({result.hidden_by_filters} more outside the filters)")
    previous_tier = "full"
    for number, hit in enumerate(result.hits, start=(page - 1) * limit + 1):
        if hit.tier != previous_tier:
            click.echo("\n--- 以下结果未包含全部检索词 (partial matches) ---")
            previous_tier = hit.tier
        highlighted = hit.highlight.replace("<mark>", "【").replace("</mark>", "】")
        click.echo(f"\n{number}. {hit.title}  [{hit.region.label()} · {hit.report_year or '年份未知'}]")
        if hit.section_path:
            click.echo(f"   {' > '.join(hit.section_path)}")
        click.echo(f"   {unescape(highlighted)}")
        if hit.missing:
            click.echo(f"   缺少: {' '.join(hit.missing)}")
        if hit.other_sources:
            click.echo(f"   (另有 {hit.other_sources} 个来源)")
        if hit.more_in_report:
            click.echo(f"   (+{hit.more_in_report} more in this report)")
        click.echo(f"   {report_path(hit)}")
    click.echo("\nfacets (paragraphs):")
    for facet, values in result.facets.items():
        shown = ", ".join(f"{value} {count}" for value, count in list(values.items())[:12])
        click.echo(f"  {facet}: {shown or '-'}")


def report_path(hit) -> str:
    """Where a hit can be followed up: its report id, paragraph number and the web path to it
    (after the server's address: ``govsearch serve``, or the ``base_url`` setting)."""
    seq = hit.paragraph_id.rsplit("-", 1)[-1]
    return f"report {hit.report_id} ¶{seq} · /report/{hit.report_id}#p{seq}"


@cli.command("stats")
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def stats_command(data_dir, as_json):
    """Counts of reports in the store and documents in the index."""
    from .engine import open_engine
    from .errors import IndexMissing
    from .store import Store

    settings = settings_from(data_dir)
    existing_data_dir(settings)
    stats = {"data_dir": str(settings.data_path.resolve())}
    if (settings.data_path / "store.sqlite").exists():
        with Store.open(settings.data_dir) as store:
            stats["reports_in_store"] = store.count()
    else:
        stats["reports_in_store"] = 0
    try:
        stats.update(open_engine(settings).stats())
    except IndexMissing:
        stats["index"] = "none yet (run `govsearch reindex`)"
    click.echo(json.dumps(stats, ensure_ascii=False) if as_json else
               "\n".join(f"{key}: {value}" for key, value in stats.items()))


@cli.command("topics")
@click.option("--json", "as_json", is_flag=True, help="Print {id: name} as JSON.")
def topics_command(as_json):
    """List the topics paragraphs are tagged with: the id and the Chinese name, both accepted by --topic."""
    topics = _topics()
    if as_json:
        click.echo(json.dumps(topics, ensure_ascii=False))
        return
    width = max(map(len, topics))
    for topic_id, name in topics.items():
        click.echo(f"{topic_id:<{width}}  {name}")


@cli.command("serve")
@data_dir_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", type=int, default=None, help="Worker threads (default from settings).")
def serve_command(data_dir, host, port, threads):
    """Serve the web UI with a production WSGI server (waitress)."""
    import waitress

    from web import create_app

    settings = settings_from(data_dir)
    app = create_app(settings)
    # Searches after a reindex find the facet table and field lengths already built.
    app.extensions["govsearch_engine"].start_warming()
    click.echo(f"serving govsearch on http://{host}:{port}/ (data: {settings.data_dir})", err=True)
    waitress.serve(app, host=host, port=port, threads=threads or settings.serve_threads, ident="govsearch")


def _register_subsystem_commands() -> None:
    """Subsystems bring their own command groups (crawl, alerts, coverage, statistics)."""
    from .alerts.command import alerts_group
    from .coverage.command import coverage_command
    from .crawl.command import crawl_command
    from .statistics.command import statistics_command

    cli.add_command(crawl_command, "crawl")
    cli.add_command(alerts_group, "alerts")
    cli.add_command(coverage_command, "coverage")
    cli.add_command(statistics_command, "statistics")


_register_subsystem_commands()
text_params(cli)


def main() -> None:
    """Entry point of the installed ``govsearch`` command."""
    cli.main(prog_name="govsearch")
