"""Report text → paragraphs, each with the headings it sits under (its section path).

Chinese reports number their headings by level: 第一部分 / 一、 / (一) / 1. / (1) / 一是.
Headings are often run in: ``(一)强统筹抓推进,党的领导更加有力。县委县政府…`` is a
heading plus the start of its paragraph, and document-sharing dumps run the whole report
together on one line. Headings become section paths; they are never paragraphs.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from .vocab import vocabulary

LOGGER = logging.getLogger(__name__)

_SECTIONS = vocabulary("sections")  # the mandated section names, as data (search/data/cleaner/sections.toml)
_CN = "一二三四五六七八九十"
# (rank, pattern) — rank orders levels from the top; the first match at a position wins.
_ENUMERATORS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (0, re.compile(rf"第[{_CN}]{{1,3}}(?:部分|章|篇)\s*")),
    (1, re.compile(rf"[{_CN}]{{1,3}}\s*[、.]\s*")),
    (2, re.compile(rf"\(\s*[{_CN}]{{1,3}}\s*\)\s*[、.]?\s*")),
    (3, re.compile(r"\d{1,2}\s*[.、](?!\d)\s*")),
    (4, re.compile(r"(?:\(\s*\d{1,2}\s*\)|[①②③④⑤⑥⑦⑧⑨⑩])\s*[、.]?\s*")),
    (5, re.compile(rf"(?:[{_CN}]{{1,2}}|第[{_CN}]{{1,2}})是")),
)
_LIST_RANK = 5
TABLE_MARK = "\u2063"  # set by the extractor before a data table flattened into one line
ROW_SEPARATOR = ";"  # rows of a data table, kept in one paragraph (a row alone means nothing)
_MAX_HEADING = 40  # a run-in heading longer than this is a sentence, not a heading
_MAX_STANDALONE = 50
_MAX_LIST_HEADING = 24  # 一是… headings are short phrases
_SENTENCE_END = "。!?;"
_MID_SPLIT = re.compile(
    rf"(?<=[{_SENTENCE_END}:])\s*(?=第[{_CN}]{{1,3}}(?:部分|章|篇)|[{_CN}]{{1,3}}、|\([{_CN}]{{1,3}}\)|\d{{1,2}}[.、](?!\d)|\(\d{{1,2}}\))"
)
# The mandated section names (DOMAIN.md) printed as a heading without a number.
_UNNUMBERED_HEADING = re.compile(
    r"^[^。;,,:!?]{0,16}(?:" + "|".join(map(re.escape, _SECTIONS["unnumbered"])) + r")[^。;,,!?]{0,16}$"
)
# The mandated section names (longest first), for headings run into their text with no
# punctuation at all (document-sharing dumps): cut right after the name, not after the last cue word.
_MANDATED_RUNIN = re.compile(r"[^。,;:!?]{0,20}?(?:" + "|".join(map(re.escape, _SECTIONS["run_in"])) + ")")
_LIST_ITEM = re.compile(rf"\s*(?:[{_CN}]{{1,2}}|第[{_CN}]{{1,2}})是")
_LIST_SPLIT = re.compile(rf"(?:(?<=^)|(?<=[{_SENTENCE_END}:]))\s*(?=(?:[{_CN}]{{1,2}}|第[{_CN}]{{1,2}})是)")
# Words a heading ends on, for headings run into their text with no punctuation at all
# (一、…有关情况区委书记…): the mandated section names of the two report kinds end this way.
_HEADING_END_CUE = re.compile("|".join(_SECTIONS["heading_end"]))
_ANY_ENUMERATOR_INSIDE = re.compile(rf"\([{_CN}]{{1,3}}\)|(?<![{_CN}第])[{_CN}]{{1,2}}是|(?<=[^\d.])\d{{1,2}}[.、](?!\d)")


@dataclass(frozen=True)
class Block:
    """A paragraph's text and its section path, before enrichment."""

    text: str
    section_path: tuple[str, ...]


def enumerator(text: str) -> tuple[int, int] | None:
    """(rank, length) of the heading number the text starts with, or None.

    >>> enumerator("(一)改革引领")
    (2, 3)
    >>> enumerator("2022年,我区") is None
    True
    """
    for rank, pattern in _ENUMERATORS:
        match = pattern.match(text)
        if match:
            if rank == 1 and text[match.end():match.end() + 1] in ("二", "三", "四", "五") and text[1:2] == "、" and "级" in text[:8]:
                return None  # 一、二级 is a list of levels, not a heading
            return rank, match.end()
    return None


