"""Line-level boilerplate removal: what portals wrap around a report, and the metadata hidden in it.

Lines are removed, never silently: metadata rows (索引号, 发布机构, 浏览次数 …) are parsed into
fields; attachment file names become attachments; everything else that is page furniture
(breadcrumbs, share and print widgets, header clocks, footers, document-sharing banners,
aggregator preambles, layout debris) is dropped and counted.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from ..structure import ROW_SEPARATOR, TABLE_MARK
from .attachments import ATTACHMENT_EXTENSIONS, attachment_name
from ..normalize import to_simplified
from ..vocab import pattern, section, words

LOGGER = logging.getLogger(__name__)

_LABELS: dict[str, str] = section("furniture", "labels")  # label as printed → canonical field name
_DATE_LABELS = set(section("furniture", "fields", "dates"))
_LONG_VALUE_LABELS = set(section("furniture", "fields", "long_values"))
_INDEX_NUMBER = re.compile(section("furniture", "fields", "index_number"))


def _label_pattern(label: str) -> str:
    return r"\s*".join(map(re.escape, label))  # 标　　题 arrives as 标 题 after NFKC


# Longest first, so that 信息来源 wins over 来源 and 信息索引号 over 索引号.
_LABEL_RE = re.compile(
    r"(?:^|(?<=[\s\d\]】\[【|>:,;]))(?P<label>"
    + "|".join(_label_pattern(label) for label in sorted(_LABELS, key=len, reverse=True))
    + r")\s*(?:[::]\s*|(?=\s|$|\d|\[))"
)
DATETIME = re.compile(r"(?P<y>(?:19|20)\d{2})\s*[-./年]\s*(?P<m>\d{1,2})\s*[-./月]\s*(?P<d>\d{1,2})\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?")
_LEADING_DATETIME = re.compile(r"^\s*" + DATETIME.pattern)
# The name of a body or a site beside a date (not a sentence: no punctuation, a name's ending)
_SITE_NAME = re.compile(r"[\u4e00-\u9fff()]{2,30}?(?:" + "|".join(section("furniture", "fields", "name_endings")) + ")")
_SIGNED = re.compile(r"(?P<org>" + _SITE_NAME.pattern + r")\s+(?P<date>" + DATETIME.pattern.replace("?P<y>", "").replace(
    "?P<m>", "").replace("?P<d>", "") + ")")


def parse_meta_line(line: str) -> dict[str, str] | None:
    """Label/value pairs when the whole line is a metadata row, else None.

    >>> parse_meta_line("发布日期:2024-03-26 14:59:34浏览次数: 来源:区委依法治区办 字体:[ ]")
    {'发布日期': '2024-03-26 14:59:34', '浏览次数': '', '来源': '区委依法治区办', '字体': '[ ]'}
    >>> parse_meta_line("来源于群众的意见建议,我们认真研究。") is None
    True
    """
    text = line.strip()
    if (text[:1], text[-1:]) in (("【", "】"), ("(", ")"), ("[", "]")):
        text = text[1:-1].strip()  # (责任编辑:张三)
    if not text or len(text) > 300:
        return None
    fields: dict[str, str] = {}
    position = 0
    leading = _LEADING_DATETIME.match(text)
    if leading and re.match(r"\s*(?:星期|周)[一二三四五六日天]", text[leading.end():]):
        return None  # 2023年3月21日 星期二 …: a header clock, not a publication date
    if leading:
        fields["日期"] = leading.group(0).strip()
        position = leading.end()
        if not text[position:].strip():
            return fields  # a bare date line (the date printed under a title)
        site = _SITE_NAME.fullmatch(text[position:].strip())
        if site:
            fields["来源"] = site.group(0)  # 2021-04-12 河北省人民政府网: the date and the site showing it
            return fields
    signed = _SIGNED.fullmatch(text)
    if signed:
        # 安徽省政务公开办 2018/3/26: a body and the date it signed, on one line
        return {"日期": signed.group("date"), "署名": signed.group("org")}
    matches = list(_LABEL_RE.finditer(text, position))
    if not matches or text[position:matches[0].start()].strip(" |"):
        return None
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        label = _LABELS[re.sub(r"\s+", "", match.group("label"))]
        value = text[match.end():end].strip(" |:")
        limit = 150 if label in _LONG_VALUE_LABELS else 60
        if len(value) > limit or (value.endswith("。") and label != "标题"):
            return None
        if label in _DATE_LABELS and value and not DATETIME.match(value):
            return None
        if label == "浏览次数":
            value = value.strip("【】[] ")  # 浏览次数: 【字体:… leaves the widget's bracket behind
        if label == "浏览次数" and value and not re.fullmatch(r"[\d\s,\[\]【】次]*", value):
            return None
        fields.setdefault(label, value)
    return fields


_WIDGET_TOKENS = re.compile("|".join([*map(re.escape, words("furniture", "widgets", "words")),
                                        *section("furniture", "widgets", "patterns")]))
_BREADCRUMB = pattern("furniture", "lines", "breadcrumb")
_CLOCK = pattern("furniture", "lines", "clock")
_FOOTER = pattern("furniture", "lines", "footer")
_DOCSHARE = pattern("furniture", "lines", "docshare")
_PREAMBLE = pattern("furniture", "lines", "preamble")
_SOCIAL = pattern("furniture", "lines", "social")
_BROWSER = pattern("furniture", "lines", "browser")
# A table of contents: 目录, or headings with dot leaders and a page number (一、主要举措……1)
_TOC = re.compile(r"^目\s*录$|(?:\.{4,}|…{2,}|·{4,}|_{4,})\s*\d{1,3}\s*$")
_RELATED_INLINE = pattern("furniture", "lines", "related_inline")
_TEMPLATE_MARK = pattern("furniture", "lines", "template")
_RELATED = pattern("furniture", "lines", "related")
_COLUMN_WORDS = re.compile("|".join(map(re.escape, words("furniture", "columns", "words"))))
_COLUMN_MIN_WORDS = section("furniture", "columns", "min_words")
_COLUMN_MIN_SHARE = section("furniture", "columns", "min_share")
_BULLETS = "•▪●◆■□○◇▶►▸◦‣⁃"
_HEADLINE_LABELS = {"日期", "发布日期", "来源", "浏览次数", "成文日期"}
_URL_LINE = re.compile(r"^(?:(?:原文)?(?:链接|网址|地址|URL|url|来源网址|原文地址)\s*[::]?\s*)?(?P<url>https?://[^\s<>\"]+)$")
_PIPE_RUN = re.compile(r"(?:\s*[|│┃¦]\s*)+")
_DEBRIS = re.compile(r"^[\s|│┃¦\-=+_*·.。,,~#]*$")
_ATTACHMENT = re.compile(
    r"^(?:(?:相关)?附件\s*\d*\s*(?:下载)?\s*[::.、]?\s*)?(?P<name>[^。;;]{2,120}?\.(?:" + "|".join(e.lstrip(".") for e in ATTACHMENT_EXTENSIONS) + r"))\s*(?:\(\s*[\d.]+\s*[KMG]?B\s*\))?\s*$",
    re.IGNORECASE,
)
_DOC_NUMBER = re.compile(r"^[\u4e00-\u9fff]{1,12}\s*[〔\[【(]\s*(?:19|20)\d{2}\s*[〕\]】)]\s*第?\s*\d+\s*号$")
_WATERMARK_CUE = re.compile(r"范文|文库|文秘|文档|公文|作文|写作|秘书|资料|www\.", re.IGNORECASE)
_HOST = r"(?!gov\.cn)[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org)"
_DOMAIN = r"(?:www\.)?" + _HOST
# A template site's name after a separator or in brackets (… - 第一范文网 www.xxx.com), or
# its bare domain; never a plain word at the end of a sentence (…年度报告范文 stays).
_WATERMARK = re.compile(
    r"(?:(?:\s*[-_—|/]+\s*|\s*[(【\[]\s*)(?:本文来[自源]于?|来源[::]|出自[::]?|转载自?)?[\w\u4e00-\u9fff]{0,10}?"
    r"(?:范文|文库|文秘|文档|公文|作文|写作|秘书|资料)[\w\u4e00-\u9fff]{0,3}"
    rf"(?:\s*[(\[]?\s*{_DOMAIN}\s*[)\]]?)?\s*[)】\]]?"
    rf"|\s*[(\[]\s*www\.{_HOST}\s*[)\]])\s*$",
    re.IGNORECASE,
)


def _parse_meta_rows(line: str) -> dict[str, str] | None:
    """A metadata row, or a whole label/value table flattened into one line (rows split by ;)."""
    if line.startswith(TABLE_MARK):
        rows = [parse_meta_line(row) for row in line[len(TABLE_MARK):].split(ROW_SEPARATOR)]
        if rows and all(row is not None for row in rows):
            return {label: value for row in rows for label, value in row.items()}
        return None
    return parse_meta_line(line)


@dataclass
class Boilerplate:
    """The lines that survived, and what was learned from the ones that did not."""

    lines: list[str]
    fields: dict[str, str] = field(default_factory=dict)  # first value of each metadata label
    field_rows: list[dict[str, str]] = field(default_factory=list)  # every metadata row, in order
    attachments: list[str] = field(default_factory=list)
    document_numbers: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)  # lines that were nothing but a URL
    dropped: dict[str, int] = field(default_factory=dict)  # reason → count, for debugging
    # The short line printed right above the page's date/source row: its headline, even
    # when it carries no title words (a template that shows only the issuer's name).
    headline: str | None = None
    # A saved file that opens with its own file name (某某2021年…年度报告.docx): its title.
    file_title: str | None = None


def is_widget_line(line: str) -> bool:
    """True when a line is nothing but share/print/font/accessibility controls."""
    if len(line) > 80 or not re.search(r"[\u4e00-\u9fffA-Za-z]", line):
        return False
    return not _WIDGET_TOKENS.sub("", line) or not _WIDGET_TOKENS.sub("", to_simplified(line))  # 電子書 圖解


# A bracketed template-site name anywhere in a line (一、主要举措和成效【范文网】(一)…): such
# sites stamp every heading of a page that carries the whole report on one line.
_BRACKETED_WATERMARK = re.compile(
    r"\s*[【\[]\s*[\w\u4e00-\u9fff.]{0,10}?(?:范文|文库|文秘|文档|公文|作文|写作|秘书|资料)"
    r"[\w\u4e00-\u9fff.]{0,6}?(?:网|站|库|吧|大全|\.com|\.cn|\.net)\s*[】\]]\s*",
    re.IGNORECASE,
)


def strip_watermark(line: str) -> str:
    """Remove a template site's name (… - XX范文网 www.xxx.com, 【范文网】) from a line.

    >>> strip_watermark("一、主要举措和成效【范文网】(一)依法履职。")
    '一、主要举措和成效 (一)依法履职。'
    """
    if len(line) <= 4 or not _WATERMARK_CUE.search(line):
        return line
    line = _WATERMARK.sub("", line)
    return _BRACKETED_WATERMARK.sub(" ", line).strip()


def clean_pipes(line: str) -> str:
    """Flattened table rows: keep the cells, drop the | debris between them."""
    if "|" not in line and "│" not in line and "┃" not in line and "¦" not in line:
        return line
    return _PIPE_RUN.sub(" ", line).strip()


def _is_column_string(line: str) -> bool:
    """政府信息公开信息公开部门目录部门政务公开…: column and directory names run together."""
    if len(line) > 80 or re.search(r"[\d。,;:!?、]", line):
        return False
    hits = _COLUMN_WORDS.findall(line)
    share = sum(map(len, hits)) / max(1, len(line.replace(" ", "")))
    return len(set(hits)) >= _COLUMN_MIN_WORDS and share >= _COLUMN_MIN_SHARE


def _is_nav(line: str) -> bool:
    """首页 政务公开 政务服务 …, 政务公开 > 政策文件 > 区政府文件: a menu or a trail flattened into one line."""
    if len(line) >= 100 or re.search(r"[。,;]", line):
        return False
    words = line.split()
    if len(words) >= 2 and words[0] == "首页" and all(len(word) <= 8 for word in words):
        return True
    steps = [step.strip() for step in re.split(r"[>›»]", line)]
    return len(steps) >= 3 and all(0 < len(step) <= 16 for step in steps[:-1])


def drop_reason(line: str) -> str | None:
    """Why a (normalised) line is page furniture, or None when it may be report text."""
    if _DEBRIS.match(line):
        return "debris"
    if line.count("。") >= 2 or len(line) > 200:
        return None  # prose: furniture is short and has at most one sentence
    if _BREADCRUMB.search(line) or _is_nav(line) or _is_column_string(line):
        return "breadcrumb"
    if _CLOCK.search(line) and len(line) < 80:
        return "clock"
    if is_widget_line(line) or (len(line) < 60 and _BROWSER.search(line)):
        return "widget"
    if len(line) < 160 and _FOOTER.search(line) and not line.endswith("。"):
        return "footer"
    if len(line) < 200 and _DOCSHARE.search(line):
        return "docshare_banner"
    if len(line) < 200 and _PREAMBLE.search(line):
        return "preamble"
    if len(line) < 80 and "。" not in line and _SOCIAL.search(line):
        return "credits"
    if _TEMPLATE_MARK.match(line):
        return "template"
    if _TOC.search(line) and len(line) < 120:
        return "contents"
    if _RELATED_INLINE.match(line) and len(line) < 100 and "。" not in line:
        return "related"
    if re.fullmatch(r"[\u4e00-\u9fff]{0,6}(?:上一篇|下一篇)[::].*", line):
        return "navigation"
    return None


def _label_only(line: str) -> bool:
    """索 引 号 : with its value on the next line (a two-column table flattened one cell per line)."""
    fields = parse_meta_line(line)
    return fields is not None and len(fields) == 1 and not any(fields.values()) and "日期" not in fields


def _join_label_lines(lines: list[str]) -> list[str]:
    """A label alone on its line followed by its value: one metadata row (名    称 : / 河东区…报告)."""
    joined: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if following and _label_only(line) and len(following) <= 150 and "。" not in following \
                and parse_meta_line(following) is None and not re.match(r"^(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\))", following):
            merged = f"{line.rstrip(' ::')}:{following}"
            if parse_meta_line(merged) is not None:
                joined.append(merged)
                index += 2
                continue
        joined.append(line)
        index += 1
    return joined


def _tidy_lines(lines: list[str]) -> list[str]:
    """Lines without watermarks, pipe debris and list bullets (each distinct line tidied once)."""
    tidied: dict[str, str] = {}
    for raw in lines:
        if raw not in tidied:
            tidied[raw] = strip_watermark(clean_pipes(raw)).strip().lstrip(_BULLETS + " ")
    return [tidied[raw] for raw in lines]


def _verdict(line: str) -> tuple:
    """What one line is: (what, payload). Pure, so a page's repeated lines are judged once."""
    if _RELATED.match(line):
        return ("related", None)
    fields = _parse_meta_rows(line)
    if fields is not None:
        return ("metadata", fields)
    if _INDEX_NUMBER.match(line):
        return ("index_number", line)
    url = _URL_LINE.match(line)
    if url:
        return ("url", url.group("url"))
    attachment = _ATTACHMENT.match(line)
    if attachment:
        return ("attachment", attachment_name(attachment.group("name")))
    if _DOC_NUMBER.match(line):
        return ("document_number", line)
    if re.fullmatch(r"(?:相关)?附件\s*\d*\s*[::]?", line):
        return ("drop", "attachment")
    reason = drop_reason(line)
    return ("drop", reason) if reason else ("keep", None)


