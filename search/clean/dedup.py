"""Duplicated bodies: portal pages often carry the report twice (a print copy), or repeat its tail.

We keep the first complete copy. A line is a repeat when its text was seen before and is
long enough to be unambiguous, or when it is a short line (heading, signature, date) that
was seen before and sits next to a repeat. A copy cut short (…落实) counts as a repeat of
the full line; when the *first* copy is the cut one, the full text takes its place.
"""
from __future__ import annotations

import logging
import re

LOGGER = logging.getLogger(__name__)

_KEY = re.compile(r"[\W_]+")
_LONG = 30  # characters of text: a line this long seen twice is a repeat wherever it is
_PREFIX = 20  # a cut copy must keep at least this much to be recognised


def line_key(line: str) -> str:
    """The comparable form of a line: no punctuation, no spaces."""
    return _KEY.sub("", line)


_MIN_RUN = 3  # consecutive short lines repeating an earlier run in the same order: a repeated tail
_RECENT = 4  # earlier places of a line compared (tables one cell per line repeat "0" hundreds of times)
_MAX_RUN = 400  # lines compared per run


def _mark_repeated_runs(keys: list[str], repeat: list[bool]) -> None:
    """A tail of short lines (五、… / 政策解读形式较为单一。 / 六、…) repeated in order is a repeat.

    Each line alone is too short to call a repeat; the same sequence again is not chance.
    """
    positions: dict[str, list[int]] = {}
    index = 0
    while index < len(keys):
        key = keys[index]
        best = 0
        if key and not repeat[index]:
            for earlier in positions.get(key, [])[-_RECENT:]:
                length = 0
                while (length < _MAX_RUN and index + length < len(keys) and earlier + length < index
                       and keys[earlier + length] and keys[earlier + length] == keys[index + length]):
                    length += 1
                best = max(best, length)
        run = keys[index:index + best]
        if best >= _MIN_RUN and sum(map(len, run)) >= 20 and max(map(len, run)) >= 8:
            for offset in range(best):
                repeat[index + offset] = True
                positions.setdefault(keys[index + offset], []).append(index + offset)
            index += best
        else:
            positions.setdefault(key, []).append(index)
            index += 1


def remove_duplicate_lines(lines: list[str]) -> tuple[list[str], int]:
    """Drop repeated copies of the body; returns (lines kept, number of lines dropped)."""
    keys = [line_key(line) for line in lines]
    kept_text = list(lines)
    first_index: dict[str, int] = {}
    repeat = [False] * len(lines)
    by_prefix: dict[str, list[tuple[str, int]]] = {}  # a long line's first characters → its key
    for index, key in enumerate(keys):
        if not key:
            repeat[index] = True
            continue
        if key in first_index:
            repeat[index] = len(key) >= _LONG
            continue
        if len(key) >= _PREFIX:
            candidates = by_prefix.setdefault(key[:_PREFIX], [])
            for earlier_key, earlier in candidates:
                if earlier_key.startswith(key):
                    repeat[index] = True  # a cut copy of an earlier line
                    break
                if key.startswith(earlier_key):
                    kept_text[earlier] = lines[index]  # the earlier copy was the cut one
                    repeat[index] = True
                    break
            if repeat[index]:
                continue
            candidates.append((key, index))
        first_index[key] = index
    _mark_repeated_runs(keys, repeat)
    # Short lines seen before (headings, signature, date) go with the repeat they sit in.
    changed = True
    while changed:
        changed = False
        for index, key in enumerate(keys):
            if repeat[index] or key not in first_index or first_index[key] == index:
                continue
            neighbours = [repeat[i] for i in (index - 1, index + 1) if 0 <= i < len(lines) and keys[i]]
            if any(neighbours):
                repeat[index] = changed = True
    kept = [kept_text[i] for i in range(len(lines)) if not repeat[i]]
    dropped = sum(1 for i in range(len(lines)) if repeat[i] and keys[i])
    if dropped:
        LOGGER.debug("dropped %d repeated lines", dropped)
    return kept, dropped