def _clean_heading(text: str) -> str:
    return text.strip().rstrip("。.;:,,").strip()


def split_heading(segment: str) -> tuple[str | None, int | None, str]:
    """Split a segment into (heading, rank, rest); heading is None when it does not start one.

    >>> split_heading("(一)强统筹抓推进,党的领导更加有力。县委县政府切实把法治政府建设摆在重要位置。")
    ('(一)强统筹抓推进,党的领导更加有力', 2, '县委县政府切实把法治政府建设摆在重要位置。')
    >>> split_heading("一是依法行政统筹推进力度有待进一步加强。部分行政机关法治建设工作机制有待完善。")
    ('一是依法行政统筹推进力度有待进一步加强', 5, '部分行政机关法治建设工作机制有待完善。')
    """
    found = enumerator(segment)
    if not found:
        if _UNNUMBERED_HEADING.match(segment.strip()):
            return _clean_heading(segment), 1, ""  # 主要举措和成效 on its own line: a mandated section
        return None, None, segment
    rank, start = found
    limit = _MAX_LIST_HEADING if rank == _LIST_RANK else _MAX_HEADING
    if not segment[start:].strip():
        return None, None, segment
    # 1. the whole segment is a short heading line
    stripped = segment.rstrip("。 ")
    ends_sentence = segment.rstrip().endswith("。")
    if (
        rank != _LIST_RANK
        and len(stripped) <= (_MAX_STANDALONE if not ends_sentence else 20)
        and not any(p in stripped for p in "。;!?")
    ):
        return _clean_heading(segment), rank, ""
    end = min((i for i in (segment.find(p, start) for p in "。:!?") if i >= 0), default=-1)
    window = segment[start:start + limit + 1]
    # 2. heading run straight into the next-level number: 二、主要举措(一)依法履职一是…
    inner = _ANY_ENUMERATOR_INSIDE.search(window, 2) if rank != _LIST_RANK else None
    if inner and (end < 0 or start + inner.start() < end) and enumerator(segment[start + inner.start():]):
        cut = start + inner.start()
        return _clean_heading(segment[:cut]), rank, segment[cut:].strip()
    # 3a. a mandated section name run straight into its text: 二、存在的不足和原因山区乡镇…
    mandated = _MANDATED_RUNIN.match(segment, start) if rank <= 2 else None
    if mandated and len(segment) - mandated.end() >= 4 and segment[mandated.end()] not in "。,;:!?、)":
        return _clean_heading(segment[:mandated.end()]), rank, segment[mandated.end():].strip()
    # 3. run-in heading ending with 。 (or :) and followed by its text
    if 0 < end <= limit + start and segment[end + 1:].strip():
        rest = segment[end + 1:].strip()
        if rank == _LIST_RANK and enumerator(rest) and enumerator(rest)[0] == _LIST_RANK:
            return None, None, segment  # 一是…。二是…: a list of findings, not headings
        heading = segment[:end]
        if not re.search(r"[,,、]\s*\S+[,,]", heading[start:]) or rank != _LIST_RANK:
            return _clean_heading(heading), rank, rest
    if rank == _LIST_RANK:
        return None, None, segment
    # 4. heading run into its text with no punctuation: cut after the last heading word
    if end < 0 or end > start + limit:
        cues = list(_HEADING_END_CUE.finditer(window))
        if cues and len(segment) > start + cues[-1].end() + 10:
            cut = start + cues[-1].end()
            return _clean_heading(segment[:cut]), rank, segment[cut:].strip()
    return None, None, segment


def _segments(line: str) -> list[str]:
    """A line cut before heading numbers that follow a sentence end (run-together text)."""
    return [part.strip() for part in _MID_SPLIT.split(line) if part.strip()]


def _list_segments(text: str) -> list[str]:
    """Text cut before 一是/二是 items, only where the item starts with a short heading."""
    parts = [part for part in _LIST_SPLIT.split(text) if part]
    if len(parts) < 2:
        return [text]
    headed = [split_heading(part)[0] is not None for part in parts]
    # Split only a list whose items mostly open with a short heading (一是加强宣贯。…);
    # 一是…。二是…。 findings without headings stay one paragraph.
    items = [heading for part, heading in zip(parts, headed) if _LIST_ITEM.match(part)]
    if sum(items) * 2 <= len(items):
        return [text]
    merged: list[str] = []
    for part, heading in zip(parts, headed):
        if merged and not heading:
            merged[-1] += part
        else:
            merged.append(part)
    return [part.strip() for part in merged if part.strip()]


