"""Document-sharing dumps (文库 sites): banners, page-break markers that cut sentences, OCR slips.

Such sites show a converted .docx as numbered page slices (``1、…``, ``2、…``) that
break mid-sentence: ``…市委、市政府\\n2、关于法治建设…`` must read
``…市委、市政府关于法治建设…``. The banner names the original file, which is the
report's title.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

LOGGER = logging.getLogger(__name__)

_BANNER = re.compile(r"《(?P<file>[^《》]{2,120}?)\.(?:docx?|pdf|wps|txt|pptx?)》\s*由会员分享|更多相关《|在线阅读.{0,40}《")
_BANNER_FILE = re.compile(r"《(?P<file>[^《》]{2,120}?)\.(?:docx?|pdf|wps|txt|pptx?)》")
_PAGES = re.compile(r"\((?P<pages>\d+)\s*页")
_MIN_SLICE = 120  # characters: the median page slice of a dump without a banner is at least this long
_MARKER = re.compile(r"^(?P<number>\d{1,3})、")
_SENTENCE_END = tuple("。!?;:”」』)")
# OCR confusions seen in converted documents: 98.65%o → 98.65%。, 100%O二是 → 100%。二是
_OCR_PERIOD = re.compile(r"(?<=[%%\d])[oO](?=[\u4e00-\u9fff“])")


_CN = "一二三四五六七八九十"
_PAREN_NUMBER = re.compile(rf"(?<=[。;:])\((?P<number>[{_CN}]{{1,2}}|[A-Z])\)(?=[\u4e00-\u9fff])")


def repair_ocr(text: str) -> str:
    """Fix OCR slips of converted documents: %o → %。, and (S) between (二) and (四) → (三)."""
    text = _OCR_PERIOD.sub("。", text)
    previous = 0

    def renumber(match: re.Match[str]) -> str:
        nonlocal previous
        number = match.group("number")
        if number in _CN:
            previous = _CN.index(number) + 1
            return match.group(0)
        if len(number) == 1 and number.isascii() and 0 < previous < 9:
            previous += 1
            return f"({_CN[previous - 1]})"
        return match.group(0)

    return _PAREN_NUMBER.sub(renumber, text)


@dataclass
class Docshare:
    """The text after page markers were removed, and what the banner said."""

    lines: list[str]
    is_docshare: bool = False
    file_title: str | None = None
    pages_total: int | None = None
    pages_shown: int = 0
    flags: list[str] = field(default_factory=list)


def _page_run(lines: list[str]) -> list[int]:
    """Indexes of lines that start with consecutive page markers 1、 2、 3、 …"""
    expected, indexes = 1, []
    for index, line in enumerate(lines):
        match = _MARKER.match(line)
        if match and int(match.group("number")) == expected:
            indexes.append(index)
            expected += 1
    return indexes


# A printed page's footer kept by a PDF/Word conversion: — 2 —, - 2 -, 第2页 共5页, 2/5.
_FOOTER_MARK = re.compile(
    r"^\s*(?:[-—–―－]{1,2}\s*\d{1,3}\s*[-—–―－]{1,2}|第\s*\d{1,3}\s*页(?:\s*[,/]?\s*共\s*\d{1,3}\s*页)?|\d{1,3}\s*/\s*\d{1,3})\s*$")


def join_page_footers(lines: list[str]) -> tuple[list[str], int]:
    """Drop page-footer lines; where one cut a sentence (各项工 / — 2 — / 作取得), join the halves.

    Returns the lines and how many footers cut a sentence.

    >>> join_page_footers(["各项工", "— 2 —", "作取得新进展。"])
    (['各项工作取得新进展。'], 1)
    """
    return _drop_and_join(lines, _FOOTER_MARK.match)


def join_running_headers(lines: list[str], title: str | None) -> list[str]:
    """Drop a converted PDF's running header (the title again at the top of each page).

    A page break it marks may cut a sentence: ``取得了 / 某某报告 / 明显成效`` is rejoined.

    >>> join_running_headers(["工作取得了", "某县2023年法治政府建设年度报告", "明显成效。"], "某县2023年法治政府建设年度报告")
    ['工作取得了明显成效。']
    """
    key = _key(title or "")
    if len(key) < 6:
        return lines
    return _drop_and_join(lines, lambda line: _key(line) == key)[0]


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


def _drop_and_join(lines: list[str], is_break) -> tuple[list[str], int]:
    """Drop the lines ``is_break`` marks; join the lines around one that cut a sentence."""
    joined: list[str] = []
    cuts = 0
    pending_join = False
    for line in lines:
        if is_break(line):
            previous = next((item for item in reversed(joined) if item.strip()), "")
            if previous and not previous.rstrip().endswith(_SENTENCE_END):
                pending_join = True
            continue
        if pending_join and line.strip():
            while joined and not joined[-1].strip():
                joined.pop()
            joined[-1] = joined[-1].rstrip() + line.strip()
            cuts += 1
            pending_join = False
            continue
        joined.append(line)
    return joined, cuts


def rejoin_pages(lines: list[str], page_lines: list[str] | None = None, *, converted: bool = False) -> Docshare:
    """Detect a document-sharing dump and rejoin its page slices into running text.

    ``page_lines`` is the whole page when ``lines`` is only its body container: the
    banner naming the original file usually sits outside the body. ``converted`` says the
    text is the portal's own attachment, whose page footers do not make it a 文库 copy.
    """
    lines, footer_cuts = join_page_footers(lines)
    text = "\n".join(lines[:5] + (page_lines or []))
    banner = _BANNER.search(text)
    file_match = _BANNER_FILE.search(text) if banner else None
    result = Docshare(lines=list(lines), is_docshare=bool(banner))
    if file_match:
        result.file_title = file_match.group("file").strip()
        pages = _PAGES.search(text[file_match.start():])
        if pages:
            result.pages_total = int(pages.group("pages"))
    content = [line for line in lines if line.strip()]
    markers = _page_run(content)
    # Page markers are only markers when they cut sentences: a numbered list 1、2、3、 of
    # whole sentences ends its items with punctuation.
    cut = sum(1 for index in markers[:-1] if not content[index].rstrip().endswith(_SENTENCE_END))
    # Without a banner, page slices are long (a page of text each); short numbered lines
    # (1、加强组织领导) are headings.
    lengths = sorted(len(content[index]) for index in markers[:-1])
    long_slices = bool(lengths) and lengths[len(lengths) // 2] >= _MIN_SLICE
    if len(markers) >= 3 and (banner or (cut * 2 >= len(markers) - 1 and long_slices)):
        result.is_docshare = True
        joined: list[str] = []
        first, last = markers[0], markers[-1]
        body = []
        for index in range(first, len(content)):
            line = content[index]
            if index in markers:
                line = _MARKER.sub("", line, count=1)
            body.append(line.strip())
        joined.extend(content[:first])
        joined.append(repair_ocr("".join(body)))
        result.lines = joined
        result.pages_shown = len(markers)
        LOGGER.debug("rejoined %d page slices (last marker at line %d)", len(markers), last)
    if footer_cuts >= 2 and not converted:
        # page footers cutting sentences: a converted document shown as text by a sharing site
        result.is_docshare = True
    if result.is_docshare:
        result.flags.append("docshare")
        if result.pages_total and result.pages_shown and result.pages_shown < result.pages_total:
            result.flags.append("partial_text")
    return result
