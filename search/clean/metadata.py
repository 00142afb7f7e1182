"""Report metadata: header (title, addressee, signature), kind, the year covered, publish date.

Portal fields are often about the *posting*, not the report: 来源/发布机构 is the office
that uploaded it (区政府办, 本网), a header clock is today's date, a URL carries the upload
day. We prefer what the report says about itself (its title, its signature) and use the
portal's fields only where they cannot be about something else.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..models import DISCLOSURE_REPORT, LAW_REPORT, NOT_A_REPORT, OTHER_REPORT
from .boilerplate import DATETIME
from .dedup import line_key
from .kind import classify
from ..vocab import section

LOGGER = logging.getLogger(__name__)

ORG_SUFFIX = "(?:" + "|".join(section("header", "org_suffixes")) + ")"
_ORG_LINE = re.compile(rf"^(?:[\u4e00-\u9fff()]{{2,30}}{ORG_SUFFIX}[\s、]*)+$")
PLACE_END = re.compile("(?:" + "|".join(section("header", "place_endings")) + ")$")
_TITLE_WORDS = re.compile("|".join(section("header", "title_words")))
_ADDRESSEE = re.compile(rf"^[\u4e00-\u9fff、,,\s]{{2,80}}{ORG_SUFFIX}?[::]$")
_SIGNATURE_DATE = re.compile(r"^(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[二〇零一三四五六七八九十]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日)$")
_DELIVERED = re.compile(r"^[—―-]{1,2}\s*.{0,40}(?:会议|大会)上\s*$")
_SPEAKER = re.compile(r"^[\u4e00-\u9fff]{0,24}?(?:副)?(?:" + "|".join(section("header", "speaker_titles"))
                      + r")\s*[\u4e00-\u9fff·]{1,4}(?:\s+[\u4e00-\u9fff]{1,3})?$")
_CLOSING = re.compile("^(?:" + "|".join(section("header", "closing")) + r")[。.!]?$|^\(此件(?:"
                      + "|".join(section("header", "publicity")) + r")\)$")
_YEAR = re.compile(r"(?<![\d\-—–~至])((?:19|20)\d{2})\s*年(?!\s*[-—–~至])")
_CN_DIGITS = {"〇": "0", "零": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_CN_YEAR = re.compile(r"([〇零一二三四五六七八九]{4})年")
_URL_DATES = (  # most precise first: TRS t20230216_, Hanweb /art/2023/2/16/, TRS folder /202302/t
    re.compile(r"[/_]t((?:19|20)\d{2})(\d{2})(\d{2})[_/.]"),
    re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/((?:19|20)\d{2})(\d{2})(\d{2})/"),
    re.compile(r"/((?:19|20)\d{2})(\d{2})/t"),
)


@dataclass
class Header:
    """The lines around the body that are about the report rather than part of it."""

    title: str | None = None
    title_lines: list[int] = field(default_factory=list)
    addressee: str | None = None
    signature: list[str] = field(default_factory=list)
    signature_date: str | None = None
    delivered: list[str] = field(default_factory=list)  # ——…在…会议上 / speaker, under the title
    body: list[str] = field(default_factory=list)


def is_org_line(line: str) -> bool:
    """A line made only of organisation names (a title's issuer line or a signature)."""
    return len(line) <= 60 and bool(_ORG_LINE.match(line.strip()))


def looks_like_title(line: str) -> bool:
    """Short, unpunctuated, and worded like the title of a report or a page about one."""
    line = line.strip()
    return (
        4 <= len(line) <= 90
        and not re.search(r"[。;!?]", line)
        and not line.endswith((":", ":", ",", ","))
        and bool(_TITLE_WORDS.search(line))
        and not _DELIVERED.match(line)
        and not re.match(r"^(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+\s*[、.]|\([一二三四五六七八九十]+\)|\d+[.、])", line)
    )


def split_header(lines: list[str], hints: list[str]) -> Header:
    """Find the title (from hints or the first lines), addressee and signature; the rest is body."""
    header = Header()
    hint_keys = [line_key(hint) for hint in hints if hint and line_key(hint)]
    top = min(len(lines), 8)
    for index in range(top):
        key = line_key(lines[index])
        if not key:
            continue
        # the title line itself, or one line of a title printed over two lines
        if any(key == h or (len(key) >= 6 and key in h and len(key) * 2 >= len(h)) for h in hint_keys):
            header.title_lines.append(index)
    if header.title_lines:
        first = header.title_lines[0]
        if first > 0 and lines[first].lstrip().startswith("关于") and is_org_line(lines[first - 1]):
            header.title_lines.insert(0, first - 1)  # 某某区人民政府 / 关于…的报告: the issuer line is part of the title
    if not header.title_lines:
        for index in range(top):
            if looks_like_title(lines[index]):
                header.title_lines.append(index)
                if index > 0 and is_org_line(lines[index - 1]) and (index - 1) not in header.title_lines:
                    header.title_lines.insert(0, index - 1)
                break
    if header.title_lines:
        header.title = " ".join(lines[i].strip() for i in header.title_lines)
        header.title = re.sub(r"\s+(?=关于)", "", header.title)
    body_start = max(header.title_lines) + 1 if header.title_lines else 0
    # A report delivered to the 人大常委会 prints under its title when and by whom it was
    # delivered (——2024年3月28日在…会议上 / 区人民政府副区长 周明): header, not text.
    while body_start < len(lines) and body_start <= max(header.title_lines, default=-1) + 3 and (
            _DELIVERED.match(lines[body_start].strip()) or _SPEAKER.match(lines[body_start].strip())):
        header.delivered.append(lines[body_start].strip())
        body_start += 1
    # A date (or issuer and date) printed right under the title belongs to the header.
    while body_start < len(lines) and header.title_lines and body_start <= max(header.title_lines) + 2 and (
            _SIGNATURE_DATE.match(lines[body_start].strip().strip("()")) or
            (is_org_line(lines[body_start]) and body_start + 1 < len(lines)
             and _SIGNATURE_DATE.match(lines[body_start + 1].strip().strip("()")))):
        line = lines[body_start].strip().strip("()")
        if _SIGNATURE_DATE.match(line):
            header.signature_date = header.signature_date or line
        else:
            header.signature.append(line)
        body_start += 1
    # A dump often prints the title twice (its page heading, then the document's own).
    if header.title_lines:
        title_key = line_key(header.title)
        while body_start < len(lines) and body_start <= max(header.title_lines) + 3 \
                and title_key and line_key(lines[body_start]) == title_key:
            body_start += 1
    # Anything before the title that is not prose is page furniture we did not recognise.
    leftovers = [lines[i] for i in range(body_start) if i not in header.title_lines
                 and (len(lines[i]) > 60 or re.search(r"[。!?]$", lines[i].strip()))]
    body = leftovers + list(lines[body_start:])
    if body and _ADDRESSEE.match(body[0].strip()) and len(body[0]) <= 60:
        header.addressee = body.pop(0).strip().rstrip("::")
    while body and (_SIGNATURE_DATE.match(body[-1].strip()) or is_org_line(body[-1]) or _CLOSING.match(body[-1].strip())) \
            and len(body) > 1:
        line = body.pop().strip()
        if _CLOSING.match(line):
            continue
        if _SIGNATURE_DATE.match(line):
            header.signature_date = header.signature_date or line
        else:
            header.signature.insert(0, line)
    header.body = body
    return header


def classify_kind(title: str | None, text: str) -> str:
    """法治政府建设年度报告 / 政府信息公开工作年度报告 / 其他报告, or 非报告 for a page about one.

    The kind alone; ``kind.classify`` also gives what exactly the page is and why.
    """
    return classify(title, text.split("\n")).kind


def _cn_year(digits: str) -> int:
    return int("".join(_CN_DIGITS[d] for d in digits))


def year_in(text: str | None) -> int | None:
    """The first year a title names as a year (2022年, 2022年度, 二〇二二年), not a plan range."""
    if not text:
        return None
    match = _YEAR.search(text)
    if match:
        return int(match.group(1))
    match = _CN_YEAR.search(text)
    return _cn_year(match.group(1)) if match else None


# 统计期限自2023年1月1日起至2023年12月31日止 / 从2021年1月1日到12月31日 / 统计期限为2023年度
_WHOLE_YEAR = re.compile(r"((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日(?:起)?\s*(?:至|到|—|-|~)\s*(?:\1\s*年\s*)?12\s*月\s*31\s*日")
_STATISTICS_YEAR = re.compile(r"统计(?:期限|时限|时间|区间)[^。\d]{0,12}((?:19|20)\d{2})\s*年")
_REVIEW = re.compile(r"^\s*((?:19|20)\d{2})\s*年(?:工作回顾|主要工作|工作情况)\s*$")
_NAMED_REPORT = re.compile(r"《[^《》]{0,40}?((?:19|20)\d{2})\s*年度?[^《》]{0,40}?(?:报告|年报)》")


def report_year(title: str | None, body: list[str], publish_date: str | None, kind: str,
                detail: str | None = None) -> int | None:
    """The year the report covers: from its title, else its opening, else the year before publication.

    A 政府工作报告 is titled by the year of the congress session and reviews the year before
    (2020年政府工作报告 reviews 2019: its 2019年工作回顾 says so).
    """
    if detail == "政府工作报告":
        for line in body[:30]:
            match = _REVIEW.match(line)
            if match:
                return int(match.group(1))
        year = year_in(title)
        return year - 1 if year else None
    year = year_in(title)
    if year:
        return year
    for line in body[:3]:
        match = re.match(r"^\s*((?:19|20)\d{2})\s*年(?:度)?(?:,|,|以来|是|我|全)", line)
        if match:
            return int(match.group(1))
    head = "\n".join(body[:40])[:4000]
    # 本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止 (the disclosure report format)
    match = _WHOLE_YEAR.search(head) or _STATISTICS_YEAR.search(head)
    if match:
        return int(match.group(1))
    for line in body[:2]:
        match = _NAMED_REPORT.search(line)  # 《某县2023年政府信息公开工作年度报告》已经编制完成…
        if match:
            return int(match.group(1))
    if publish_date and kind in (LAW_REPORT, DISCLOSURE_REPORT):
        return int(publish_date[:4]) - 1
    return None


def parse_date(value: str | None) -> str | None:
    """YYYY-MM-DD from a date or datetime in any common form, or None when not a real date."""
    if not value:
        return None
    match = DATETIME.search(value)
    if match:
        year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
    else:
        match = re.search(r"([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日", value)
        if not match:
            return None
        year = _cn_year(match.group(1))
        month, day = _cn_number(match.group(2)), _cn_number(match.group(3))
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _cn_number(text: str) -> int:
    digits = {c: int(_CN_DIGITS[c]) for c in _CN_DIGITS}
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (digits.get(tens, 1) if tens else 1) * 10 + (digits.get(ones, 0) if ones else 0)
    return digits.get(text, 0)


def _official_host(url: str) -> bool:
    """A government portal's address: only their CMSs write the publication day into URLs.

    A template or document-sharing site's URL date is the day it copied the report.
    """
    host = (urlsplit(url).hostname or "").lower()
    return host.endswith((".gov.cn", ".gov")) or bool(re.search(r"(?:^|\.)gov\.[a-z]{2}$", host))


def url_date(url: str | None) -> str | None:
    """The upload date a government CMS writes into article URLs (/art/2023/2/16/, t20230216_), if any.

    >>> url_date("http://www.jiangning.gov.cn/art/2019/3/29/art_1651_2345678.html")
    '2019-03-29'
    >>> url_date("https://www.fanwen.example/gongzuobaogao/20240315/98765.html") is None
    True
    """
    if not url or not _official_host(url):
        return None
    match = next((m for m in (pattern.search(url) for pattern in _URL_DATES) if m), None)
    if not match:
        return None
    groups = list(match.groups())
    if len(groups) == 2:
        groups.append("1")
    return parse_date("-".join(groups[:3]))


def publish_date(candidates: list[str | None], *, url: str | None, year_covered: int | None) -> str | None:
    """The first candidate that is a real date not before the year covered; the URL's date last."""
    for value in candidates:
        date = parse_date(value)
        if date and (year_covered is None or int(date[:4]) >= year_covered):
            return date
    date = url_date(url)
    # A URL date is the upload day, often years after a reposted report: only trust it when
    # it is the season reports are published for the year covered.
    if date and (year_covered is None or int(date[:4]) in (year_covered, year_covered + 1)):
        return date
    return None


def derive_title(issuer_name: str | None, year: int | None, kind: str) -> str | None:
    """{issuer}{year}年{kind} for a page without a title; None when too little is known."""
    if kind not in (LAW_REPORT, DISCLOSURE_REPORT) or year is None:
        return None
    return f"{issuer_name or ''}{year}年{kind}"