def _join_bare_numbers(lines: list[str]) -> list[str]:
    """A heading number alone on its line (<span>一、</span> in its own block) joins the next line."""
    joined: list[str] = []
    pending = ""
    for line in lines:
        found = enumerator(line.strip() + "x")
        if found and found[1] >= len(line.strip()) and len(line.strip()) <= 6:
            pending += line.strip()
            continue
        joined.append(pending + line if pending else line)
        pending = ""
    if pending:
        joined.append(pending)
    return joined


_CELL_MAX = 12  # a table cell copied out of a PDF or Word table: a few characters on a line


def _is_cell(line: str) -> bool:
    text = line.strip()
    return (0 < len(text) <= _CELL_MAX and not re.search(r"[。;!?:]", text) and enumerator(text) is None
            and not _UNNUMBERED_HEADING.match(text) and not text.startswith(TABLE_MARK))


def _join_cell_runs(lines: list[str]) -> list[str]:
    """Three or more one-cell lines in a row (规章 / 0 / 0 / 5) are a table row: one line."""
    joined: list[str] = []
    run: list[str] = []
    for line in [*lines, None]:
        if line is not None and _is_cell(line):
            run.append(line.strip())
            continue
        if len(run) >= 3:
            joined.append(TABLE_MARK + " ".join(run))
        else:
            joined.extend(run)
        run = []
        if line is not None:
            joined.append(line)
    return joined


def build_blocks(lines: list[str]) -> list[Block]:
    """Lines of report text → paragraphs with section paths; heading lines become paths.

    >>> [(b.text, b.section_path) for b in build_blocks(["一、主要举措", "(一)依法行政。全面推进。", "二、存在的不足", "一是意识不强。部分干部学法不够。"])]
    [('全面推进。', ('一、主要举措', '(一)依法行政')), ('部分干部学法不够。', ('二、存在的不足', '一是意识不强'))]
    """
    # First pass: a stream of headings (rank, text, raw) and paragraphs (text, list heading).
    events: list[tuple] = []
    for line in _join_cell_runs(_join_bare_numbers(lines)):
        if line.startswith(TABLE_MARK):
            events.append(("text", line[len(TABLE_MARK):].strip(), None))  # a table is one paragraph
            continue
        for segment in _segments(line):
            rest = segment
            while rest:
                heading, rank, remainder = split_heading(rest)
                if heading is None or rank == _LIST_RANK:
                    break
                raw = rest[: len(rest) - len(remainder)].strip() if remainder else rest
                events.append(("heading", rank, heading, raw))
                rest = remainder
            for part in _list_segments(rest) if rest else ():
                heading, rank, remainder = split_heading(part)
                if heading is not None and rank == _LIST_RANK:
                    events.append(("text", remainder, heading)) if remainder else None
                else:
                    events.append(("text", part, None))
    # Second pass: a "heading" with nothing under it (followed by a heading of its level or
    # above, or by the end) was a short numbered item, not a heading: keep it as text.
    stack: list[tuple[int, str]] = []
    blocks: list[Block] = []
    for index, event in enumerate(events):
        if event[0] == "heading":
            _, rank, heading, raw = event
            following = next((e for e in events[index + 1:]), None)
            if following is None or (following[0] == "heading" and following[1] <= rank):
                blocks.append(Block(raw, tuple(h for r, h in stack if r < rank)))
                continue
            while stack and stack[-1][0] >= rank:
                stack.pop()
            stack.append((rank, heading))
        else:
            _, text, list_heading = event
            path = tuple(h for _, h in stack) + ((list_heading,) if list_heading else ())
            blocks.append(Block(text, path))
    return blocks


_SENTENCE = re.compile(r"[^。!?;]+[。!?;]?")
_KEY = re.compile(r"[\W_]+")


def drop_repeated_sentences(blocks: list[Block], *, min_chars: int = 12) -> list[Block]:
    """Remove sentences already seen earlier in the report (a repeated body inside one line)."""
    seen: set[str] = set()
    kept: list[Block] = []
    for block in blocks:
        sentences = []
        for sentence in _SENTENCE.findall(block.text):
            key = _KEY.sub("", sentence)
            if len(key) >= min_chars:
                # also a repeat: a seen sentence with a short prefix run into it (a title
                # glued to the first sentence of a second copy)
                if any(key[start:] in seen for start in range(0, min(41, len(key) - min_chars + 1))):
                    continue
                seen.add(key)
            sentences.append(sentence)
        text = "".join(sentences).strip()
        if text and re.search(r"[\u4e00-\u9fff\d]", text):
            kept.append(Block(text, block.section_path))
    return kept
