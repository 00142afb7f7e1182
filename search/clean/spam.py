"""Mirror-site spam: gambling and adult names injected into copied government pages.

Hijacked mirrors insert lines advertising gambling or adult sites and even replace words inside
sentences. Injected words cannot be undone reliably, so the page is flagged
(``mirror_spam``) for the UI to warn and for a clean copy of the same report to win;
lines that are nothing but spam are dropped. The spam words live in
``search/data/cleaner/spam.toml``; a mirror's own brands are learnt from its ad lines.
"""
from __future__ import annotations

import logging
import re

from ..vocab import section

LOGGER = logging.getLogger(__name__)

_STRONG_RE = re.compile("|".join(map(re.escape, section("spam", "strong"))), re.IGNORECASE)
_VICE_RE = re.compile("|".join(map(re.escape, section("spam", "vice"))))
_ENFORCEMENT = re.compile(section("spam", "enforcement"))
_WEAK_RE = re.compile("|".join(map(re.escape, section("spam", "weak"))), re.IGNORECASE)
_SPAM_DOMAIN = re.compile(section("spam", "domains"), re.IGNORECASE)


def spam_score(text: str) -> int:
    """How many gambling-spam terms a text holds (strong terms count three)."""
    return 3 * len(_STRONG_RE.findall(text)) + len(_WEAK_RE.findall(text)) + 2 * len(_SPAM_DOMAIN.findall(text))


_TOKEN_SPLIT = re.compile(r"[\s,。;:|/_()【】\[\]<>《》“”!?、-]+")
_LATIN = re.compile(r"[A-Za-z]")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _ad_glue(line: str) -> bool:
    """开元棋牌 pg电子 bet365 官方网址: space-separated brand tokens, no sentence punctuation."""
    return not re.search(r"[,。;]", line) and len(line.split()) >= 3 and spam_score(line) >= 3


def is_spam_line(line: str) -> bool:
    """A short line that is an advertisement rather than report text."""
    if len(line) > 120 or spam_score(line) < 2:
        return False
    if _ad_glue(line):
        return True
    rest = _SPAM_DOMAIN.sub("", _WEAK_RE.sub("", _STRONG_RE.sub("", line)))
    # What is left once the spam terms are gone: report text, or just ad glue (注册送38元)?
    return len(re.findall(r"[\u4e00-\u9fff]", rest)) < 12


def remove_spam(lines: list[str]) -> tuple[list[str], bool]:
    """Drop spam-only lines; returns (lines kept, whether the page looks like a spammed mirror)."""
    kept = [line for line in lines if not is_spam_line(line)]
    text = "\n".join(lines)
    vice = sum(1 for match in _VICE_RE.finditer(text) if not _ENFORCEMENT.search(text[max(0, match.start() - 12):match.start()]))
    strong = len(_STRONG_RE.findall(text)) + len(_SPAM_DOMAIN.findall(text)) + (vice if vice >= 2 else 0)
    # Weak terms (娱乐, 彩票) occur in real reports (娱乐场所执法检查): only many of them count.
    flagged = strong >= 1 or len(_WEAK_RE.findall(text)) >= 6
    if flagged:
        LOGGER.info("mirror spam detected (%d strong terms, %d lines dropped)", strong, len(lines) - len(kept))
    return kept, flagged


def spam_vocabulary(lines: list[str]) -> set[str]:
    """The brand tokens a spammed page advertises (ag真人, 开元棋牌), read from its ad lines.

    Mirrors replace report words with the same brands they advertise, so a brand learnt
    from an ad line can be stripped inside sentences even when no fixed list knows it.
    A token counts when it mixes Latin letters and Chinese (pg电子) or carries a gambling
    term and is longer than that term (开元棋牌, not 棋牌 alone, which a report may use).
    """
    terms: set[str] = set()
    for line in lines:
        if not line or len(line) > 120 or spam_score(line) < 3:
            continue
        for token in _TOKEN_SPLIT.split(line):
            mixed = bool(_LATIN.search(token) and _HAN.search(token))
            branded = bool(_STRONG_RE.search(token) or _WEAK_RE.search(token)) and \
                _WEAK_RE.sub("", _STRONG_RE.sub("", token)) != "" and len(token) >= 3
            if 2 <= len(token) <= 12 and (mixed or branded):
                terms.add(token)
    return terms


def strip_inline_spam(text: str, vocabulary: set[str] | frozenset[str] = frozenset()) -> str:
    """Remove spam terms left inside sentences (the sentence stays, minus the term).

    >>> strip_inline_spam("坚持以习近平pg电子思想为指导", {"pg电子"})
    '坚持以习近平思想为指导'
    """
    for term in sorted(vocabulary, key=len, reverse=True):
        text = text.replace(term, "")
    return _STRONG_RE.sub("", text)
