"""A user's alerts as an Atom feed (RFC 4287), served at a secret per-user URL.

Entry ids are the items' stable ids, so a feed reader shows each alert once however
often it polls; the feed's own id names the user, never the secret token.
"""
from __future__ import annotations

from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from ..settings import Settings
from . import links
from .db import AlertItem, SavedQuery, User
from .mail import KIND_LABELS, event_line, meta_line

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 100


def _tag_uri(settings: Settings, specific: str) -> str:
    """A tag: URI (RFC 4151) under the site's host: stable, and not a URL anyone must fetch."""
    host = urlsplit(settings.base_url).hostname or "govsearch.invalid"
    return f"tag:{host},2024:govsearch/{specific}"


def _sub(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{name}", attributes)
    if text is not None:
        element.text = text
    return element


def _entry_html(settings: Settings, item: AlertItem, saved_query: SavedQuery) -> str:
    report = item.details["report"]
    parts = [f"<p>{_escape(meta_line(report))}</p>"]
    if item.details.get("event"):
        parts.append(f"<p>{_escape(event_line(item.details['event']))}</p>")
    for paragraph in item.details["paragraphs"]:
        href = links.paragraph_url(settings, item.report_id, saved_query.query, paragraph["seq"])
        path = " › ".join(paragraph["section_path"])
        # highlight: escaped text with <mark> added by our highlighter; feed readers (and
        # feedparser's sanitiser) drop <mark>, so the matches are sent as <strong>.
        highlight = paragraph["highlight"].replace("<mark>", "<strong>").replace("</mark>", "</strong>")
        parts.append(f"<blockquote>{f'<small>{_escape(path)}</small><br/>' if path else ''}"
                     f"{highlight} <a href=\"{_escape(href)}\">查看段落</a></blockquote>")
    return "".join(parts)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def build_feed(settings: Settings, user: User, entries: list[tuple[AlertItem, SavedQuery]]) -> bytes:
    """The Atom document (UTF-8 bytes) for a user's newest alert items."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "id", _tag_uri(settings, f"user/{user.id}/alerts"))
    _sub(feed, "title", "govsearch 检索提醒")
    _sub(feed, "subtitle", "保存的检索匹配到的新报告和报告更新")
    updated = max((item.created_at for item, _ in entries), default=user.created_at)
    _sub(feed, "updated", updated)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=links.feed_url(settings, user.feed_token))
    _sub(feed, "link", rel="alternate", type="text/html", href=links.inbox_url(settings))
    author = _sub(feed, "author")
    _sub(author, "name", "govsearch")
    _sub(feed, "generator", "govsearch")
    for item, saved_query in entries[:FEED_ENTRIES]:
        entry = _sub(feed, "entry")
        _sub(entry, "id", _tag_uri(settings, f"alert/{item.id}"))
        _sub(entry, "title", f"「{saved_query.name}」{KIND_LABELS.get(item.kind, item.kind)}:{item.title}")
        _sub(entry, "updated", item.created_at)
        _sub(entry, "published", item.created_at)
        first = item.details["paragraphs"][0]["seq"] if item.details["paragraphs"] else None
        _sub(entry, "link", rel="alternate", type="text/html",
             href=links.paragraph_url(settings, item.report_id, saved_query.query, first))
        _sub(entry, "category", term=item.kind, label=KIND_LABELS.get(item.kind, item.kind))
        _sub(entry, "category", term=f"saved-query-{saved_query.id}", label=saved_query.name)
        _sub(entry, "content", _entry_html(settings, item, saved_query), type="html")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8", xml_declaration=False)
