"""Deliver pending alert items by email (immediately or as digests) and webhook, exactly once.

Immediate alerts go one email per item (several together when one run brings more than
IMMEDIATE_SEPARATE for a saved query); daily and weekly ones go as one digest per saved
query once a period has passed since its last email (or since it was saved). Webhooks get
one POST per item whatever the frequency.

Items and their deliveries are persisted (state ``pending``) before anything is sent; a
delivery is marked ``delivered`` only after the SMTP server accepted the message or the
webhook answered 2xx. A failure leaves it pending, to be retried on the next run: an
item is never lost and, short of the window below, never sent twice.

The one window no protocol closes: if the process is killed after the server accepted
the message and before the database recorded it, the next run sends it again. That copy
carries the same Message-ID (the item's stable id; for a digest, one derived from its
items' ids, which the ``X-Govsearch-Items`` header lists) and the same webhook
``Idempotency-Key``, so mail systems and receivers can recognise it as the same item.
"""
from __future__ import annotations

import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..errors import ConfigError
from ..settings import Settings
from . import mail, webhook
from .db import DIGEST_PERIODS, AlertItem, AlertsDB, SavedQuery

LOGGER = logging.getLogger(__name__)

# Immediate alerts go one email per item, unless one run brings more than this many for a
# saved query: then they go together in one email.
IMMEDIATE_SEPARATE = 3


@dataclass
class DeliverySummary:
    emails_sent: int = 0
    items_emailed: int = 0
    webhooks_sent: int = 0
    failures: list[str] = field(default_factory=list)  # one line per failed attempt
    waiting: int = 0  # email items not yet due (digests)

    def to_dict(self) -> dict:
        return {"emails_sent": self.emails_sent, "items_emailed": self.items_emailed,
                "webhooks_sent": self.webhooks_sent, "failures": self.failures, "waiting": self.waiting}


def parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def digest_due(saved_query: SavedQuery, now: datetime) -> bool:
    """Daily/weekly: due once a period has passed since the last digest (or since the query was saved)."""
    period = DIGEST_PERIODS.get(saved_query.frequency)
    if period is None:
        return True
    return now >= parse_time(saved_query.last_email_at or saved_query.created_at) + period


def email_batches(pending: list[tuple[AlertItem, SavedQuery]], now: datetime
                  ) -> tuple[list[tuple[SavedQuery, list[AlertItem], bool]], int]:
    """(saved query, items, is_digest) to send now, and how many items wait for their digest."""
    by_query: dict[int, list[AlertItem]] = defaultdict(list)
    queries: dict[int, SavedQuery] = {}
    for item, saved_query in pending:
        by_query[saved_query.id].append(item)
        queries[saved_query.id] = saved_query
    batches, waiting = [], 0
    for query_id, items in by_query.items():
        saved_query = queries[query_id]
        if saved_query.frequency == "immediate" and len(items) <= IMMEDIATE_SEPARATE:
            batches.extend((saved_query, [item], False) for item in items)
        elif saved_query.frequency == "immediate":  # a big crawl: one email, not a flood
            batches.append((saved_query, items, True))
        elif digest_due(saved_query, now):
            batches.append((saved_query, items, True))
        else:
            waiting += len(items)
    return batches, waiting


def deliver_emails(settings: Settings, db: AlertsDB, now: datetime, summary: DeliverySummary) -> None:
    batches, summary.waiting = email_batches(db.pending("email"), now)
    if not batches:
        return
    stamp = now.isoformat(timespec="seconds")
    try:
        mailer = mail.Mailer(settings)
    except ConfigError as exc:
        LOGGER.warning("%s: %d email(s) stay pending", exc, len(batches))
        for _query, items, _digest in batches:
            db.mark_failed([i.id for i in items], "email", str(exc), stamp)
        summary.failures.append(str(exc))
        return
    with mailer:
        for number, (saved_query, items, digest) in enumerate(batches):
            ids = [item.id for item in items]
            user = db.user(saved_query.user_id)
            try:
                mailer.send(mail.build_message(settings, user, saved_query, items, digest))
            except smtplib.SMTPRecipientsRefused as exc:
                # This address is refused; others may still go through the same connection.
                db.mark_failed(ids, "email", f"recipient refused: {exc}", stamp)
                summary.failures.append(f"email to {user.email} refused")
                continue
            except (smtplib.SMTPException, OSError) as exc:
                # The server is down or broke off: everything left stays pending for the next run.
                error = f"{type(exc).__name__}: {exc}"
                LOGGER.warning("SMTP %s:%s failed (%s); %d email(s) stay pending",
                               settings.smtp_host, settings.smtp_port, error, len(batches) - number)
                for _query, left, _digest in batches[number:]:
                    db.mark_failed([i.id for i in left], "email", error, stamp)
                summary.failures.append(f"SMTP: {error}")
                return
            db.mark_delivered(ids, "email", stamp, digest_of=saved_query.id)
            summary.emails_sent += 1
            summary.items_emailed += len(items)


def deliver_webhooks(settings: Settings, db: AlertsDB, now: datetime, summary: DeliverySummary) -> None:
    """One POST per item, whatever the frequency (a machine needs no digest)."""
    stamp = now.isoformat(timespec="seconds")
    dead: dict[str, str] = {}  # a URL that failed this run is not hammered again until the next
    for item, saved_query in db.pending("webhook"):
        url = saved_query.webhook_url or ""
        if url in dead:
            db.mark_failed([item.id], "webhook", dead[url], stamp)
            continue
        try:
            webhook.post(settings, item, saved_query)
        except webhook.WebhookError as exc:
            LOGGER.warning("webhook %s failed for %s: %s (stays pending)", url, item.id, exc)
            dead[url] = str(exc)
            db.mark_failed([item.id], "webhook", str(exc), stamp)
            summary.failures.append(f"webhook {url}: {exc}")
            continue
        db.mark_delivered([item.id], "webhook", stamp)
        summary.webhooks_sent += 1


def deliver_pending(settings: Settings, db: AlertsDB, now: datetime) -> DeliverySummary:
    """Send everything that is pending and due; failures stay pending."""
    summary = DeliverySummary()
    deliver_emails(settings, db, now, summary)
    deliver_webhooks(settings, db, now, summary)
    return summary
