"""Saved queries and alerts: accounts, matching new reports, email, Atom, webhooks.

``run_alerts(settings, now=None)`` matches what the index gained since the last run
against every active saved query and delivers what is due; the pipeline calls
``after_reindex(settings, summary)`` at the end of every reindex.
"""
from .runner import RunSummary, after_reindex, run_alerts

__all__ = ["RunSummary", "after_reindex", "run_alerts"]
