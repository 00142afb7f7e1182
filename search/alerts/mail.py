"""Alert emails: what they say, and sending them over SMTP as configured (never from code).

Every email names the saved query and the reports, links to the matching paragraphs,
and carries a one-click unsubscribe link (also as ``List-Unsubscribe`` with
``List-Unsubscribe-Post``, RFC 8058). Its Message-ID is the alert item's stable id (a
digest's is derived from its items' ids, which ``X-Govsearch-Items`` lists), so a copy
resent after a crash can be recognised as the same message.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from html import escape

from ..errors import ConfigError
from ..settings import Settings
from . import links
from .db import AlertItem, Filters, SavedQuery, User

LOGGER = logging.getLogger(__name__)

SMTP_TIMEOUT = 30  # seconds; a hung server must not hang cron
KIND_LABELS = {"new": "新报告", "updated": "报告更新",
               "reported": "新发布报告", "source_changed": "来源页面有变化", "source_gone": "来源页面已删除"}
FREQUENCY_LABELS = {"immediate": "即时", "daily": "每日摘要", "weekly": "每周摘要"}
DIGEST_LABELS = {"immediate": "新提醒", "daily": "每日摘要", "weekly": "每周摘要"}
ITEMS_PER_EMAIL = 50  # listed in full; the rest are counted, with a link to the inbox


def describe_filters(target: SavedQuery | Filters) -> str:
    """The filters (of a saved query) in words, e.g. 地区:浙江省;年度:2022."""
    f = target.filters if isinstance(target, SavedQuery) else target
    parts = []
    for label, values in (("地区", f.regions), ("年度", f.years), ("主题", f.topics), ("类型", f.kinds)):
        if values:
            parts.append(f"{label}:{'、'.join(values)}")
    if f.year_from or f.year_to:
        parts.append(f"年度范围:{f.year_from or ''}–{f.year_to or ''}")
    return ";".join(parts)


def subject(saved_query: SavedQuery, items: list[AlertItem], digest: bool) -> str:
    if digest:
        label = DIGEST_LABELS.get(saved_query.frequency, "新提醒")
        return f"[govsearch] 「{saved_query.name}」{label}:{len(items)} 份报告有新的匹配"
    item = items[0]
    return f"[govsearch] 「{saved_query.name}」{KIND_LABELS.get(item.kind, '新报告')}:{item.title}"


def build_message(settings: Settings, user: User, saved_query: SavedQuery, items: list[AlertItem],
                  digest: bool) -> EmailMessage:
    """One email for one item (immediate) or several (a digest), plain text and HTML."""
    unsubscribe = links.unsubscribe_url(settings, saved_query.id)
    message = EmailMessage()
    message["Subject"] = subject(saved_query, items, digest)
    message["From"] = formataddr(("govsearch 检索提醒", settings.smtp_sender))
    message["To"] = user.email
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = links.message_id([item.id for item in items], settings)
    message["X-Govsearch-Items"] = ", ".join(item.id for item in items)
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_text_body(settings, saved_query, items, unsubscribe))
    message.add_alternative(_html_body(settings, saved_query, items, unsubscribe), subtype="html")
    return message


def _intro(saved_query: SavedQuery, items: list[AlertItem]) -> str:
    filters = describe_filters(saved_query)
    query = saved_query.query or "(不限检索词)"
    return (f"您保存的检索「{saved_query.name}」(检索式:{query}{';' + filters if filters else ''})"
            f"有 {len(items)} 份报告新近匹配:")


def meta_line(report: dict) -> str:
    """One line of report metadata: issuer · region · year · kind · date."""
    parts = [report.get("issuer") or "发布机关不详", report.get("region") or "未知地区",
             f"{report['report_year']}年度" if report.get("report_year") else "年份不详", report.get("report_kind") or ""]
    if report.get("publish_date"):
        parts.append(f"发布 {report['publish_date']}")
    if report.get("synthetic"):
        parts.append("合成示例")
    return " · ".join(p for p in parts if p)


def event_line(event: dict | None) -> str:
    """What happened, for the reported and source items (search.alerts.events); "" for matches."""
    if not event:
        return ""
    if event.get("type") == "reported":
        timing = {True: "按时公开", False: "逾期公开"}.get(event.get("published_on_time"), "是否按时未知")
        deadline = f"(期限 {event['deadline']})" if event.get("deadline") else ""
        return f"新发布:{event.get('issuer') or '发布机关不详'} · {timing}{deadline}"
    if event.get("type") == "gone":
        return f"来源页面已无法访问(HTTP {event.get('status') or '?'}),发现于 {event.get('at', '')[:10]}:{event.get('url')}"
    return f"来源页面内容有变化,发现于 {event.get('at', '')[:10]}:{event.get('url')}"


def _text_body(settings: Settings, saved_query: SavedQuery, items: list[AlertItem], unsubscribe: str) -> str:
    lines = [_intro(saved_query, items), ""]
    for number, item in enumerate(items[:ITEMS_PER_EMAIL], 1):
        report = item.details["report"]
        lines.append(f"{number}. {item.title} [{KIND_LABELS.get(item.kind, item.kind)}]")
        lines.append(f"   {meta_line(report)}")
        if item.details.get("event"):
            lines.append(f"   {event_line(item.details['event'])}")
        for paragraph in item.details["paragraphs"]:
            if paragraph["section_path"]:
                lines.append(f"   {' › '.join(paragraph['section_path'])}")
            text = paragraph["text"]
            lines.append(f"   {text[:160]}{'…' if len(text) > 160 else ''}")
            lines.append(f"   {links.paragraph_url(settings, item.report_id, saved_query.query, paragraph['seq'])}")
        extra = item.details.get("matches", 0) - len(item.details["paragraphs"])
        if extra > 0:
            lines.append(f"   (本报告另有 {extra} 处匹配:{links.paragraph_url(settings, item.report_id, saved_query.query, None)})")
        lines.append("")
    if len(items) > ITEMS_PER_EMAIL:
        lines += [f"……另有 {len(items) - ITEMS_PER_EMAIL} 份报告,请到提醒收件箱查看:{links.inbox_url(settings)}", ""]
    lines += [
        f"在网站上检索:{links.search_url(settings, saved_query.query, saved_query.filters.url_params())}",
        f"提醒收件箱:{links.inbox_url(settings)}",
        f"管理此订阅:{links.manage_url(settings, saved_query.id)}",
        f"退订此检索的邮件(一键):{unsubscribe}",
    ]
    return "\n".join(lines) + "\n"


def _html_body(settings: Settings, saved_query: SavedQuery, items: list[AlertItem], unsubscribe: str) -> str:
    parts = [f"<p>{escape(_intro(saved_query, items))}</p><ol>"]
    for item in items[:ITEMS_PER_EMAIL]:
        report = item.details["report"]
        first = item.details["paragraphs"][0]["seq"] if item.details["paragraphs"] else None
        href = links.paragraph_url(settings, item.report_id, saved_query.query, first)
        parts.append(f'<li><p><a href="{escape(href)}"><strong>{escape(item.title)}</strong></a> '
                     f"[{escape(KIND_LABELS.get(item.kind, item.kind))}]<br><small>{escape(meta_line(report))}</small>"
                     + (f"<br>{escape(event_line(item.details['event']))}" if item.details.get("event") else "") + "</p>")
        for paragraph in item.details["paragraphs"]:
            href = links.paragraph_url(settings, item.report_id, saved_query.query, paragraph["seq"])
            path = " › ".join(paragraph["section_path"])
            # The highlight is our highlighter's output: text escaped, then <mark> added.
            parts.append(f'<blockquote>{f"<small>{escape(path)}</small><br>" if path else ""}{paragraph["highlight"]}'
                         f' <a href="{escape(href)}">查看段落</a></blockquote>')
        parts.append("</li>")
    parts.append("</ol>")
    if len(items) > ITEMS_PER_EMAIL:
        parts.append(f'<p>……另有 {len(items) - ITEMS_PER_EMAIL} 份报告,请到'
                     f'<a href="{escape(links.inbox_url(settings))}">提醒收件箱</a>查看。</p>')
    search = links.search_url(settings, saved_query.query, saved_query.filters.url_params())
    parts.append(f'<p><a href="{escape(search)}">在网站上检索</a> · <a href="{escape(links.inbox_url(settings))}">提醒收件箱</a>'
                 f' · <a href="{escape(links.manage_url(settings, saved_query.id))}">管理此订阅</a>'
                 f' · <a href="{escape(unsubscribe)}">退订此检索的邮件</a></p>')
    return "<!doctype html><html><body>" + "".join(parts) + "</body></html>"


class Mailer:
    """One SMTP connection for a run, opened on first use; host, port, TLS and login from settings."""

    def __init__(self, settings: Settings):
        if not settings.smtp_host:
            raise ConfigError("email is not configured: set smtp_host")
        if settings.smtp_tls not in ("none", "starttls", "ssl"):
            raise ConfigError(f"smtp_tls must be none, starttls or ssl, not {settings.smtp_tls!r}")
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.smtp_tls == "ssl":
            smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT)
            if s.smtp_tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if s.smtp_user:
            smtp.login(s.smtp_user, s.smtp_password)
        return smtp

    def send(self, message: EmailMessage) -> None:
        """Hand one message to the server; returns only once the server accepted it."""
        if self._smtp is None:
            self._smtp = self._connect()
        refused = self._smtp.send_message(message)
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None

    def __enter__(self) -> "Mailer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def send_test_email(settings: Settings, to: str) -> str:
    """Send a short message to check the SMTP settings; returns its Message-ID."""
    message = EmailMessage()
    message["Subject"] = "[govsearch] 测试邮件"
    message["From"] = formataddr(("govsearch 检索提醒", settings.smtp_sender))
    message["To"] = to
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = links.message_id([f"test-{int(datetime.now(timezone.utc).timestamp())}"], settings)
    message.set_content(f"这是 govsearch 的测试邮件。SMTP 设置可用:{settings.smtp_host}:{settings.smtp_port}"
                        f" ({settings.smtp_tls})。\n")
    with Mailer(settings) as mailer:
        mailer.send(message)
    return message["Message-ID"]
