"""What kind of page this is: one of the two annual reports, another report, or a page about one.

The kind is a classification, never a gate: every page with text is stored, and the kind
says what it is (``kind``), what exactly when it is another document (``detail``:
政府工作报告, 工作要点, 政策解读 …) and why we think so (``reason``).

Evidence, strongest first: the title (解读, 通知, 工作要点, …年度报告), then the body —
who speaks and how (an interpretation, a speech to a people's congress, a notice handing a
document down, third-person news), the opening formula of each annual report (根据《政府信息
公开条例》…编制 / 2023年,在…领导下,…), its announcement (现将…情况报告如下), its
mandated sections as headings and its vocabulary. The cue words live in
``search/data/cleaner/kinds.toml``.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from ..models import DISCLOSURE_REPORT, LAW_REPORT, NOT_A_REPORT, OTHER_REPORT
from ..vocab import pattern, patterns, section

LOGGER = logging.getLogger(__name__)

_HEADING_START = re.compile(r"^\s*(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+\s*[、.]|\([一二三四五六七八九十]+\)|\d{1,2}[.、])")
_BOOK = re.compile(r"《[^》]*》")
_HEAD_CHARS = 4000


@dataclass(frozen=True)
class Kind:
    """A page's kind, what exactly it is (for 其他报告 and 非报告), and the evidence."""

    kind: str
    detail: str | None = None
    reason: str = ""


def _title_detail(title: str) -> str | None:
    for cue, detail in section("kinds", "title", "detail").items():
        if re.search(cue, title):
            return detail
    return None


def _heading_like(lines: list[str]) -> str:
    """The short or numbered lines and sentence pieces: where section names are, not sentences citing them."""
    pieces = [piece for line in lines for piece in re.split(r"[。]", line)]
    return "\n".join(piece.strip() for piece in pieces if len(piece.strip()) <= 40 or _HEADING_START.match(piece))


def _count(cues, text: str) -> int:
    return sum(1 for cue in cues if cue.search(text))


@dataclass(frozen=True)
class _Evidence:
    """The body's evidence for each kind, with the cues that gave it (for kind_reason)."""

    disclosure: int
    law: int
    cues: dict[str, list[str]]


def _body_evidence(lines: list[str]) -> _Evidence:
    head_lines = []
    size = 0
    for line in lines:
        head_lines.append(line)
        size += len(line)
        if size > _HEAD_CHARS:
            break
    head = "\n".join(head_lines)
    opening = "\n".join(head_lines[:4])[:600]
    headings = _heading_like(head_lines)
    cues: dict[str, list[str]] = {"disclosure": [], "law": []}

    disclosure = 0
    if pattern("kinds", "body", "disclosure", "formula").search(opening):
        disclosure += 2
        cues["disclosure"].append("条例 formula")
    formulas = _count(patterns("kinds", "body", "disclosure", "formula"), head)
    if formulas >= 2:
        disclosure += 1
        cues["disclosure"].append(f"{formulas} formulas")
    if pattern("kinds", "body", "disclosure", "mention").search(head):
        disclosure += 1
        cues["disclosure"].append("names the report")
    sections = _count(patterns("kinds", "body", "disclosure", "sections"), headings)
    if sections >= 2:
        disclosure += min(sections - 1, 3)
        cues["disclosure"].append(f"{sections} mandated sections")

    law = 0
    if any(pattern("kinds", "body", "law", "opener").search(line.strip()) for line in head_lines[:3]):
        law += 1
        cues["law"].append("annual opener")
    announce = pattern("kinds", "body", "law", "announce").search(head)
    if announce:
        law += 1
        cues["law"].append("announces a report")
        sentence = head[max(0, announce.start() - 40):announce.end()]
        if re.search(r"法治|依法行政", sentence):
            law += 1
    mentions = len(pattern("kinds", "body", "law", "mention").findall(head))
    if mentions:
        law += 1 if mentions < 3 else 2
        cues["law"].append(f"法治 ×{mentions}")
    if pattern("kinds", "body", "law", "charter").search(head):
        law += 1
        cues["law"].append("cites the 纲要")
    law_sections = _count(patterns("kinds", "body", "law", "sections"), headings)
    if law_sections:
        law += min(law_sections, 2)
        cues["law"].append(f"{law_sections} section cues")
    return _Evidence(disclosure, law, cues)


