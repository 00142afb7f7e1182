"""The crawler: polite, resumable fetching of report pages and attachments from government portals.

Public entry points: ``run_crawl`` (fetch), ``pending_pages`` / ``mark_ingested`` (hand-over
to the pipeline), ``load_profile`` / ``one_off_profile`` (site profiles).
"""
from .crawler import CrawlSummary, run_crawl
from .handover import LINK_TEXT_HEADER, REFERER_HEADER, mark_ingested, pending_pages, url_histories, url_history
from .profiles import Profile, load_profile, one_off_profile

__all__ = [
    "CrawlSummary", "run_crawl", "pending_pages", "mark_ingested", "url_history", "url_histories", "Profile", "load_profile",
    "one_off_profile", "LINK_TEXT_HEADER", "REFERER_HEADER",
]
