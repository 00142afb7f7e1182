"""Run-on lines: a whole page saved as one line, furniture and headings included.

Some dumps (a copied page, a text export) have no line breaks at all:
``发布日期:2024-03-28 来源:区司法局 【字体:大 中 小】 某区…报告 2023年,…。一、主要举措和成效 全区…``.
The later stages work line by line, so such a line is cut back into lines first: before
metadata labels, around 【…】 widgets, after the title, before numbered headings, and
between a heading and the text it runs into after a space.
"""
from __future__ import annotations

import logging
import re

from ..structure import TABLE_MARK

LOGGER = logging.getLogger(__name__)

_CN = "一二三四五六七八九十"
_MIN_LENGTH = 150  # only lines this long are candidates: a page's worth of text
_TOP_HEADING = re.compile(rf"(?:^|[\s。!?;:])[{_CN}]{{1,2}}、")
_CUTS = re.compile(
    r"\s+(?=(?:发布日期|发布时间|成文日期|来源|信息来源|浏览次数|访问次数|点击数|作者|字体|字号)\s*[::])"  # metadata labels
    r"|\s*(?=【[^】]{1,12}】)|(?<=】)\s*"  # 【打印本页】 widgets
    r"|(?<=报告|年报)\s+(?=\S)"  # the title, then the text
    rf"|(?<=[。!?;:\s])\s*(?=第[{_CN}]{{1,3}}部分|[{_CN}]{{1,3}}、|\([{_CN}]{{1,3}}\))"  # numbered headings
)
# 一、主要举措和成效 全区开展…: a heading run into its text after a space
_SPACED_HEADING = re.compile(rf"^((?:第[{_CN}]{{1,3}}部分\s*|[{_CN}]{{1,3}}、|\([{_CN}]{{1,3}}\))[^\s。,;:!?]{{2,40}})\s+(?=\S.{{7,}})")


def split_run_on(lines: list[str]) -> list[str]:
    """Cut page-long lines holding several numbered headings back into lines.

    >>> split_run_on(["来源:区司法局 【打印】 某区2023年法治政府建设年度报告 2023年,某区扎实推进法治政府建设,取得明显成效。"
    ...               "一、主要举措和成效 全区开展合法性审查210件,审查意见采纳率100%。二、存在的不足和原因 部分镇法治力量不足,"
    ...               "基层执法规范化水平仍需提高,法治队伍建设有待加强。三、2024年工作安排 2024年,某区将持续推进法治政府建设。"])[:6]
    ['来源:区司法局', '【打印】', '某区2023年法治政府建设年度报告', '2023年,某区扎实推进法治政府建设,取得明显成效。', '一、主要举措和成效', '全区开展合法性审查210件,审查意见采纳率100%。']
    """
    result: list[str] = []
    for line in lines:
        if len(line) < _MIN_LENGTH or TABLE_MARK in line or len(_TOP_HEADING.findall(line)) < 2:
            result.append(line)
            continue
        pieces = [piece.strip() for piece in _CUTS.split(line) if piece and piece.strip()]
        for piece in pieces:
            match = _SPACED_HEADING.match(piece)
            if match:
                result.extend([match.group(1), piece[match.end():].strip()])
            else:
                result.append(piece)
        LOGGER.debug("run-on line of %d characters cut into %d lines", len(line), len(pieces))
    return result
