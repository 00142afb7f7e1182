"""What a fetched page points to: report links, attachments and further list pages, per CMS family.

Hanweb (大汉 JCMS) puts list entries inside ``<script type="text/xml">`` as
``<record><![CDATA[<li>…]]></record>``, which an HTML parser treats as opaque script
text, so records are cut out and parsed on their own. Later pages come from
``/module/web/jpage/dataproxy.jsp?startrecord=&endrecord=&perpage=…`` answering the same
XML. TRS WCM lists are ``index.html``, ``index_1.html`` … with the page count in
``createPageHTML(N, …)`` or ``共N页``.
"""
from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from html import escape
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning
from requests.utils import requote_uri

from .fetch import document_type_from_name

_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_NEXT_TEXT = re.compile(r"^\s*(?:下一页|下页|后页|下一頁|next|>|›|»)\s*$", re.I)


@dataclass(frozen=True)
class Link:
    """A link as the page shows it: absolute URL (no fragment) and its text / title attribute."""

    url: str
    text: str


def _absolute(base: str, href: str | None) -> str | None:
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    # One spelling per URL (percent-encoded, host lower-case) so a link found raw on one
    # page and encoded on another is queued once.
    url = requote_uri(urljoin(base, href.replace("\\", "/")))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))


def _shown(text: str) -> str:
    """Link text as published, whitespace collapsed (the original script is kept for display)."""
    return " ".join(text.split())


def _anchors(soup: BeautifulSoup, base: str) -> list[Link]:
    links = []
    for tag in soup.find_all(["a", "area", "iframe", "embed"]):
        url = _absolute(base, tag.get("href") or tag.get("src"))
        if not url:
            continue
        text = tag.get_text(" ", strip=True)
        title = (tag.get("title") or "").strip()
        # The title attribute carries the full title when the visible text is cut with "…".
        combined = text if not title or title in text else (f"{title} {text}" if text else title)
        links.append(Link(url, _shown(combined)))
    return links


def page_links(html: str, base_url: str) -> list[Link]:
    """Every http(s) link of a page, including Hanweb XML records; one per URL, longest text kept."""
    with warnings.catch_warnings():
        # dataproxy.jsp answers are XML; only their CDATA records matter, parsed below.
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(html, "lxml")
    base_tag = soup.find("base", href=True)
    base = urljoin(base_url, base_tag["href"]) if base_tag else base_url
    found = _anchors(soup, base)
    fragments = _RECORD.findall(html)
    # List entries written by JavaScript ('<li><a href=\"…\">…</a></li>' in a dataStore array,
    # document.write) are script text to a parser: parse the markup inside scripts on its own.
    for script in soup.find_all("script"):
        code = script.string or ""
        if "<a" in code and "href" in code and "<record>" not in code:
            fragments.append(code.replace('\\"', '"').replace("\\'", "'").replace("\\/", "/"))
    for fragment in fragments:
        found.extend(_anchors(BeautifulSoup(fragment, "lxml"), base))
    best: dict[str, Link] = {}
    for link in found:
        if link.url not in best or len(link.text) > len(best[link.url].text):
            best[link.url] = link
    return list(best.values())


def attachment_links(links: list[Link]) -> list[Link]:
    """Links to .pdf/.docx/.doc/.wps files (by URL or by the file name shown as link text)."""
    return [link for link in links if document_type_from_name(link.url) or document_type_from_name(link.text)]


_DOWNLOAD_URL = re.compile(r"down(?:load)?|attach|getfile|fileid|file_id|/files?/", re.I)
_DOWNLOAD_TEXT = re.compile(r"附件|下载|附表")


def probable_attachment_links(links: list[Link]) -> list[Link]:
    """Links that look like attachments without saying their type (附件 text + a download-servlet URL).

    Only the bytes can tell; the crawler fetches them and quietly drops what is not a document.
    """
    return [link for link in links
            if not (document_type_from_name(link.url) or document_type_from_name(link.text))
            and _DOWNLOAD_TEXT.search(link.text) and _DOWNLOAD_URL.search(urlsplit(link.url)._replace(netloc="").geturl())]


def next_page_links(links: list[Link]) -> list[str]:
    """Generic pagination: links labelled 下一页 / next."""
    return [link.url for link in links if _NEXT_TEXT.match(link.text)]