def _body_kind(lines: list[str], evidence: _Evidence) -> Kind | None:
    """Kind from the body alone: None when it is not recognisably an annual report."""
    if evidence.disclosure >= 3 and evidence.disclosure >= evidence.law - 1:
        return Kind(DISCLOSURE_REPORT, reason="body: " + ", ".join(evidence.cues["disclosure"]))
    if evidence.law >= 3 and evidence.law > evidence.disclosure:
        return Kind(LAW_REPORT, reason="body: " + ", ".join(evidence.cues["law"]))
    return None


def _what_the_body_is(lines: list[str]) -> Kind | None:
    """A page about a report, a notice, a speech or news, recognised by how it speaks."""
    opening = [line.strip() for line in lines[:6]]
    first = "\n".join(opening)[:400]
    if pattern("kinds", "body", "interpretation").search(first) or \
            sum(bool(pattern("kinds", "body", "interpretation_headings").search(line.strip())) for line in lines[:30]) >= 2:
        return Kind(NOT_A_REPORT, "政策解读", "body: explains a report (解读)")
    if _count((pattern("kinds", "body", "work_report"),), first) and \
            sum(bool(cue.search(line)) for cue in patterns("kinds", "body", "work_report") for line in opening) >= 2:
        return Kind(OTHER_REPORT, "政府工作报告", "body: addressed to a people's congress (各位代表)")
    if sum(bool(cue.search(line)) for cue in patterns("kinds", "body", "notice") for line in opening) >= 2:
        return Kind(NOT_A_REPORT, "通知", "body: a notice handing a document down")
    if any(pattern("kinds", "body", "news").search(line) for line in opening[:2]):
        return Kind(NOT_A_REPORT, "新闻报道", "body: third-person news of an event")
    if pattern("kinds", "body", "plan").search(first):
        return Kind(OTHER_REPORT, "工作计划", "body: a plan (制定本方案)")
    return None


def _annual_kind_of_title(title: str) -> str | None:
    if pattern("kinds", "title", "disclosure").search(title):
        return DISCLOSURE_REPORT
    if pattern("kinds", "title", "law").search(title):
        return LAW_REPORT
    return None


def classify(title: str | None, lines: list[str]) -> Kind:
    """The kind of a page from its title (may be None) and its body lines (normalised, simplified).

    >>> classify("《某县2023年政府信息公开工作年度报告》解读", []).detail
    '政策解读'
    >>> classify(None, ["2023年,某县在县委的坚强领导下,深入推进法治政府建设,落实《法治政府建设实施纲要》。",
    ...                  "一、主要举措和成效"]).kind
    '法治政府建设年度报告'
    """
    text = "\n".join(lines)
    evidence = _body_evidence(lines)
    by_body = _body_kind(lines, evidence)
    if title:
        found = _classify_title(title, text, by_body)
        if found is not None:
            return found
    about = _what_the_body_is(lines)
    if about is not None and not (by_body and about.kind == OTHER_REPORT and about.detail == "工作计划"):
        return about
    if by_body is not None:
        return by_body
    if pattern("kinds", "body", "law", "announce").search(text[:_HEAD_CHARS]) or \
            any(pattern("kinds", "body", "law", "opener").search(line.strip()) for line in lines[:2]):
        return Kind(OTHER_REPORT, None, "body: speaks as a report on the year, of no annual kind we know")
    if title and "报告" in title:
        return Kind(OTHER_REPORT, None, "title: a report of another kind")
    return Kind(NOT_A_REPORT, None, "no evidence of a report in the title or the body")