def remove_boilerplate(lines: list[str]) -> Boilerplate:
    """Drop furniture lines; parse metadata rows, attachment names and document numbers.

    Each distinct line is judged once: a page of 100,000 identical paragraphs costs one
    judgement, not 100,000 (issue 13).
    """
    result = Boilerplate(lines=[])
    verdicts: dict[str, tuple] = {}

    def drop(reason: str) -> None:
        result.dropped[reason] = result.dropped.get(reason, 0) + 1

    in_related = False
    lines = _join_label_lines(_tidy_lines(lines))
    for line in lines:
        if not line:
            continue
        verdict = verdicts.get(line)
        if verdict is None:
            verdict = verdicts[line] = _verdict(line)
        what, payload = verdict
        if what == "related":
            in_related = True  # a list of links to other documents follows
            drop("related")
            continue
        if in_related:
            if len(line) <= 60 and "。" not in line:
                drop("related")
                continue
            in_related = False
        if what == "metadata":
            fields = payload
            result.field_rows.append(fields)
            for label, value in fields.items():
                if value and label not in result.fields:
                    result.fields[label] = value
            if result.headline is None and _HEADLINE_LABELS & set(fields) and 0 < len(result.lines) <= 8 \
                    and not any("。" in kept or len(kept) > 60 for kept in result.lines):
                above = result.lines[-1]
                if len(above) <= 40 and not re.search(r"[。,;:!?]", above):
                    result.headline = above
            drop("metadata")
        elif what == "index_number":
            result.fields.setdefault("索引号", payload)
            drop("metadata")
        elif what == "url":
            result.urls.append(payload)  # a dump often records where it was saved from
            drop("url")
        elif what == "attachment":
            if not result.lines and result.file_title is None and not result.attachments:
                result.file_title = re.sub(r"\.[A-Za-z]{2,4}$", "", payload)
            if payload not in result.attachments:
                result.attachments.append(payload)
            drop("attachment")
        elif what == "document_number":
            result.document_numbers.append(payload)
            drop("document_number")
        elif what == "drop":
            drop(payload)
        else:
            result.lines.append(line)
    LOGGER.debug("boilerplate dropped: %s", result.dropped)
    return result