# --- TRS WCM -------------------------------------------------------------------
_TRS_CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*(?:['\"][\w-]*['\"]\s*,\s*)?(\d+)\s*,\s*\d+\s*,\s*['\"]([^'\"]+)['\"]\s*,\s*['\"]([^'\"]+)['\"]")
_TRS_COUNT = re.compile(r"(?:countPage|pageCount|totalPage)\s*[=:]\s*['\"]?(\d+)|共\s*(\d+)\s*页")


def trs_pages(html: str, page_url: str) -> list[str]:
    """index_1.html … index_{N-1}.html beside a TRS list page."""
    match = _TRS_CREATE_PAGE.search(html)
    if match:
        count, prefix, suffix = int(match.group(1)), match.group(2), match.group(3)
    else:
        count_match = _TRS_COUNT.search(html)
        if not count_match:
            return []
        count, prefix, suffix = int(count_match.group(1) or count_match.group(2)), "index", "html"
        name = urlsplit(page_url).path.rsplit("/", 1)[-1]
        stem = re.match(r"^([A-Za-z]+)(?:_\d+)?\.(s?html?)$", name)
        if stem:
            prefix, suffix = stem.group(1), stem.group(2)
    directory = page_url if urlsplit(page_url).path.endswith("/") else urljoin(page_url, ".")
    pages = [urljoin(directory, f"{prefix}.{suffix}")]
    pages += [urljoin(directory, f"{prefix}_{number}.{suffix}") for number in range(1, count)]
    return pages


# --- Hanweb JCMS ------------------------------------------------------------------
_DATAPROXY = re.compile(r"""["'(=\s]((?:https?://[^"'\s<>]+)?/module/(?:web/)?jpage/dataproxy\.jsp[^"'\s<>]*)""", re.I)
_HANWEB_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>|totalRecord\s*[:=]\s*['\"]?(\d+)", re.I)
_HANWEB_PERPAGE = re.compile(r"perpage\s*[:=]\s*['\"]?(\d+)", re.I)
_HANWEB_PARAM = re.compile(
    r"\b(columnid|unitid|webid|path|webname|permissiontype|col|appid|sourceContentType)\s*[:=]\s*['\"]?([^'\"&,;}\s<>]*)")
_COLUMN_IN_URL = re.compile(r"/col/col(\d+)/")


def _hanweb_query(html: str, page_url: str) -> tuple[str, dict[str, str]] | None:
    """The dataproxy endpoint and its fixed parameters (column, unit, site …)."""
    parts = urlsplit(page_url)
    if "dataproxy.jsp" in parts.path.lower():
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")), params
    candidates = _DATAPROXY.findall(html.replace("&amp;", "&"))
    if not candidates:
        return None
    # A column page may hold other jpage widgets (latest news …): prefer the one for this column.
    column = _COLUMN_IN_URL.search(page_url)
    own = [c for c in candidates if column and re.search(rf"columnid={column.group(1)}\b", c)]
    proxy = urljoin(page_url, (own or candidates)[0])
    proxy_parts = urlsplit(proxy)
    params = dict(parse_qsl(proxy_parts.query, keep_blank_values=True))
    for key, value in _HANWEB_PARAM.findall(html):
        params.setdefault(key, value)
    if "columnid" not in params:
        column = _COLUMN_IN_URL.search(page_url)
        if column:
            params["columnid"] = column.group(1)
    for key in ("startrecord", "endrecord", "page"):
        params.pop(key, None)
    return urlunsplit((proxy_parts.scheme, proxy_parts.netloc, proxy_parts.path, "", "")), params


def hanweb_pages(html: str, page_url: str, max_pages: int) -> list[str]:
    """dataproxy.jsp URLs for the records after the ones this page holds."""
    query = _hanweb_query(html, page_url)
    if not query:
        return []
    endpoint, params = query
    total_match = _HANWEB_TOTAL.search(html)
    total = int(total_match.group(1) or total_match.group(2)) if total_match else None
    per_page_match = _HANWEB_PERPAGE.search(html)
    per_page = int(params.get("perpage") or (per_page_match.group(1) if per_page_match else 15)) or 15
    records = len(_RECORD.findall(html))
    chunk = per_page * 3  # Hanweb's own pager asks for three pages per request
    parts = urlsplit(page_url)
    if "dataproxy.jsp" in parts.path.lower():
        if records == 0:
            return []  # an empty answer: the column ends here
        start = int(params.get("endrecord") or records) + 1
    else:
        start = records + 1
    urls = []
    while len(urls) < max_pages and (total is None or start <= total):
        end = start + chunk - 1 if total is None else min(start + chunk - 1, total)
        fields = {"startrecord": str(start), "endrecord": str(end), "perpage": str(per_page)}
        fields.update({k: v for k, v in params.items() if k not in fields})
        urls.append(f"{endpoint}?{urlencode(fields)}")
        start = end + 1
        if total is None:
            break  # unknown length: the next answer tells whether to go on
    return urls


# --- JSON list APIs and query-parameter paging ----------------------------------------
_URL_KEYS = ("url", "link", "href", "linkUrl", "docUrl", "artUrl", "pageUrl")
_TITLE_KEYS = ("title", "name", "docTitle", "artTitle", "text", "vc_title")


def json_markup(text: str) -> str:
    """Markup that page_links can read from a JSON list answer: HTML fragments and url/title pairs.

    Portal APIs (e.g. Zhejiang's jpaas-publish-server) answer either with rendered
    ``<li><a …>`` fragments inside JSON strings or with records carrying url and title.
    """
    parts: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            url = next((node[k] for k in _URL_KEYS if isinstance(node.get(k), str) and node[k].strip()), None)
            if url:
                title = next((node[k] for k in _TITLE_KEYS if isinstance(node.get(k), str)), "")
                parts.append(f'<a href="{escape(url.strip())}">{escape(title)}</a>')
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str) and "<a" in node:
            parts.append(node)

    walk(json.loads(text))
    return "\n".join(parts)


def next_param_page(url: str, param: str) -> str:
    """The same list URL with its page parameter one higher (absent counts as page 1)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    current = next((int(v) for k, v in query if k == param and v.isdigit()), 1)
    query = [(k, v) for k, v in query if k != param] + [(param, str(current + 1))]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def list_page_links(cms: str, html: str, page_url: str, links: list[Link], max_pages: int) -> list[str]:
    """Further list pages of the same column, by the profile's CMS family plus generic 下一页 links."""
    pages: list[str] = []
    if cms == "hanweb":
        pages += hanweb_pages(html, page_url, max_pages)
    elif cms == "trs":
        pages += trs_pages(html, page_url)
    pages += next_page_links(links)
    return list(dict.fromkeys(page for page in pages if page != page_url))