def _classify_title(title: str, text: str, by_body: Kind | None) -> Kind | None:
    """Kind from the title, or None when the title does not decide it."""
    interpretation = pattern("kinds", "title", "interpretation").search(title)
    if interpretation:
        return Kind(NOT_A_REPORT, "政策解读", f"title: {interpretation.group(0)}")
    notice = re.compile("(?:" + "|".join(section("kinds", "title", "notice_end")) + ")$")
    outside = _BOOK.sub("", title).strip(" ,,。")
    if outside != title.strip(" ,,。") and outside and not re.search(r"报告|年报", outside):
        # 召开会议审议《…年度报告》: about a report; 关于公布《…年度报告》的通知 often carries
        # the whole report, recognisable by its mandated sections
        carried = _kind_from_sections(text)
        if carried:
            return Kind(carried, None, "title names a report in 《》 and the body carries its sections")
        return Kind(NOT_A_REPORT, "通知" if notice.search(title) else "新闻报道", "title: about a report named in 《》")
    if notice.search(title):
        carried = _kind_from_sections(text)
        if carried:
            return Kind(carried, None, "title: a notice whose body carries the report's sections")
        return Kind(NOT_A_REPORT, "通知", "title: a notice")
    news = pattern("kinds", "title", "news").search(title)
    is_report = bool(pattern("kinds", "title", "report_end").search(title)) or \
        (bool(pattern("kinds", "title", "summary").search(title)) and not news)
    if is_report and pattern("kinds", "title", "release").match(title):
        carried = _kind_from_sections(text)
        if carried:
            return Kind(carried, None, "title announces a release and the body carries the report")
        return Kind(NOT_A_REPORT, "新闻报道", "title: news that a report was released")
    if is_report and news and pattern("kinds", "title", "meeting").search(title):
        # 某某区召开常务会议审议2023年法治政府建设年度报告: news of a meeting about the report
        carried = _kind_from_sections(text)
        if carried:
            return Kind(carried, None, "title reports a meeting, but the body carries the report's sections")
        return Kind(NOT_A_REPORT, "新闻报道", f"title: news of a meeting ({news.group(0)})")
    detail = _title_detail(title)
    annual = _annual_kind_of_title(title)
    if is_report and annual and detail in (None, "履职报告"):
        return Kind(annual, None, f"title: {title}")
    if detail and not news:
        return Kind(OTHER_REPORT, detail, f"title: a {detail}")
    if is_report:
        if by_body is not None:
            return Kind(by_body.kind, None, f"title names a report; {by_body.reason}")
        return Kind(OTHER_REPORT, None, "title: a report of another kind")
    if news:
        carried = _kind_from_sections(text)
        if carried:
            return Kind(carried, None, "news title, but the body carries the report's sections")
        return Kind(NOT_A_REPORT, "新闻报道", f"title: news ({news.group(0)})")
    return None  # the title says nothing about the kind (a bare issuer name, a column name)


_LAW_SECTIONS = (r"主要举措|举措和成效|主要成效", r"存在的不足|存在问题|存在的主要问题|不足和原因", r"第一责任人",
                 r"工作安排|主要安排|工作思路|工作计划|工作打算|主要任务|工作任务|下一步")
_DISCLOSURE_SECTIONS = (r"总体情况", r"主动公开政府信息情况", r"收到和处理政府信息公开申请情况",
                        r"行政复议、行政诉讼情况", r"存在的主要问题及改进情况", r"其他需要报告的事项")


def _kind_from_sections(text: str) -> str | None:
    """The kind of report a long text is, when it has most of that kind's mandated sections as headings.

    A notice listing what a report must contain (主要举措和成效、存在的不足…) in one
    sentence is not a report.
    """
    if len(text) < 600:
        return None
    headings = _heading_like(text.split("\n"))
    if sum(bool(re.search(cue, headings)) for cue in _DISCLOSURE_SECTIONS) >= 4:
        return DISCLOSURE_REPORT
    if sum(bool(re.search(cue, headings)) for cue in _LAW_SECTIONS) >= 3 and "法治" in text:
        return LAW_REPORT
    return None
