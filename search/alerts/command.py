"""``govsearch alerts list|add|run|test-email``: saved-query alerts from the command line and cron."""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

import click

from ..cli import checked_filters, data_dir_option, existing_data_dir, filter_options, settings_from
from ..errors import GovsearchError
from ..store import utc_now
from .db import FREQUENCIES, AlertsDB, Filters
from .events import EVENTS, ISSUERS, event_settings, set_events
from .mail import describe_filters


def _saved_query_dict(db: AlertsDB, saved_query) -> dict:
    user = db.user(saved_query.user_id)
    return {
        "id": saved_query.id, "user": user.email if user else None, "name": saved_query.name,
        "query": saved_query.query, "filters": saved_query.filters.to_dict(), "frequency": saved_query.frequency,
        "email": saved_query.email, "atom": saved_query.atom, "webhook_url": saved_query.webhook_url,
        "active": saved_query.active, "created_at": saved_query.created_at,
        "last_email_at": saved_query.last_email_at, "last_error": saved_query.last_error,
        "last_error_at": saved_query.last_error_at, **db.query_counts(saved_query.id),
        "events": list(event_settings(db, saved_query.id).events), "issuers": event_settings(db, saved_query.id).issuers,
    }


@click.group("alerts")
def alerts_group() -> None:
    """Saved-query alerts: list, add, run (cron-safe), test-email."""


@alerts_group.command("list")
@data_dir_option
@click.option("--user", "email", help="Only this user's saved queries (email address).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per saved query, one per line.")
def list_command(data_dir, email, as_json):
    """List saved queries with their items and pending deliveries."""
    settings = settings_from(data_dir)
    existing_data_dir(settings)
    with AlertsDB.open(settings.data_dir) as db:
        user_id = None
        if email:
            user = db.user_by_email(email)
            if user is None:
                raise click.UsageError(f"no user {email}")
            user_id = user.id
        rows = [_saved_query_dict(db, q) for q in db.saved_queries(user_id)]
    for row in rows:
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        channels = [c for c in ("email", "atom") if row[c]] + (["webhook"] if row["webhook_url"] else [])
        state = "" if row["active"] else " (paused)"
        filters = describe_filters(Filters.from_dict(row["filters"]))
        events = "" if row["events"] == ["matches"] else f"  events={'+'.join(row['events'])}"
        click.echo(f"{row['id']:>4}  {row['user']}  「{row['name']}」{state}  q={row['query']!r}"
                   f"{'  ' + filters if filters else ''}  {row['frequency']}  {'+'.join(channels) or '-'}"
                   f"  items={row['items']} pending={row['pending']}{events}")
        if row["last_error"]:
            click.echo(f"      last run could not search it ({row['last_error_at']}): {row['last_error']}")
    if not rows and not as_json:
        click.echo("no saved queries")


@alerts_group.command("add")
@data_dir_option
@click.option("--user", "email", required=True, help="Owner's email (an account without password is made if new).")
@click.option("--name", required=True, help="Name shown in emails and the inbox.")
@click.option("--query", "query", default="", help="Query, as typed in the search box.")
@filter_options
@click.option("--frequency", type=click.Choice(FREQUENCIES), default="immediate", show_default=True,
              help="immediate: every run; daily/weekly: one digest email per period.")
@click.option("--email/--no-email", "by_email", default=True, show_default=True, help="Send alert emails.")
@click.option("--atom/--no-atom", default=True, show_default=True, help="Show in the user's Atom feed.")
@click.option("--webhook", help="URL to POST each alert to as JSON.")
@click.option("--event", "events", multiple=True, type=click.Choice(EVENTS),
              help="What to alert on (repeat): matches = new matching paragraphs (the default); reported = a new "
                   "report of the filters' kinds, years and regions; source = a report's source page changed or gone.")
@click.option("--issuers", type=click.Choice(ISSUERS), default="any", show_default=True,
              help="For --event reported: any issuer, or only the expected issuers (each county-level-and-above "
                   "government's own report, once per government, kind and year).")
@click.option("--json", "as_json", is_flag=True, help="Print the saved query as JSON.")
def add_command(data_dir, email, name, query, frequency, by_email, atom, webhook, events, issuers, as_json,
                **filter_values):
    """Save a query for a user; it fires for reports indexed from now on."""
    from .destinations import target_for

    settings = settings_from(data_dir)
    filters = checked_filters(**filter_values).filters  # a typo would never fire
    if not query.strip() and filters.is_empty() and "source" not in events and "reported" not in events:
        raise click.UsageError("give a --query or at least one filter")
    if webhook:
        try:
            target_for(settings, webhook)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
    with AlertsDB.open(settings.data_dir) as db:
        user = db.user_by_email(email)
        if user is None:
            # No password: the account cannot log in until one is set, but receives its alerts.
            user = db.create_user(email, "", utc_now())
            click.echo(f"created user {user.email} (no password: web login disabled)", err=True)
        saved_query = db.add_saved_query(user.id, name, query.strip(), filters, frequency, by_email, atom,
                                         webhook, utc_now())
        if events or issuers != "any":
            set_events(db, saved_query.id, events, issuers)
        row = _saved_query_dict(db, saved_query)
    if by_email and not settings.smtp_host:
        click.echo("note: smtp_host is not set; alert emails wait (pending) until it is", err=True)
    click.echo(json.dumps(row, ensure_ascii=False) if as_json else f"saved query {row['id']} 「{name}」 for {user.email}")


def _parse_now(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use ISO 8601, e.g. 2025-03-01T08:00:00+00:00", param_hint="--now") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@alerts_group.command("run")
@data_dir_option
@click.option("--now", help="Pretend it is this time (ISO 8601) when deciding which digests are due.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def run_command(data_dir, now, as_json):
    """Match newly indexed reports against saved queries and deliver (safe to run from cron).

    Exit code 1 when some delivery failed (it stays pending and is retried next run) or some saved
    query could not be searched (the error is recorded on it; the others still fire).
    """
    from .runner import run_alerts

    settings = settings_from(data_dir)
    summary = run_alerts(settings, now=_parse_now(now))
    if as_json:
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False))
    else:
        d = summary.delivery
        click.echo(f"alerts: {summary.candidates} new/changed report(s), {summary.saved_queries} saved queries, "
                   f"{summary.items} new item(s); sent {d.emails_sent} email(s) ({d.items_emailed} items), "
                   f"{d.webhooks_sent} webhook(s); {d.waiting} item(s) wait for their digest")
        for query_id, error in summary.query_errors.items():
            click.echo(f"  FAILED saved query {query_id} (the others went on): {error}")
        for failure in d.failures:
            click.echo(f"  FAILED (kept pending) {failure}")
    sys.exit(0 if summary.ok else 1)


@alerts_group.command("test-email")
@click.argument("address")
@data_dir_option
def test_email_command(address, data_dir):
    """Send a test email to ADDRESS with the configured SMTP settings."""
    import smtplib

    from .mail import send_test_email

    settings = settings_from(data_dir)
    try:
        message_id = send_test_email(settings, address)
    except GovsearchError:
        raise
    except (smtplib.SMTPException, OSError) as exc:
        raise click.ClickException(f"sending failed via {settings.smtp_host}:{settings.smtp_port}: "
                                   f"{type(exc).__name__}: {exc}") from None
    click.echo(f"sent test email to {address} via {settings.smtp_host}:{settings.smtp_port} ({message_id})")
