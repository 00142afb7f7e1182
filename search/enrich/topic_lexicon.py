"""Topic vocabularies compiled into one matcher that reports every hit with its span.

The words live in data files, not here: ``search/data/topics.json`` (the 法治 taxonomy, its
structural label and the spelling variants), ``search/data/topics_disclosure.json`` (the
信息公开 taxonomy) and ``search/data/topics_vocab.json`` (terms mined from the bundled reports
and reviewed by hand). A topic's vocabulary is keywords (each weight 1.0 unless
``keyword_weights`` says otherwise) plus regular-expression patterns for variants a word list
cannot spell (党对法治政府建设的领导, 多证合一, 学法用法考试).

Text is matched in one form: NFKC (keywords are written with ASCII parentheses),
simplified script, and without quotation marks (``“八五”普法`` reads as 八五普法).
"""
from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from search.normalize import to_simplified

DATA = Path(__file__).resolve().parent.parent / "data"
TOPICS_FILE = DATA / "topics.json"
DISCLOSURE_FILE = DATA / "topics_disclosure.json"
VOCAB_FILE = DATA / "topics_vocab.json"

# Characters only traditional script uses: a heading of eight characters has too few for
# looks_traditional(), and converting simplified text is harmless, so one is enough.
_TRADITIONAL_HINT = re.compile("[國與務執為區會發當從來們說時對於關這還將進過權機開號聯條報縣鄉鎮廳學習貫徹實黨領導設]")
_QUOTES = str.maketrans("", "", "“”‘’\"'「」『』")
_REPEAT_CAP = 3  # the tenth 执法 in a paragraph adds nothing the third did not


class Match(NamedTuple):
    """One vocabulary hit: where it is in the matched text, which topic it speaks for, how much.

    (A NamedTuple, not a frozen dataclass: a paragraph makes dozens and building them was a
    third of the classifier's time.)
    """

    start: int
    end: int
    term: str  # the text matched (the keyword, or what a pattern found)
    topic: str
    weight: float


@dataclass(frozen=True)
class Lexicon:
    """Keywords indexed by first character (a fast scan) plus patterns, for one set of topics."""

    weights: dict[str, tuple[tuple[str, float], ...]]  # keyword → (topic, weight) pairs
    lengths: dict[str, tuple[int, ...]]  # first character → keyword lengths, longest first
    starts: re.Pattern[str] | None  # any character a keyword begins with
    prefixes: frozenset[str]  # the first two characters of every keyword: prunes most starts
    patterns: tuple[tuple[re.Pattern[str], str, float], ...]

    def find(self, text: str) -> list[Match]:
        """Every hit in text, longest first at each position; a hit overlapping an earlier
        hit of the same topic (行政执法 inside 综合行政执法) is dropped, and so is a keyword
        inside a longer keyword of another topic."""
        found: list[Match] = []
        keyword_spans: list[tuple[int, int, str]] = []
        if self.starts is not None:
            lengths, weights, prefixes = self.lengths, self.weights, self.prefixes
            for first in self.starts.finditer(text):
                start = first.start()
                if text[start : start + 2] not in prefixes:
                    continue
                for length in lengths[first.group()]:
                    keyword = text[start : start + length]
                    pairs = weights.get(keyword)
                    if pairs is not None:
                        found.extend(Match(start, start + length, keyword, topic, weight) for topic, weight in pairs)
                        if len(pairs) == 1:
                            keyword_spans.append((start, start + length, pairs[0][0]))
        for pattern, topic, weight in self.patterns:
            found.extend(Match(m.start(), m.end(), m.group(), topic, weight) for m in pattern.finditer(text) if m.end() > m.start())
        if keyword_spans:
            # The longest phrase decides: 行政执法 inside 行政执法监督 is supervision, 政务服务
            # inside 互联网+政务服务 is the digital topic, not a second topic besides it.
            found = [m for m in found if not any(a <= m.start and m.end <= b and b - a > m.end - m.start and t != m.topic
                                                 for a, b, t in keyword_spans)]
        found.sort(key=lambda m: (m.start, m.start - m.end))
        covered: dict[str, int] = {}
        counts: dict[tuple[str, str], int] = {}
        kept = []
        for match in found:
            if match.start < covered.get(match.topic, -1):
                continue
            covered[match.topic] = match.end
            seen = counts.get((match.topic, match.term), 0)
            if seen < _REPEAT_CAP:
                counts[(match.topic, match.term)] = seen + 1
                kept.append(match)
        return kept


def match_form(text: str) -> str:
    """The form vocabularies are matched in: NFKC, simplified, no quotation marks."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if _TRADITIONAL_HINT.search(text):
        text = to_simplified(text)
    return text.translate(_QUOTES)


def _variants(keyword: str, swaps: list[list[str]]) -> set[str]:
    """The keyword with each listed spelling swapped for its variant (法治 ↔ 法制, 督察 ↔ 督查)."""
    forms = {keyword}
    for pair in swaps:
        for a, b in (pair, pair[::-1]):
            forms |= {form.replace(a, b) for form in forms if a in form}
    return forms


def compile_lexicon(topics: list[dict], swaps: list[list[str]] = (), extra: dict[str, dict[str, float]] | None = None) -> Lexicon:
    """A Lexicon from taxonomy entries (id, keywords, keyword_weights, patterns) plus extra terms."""
    weights: dict[str, dict[str, float]] = {}
    patterns = []
    for topic in topics:
        own = {match_form(k): 1.0 for k in topic.get("keywords", ())}
        own.update({match_form(k): float(w) for k, w in topic.get("keyword_weights", {}).items()})
        for term, weight in (extra or {}).get(topic["id"], {}).items():
            own.setdefault(match_form(term), float(weight))
        for keyword, weight in own.items():
            for form in _variants(keyword, list(swaps)):
                if form and weight > 0 and (form == keyword or form not in own):
                    weights.setdefault(form, {}).setdefault(topic["id"], weight)
        for pattern, weight in topic.get("patterns", ()):
            patterns.append((re.compile(pattern), topic["id"], float(weight)))
    lengths: dict[str, set[int]] = {}
    for keyword in weights:
        lengths.setdefault(keyword[0], set()).add(len(keyword))
    return Lexicon(
        weights={k: tuple(v.items()) for k, v in weights.items()},
        lengths={char: tuple(sorted(sizes, reverse=True)) for char, sizes in lengths.items()},
        starts=re.compile("[" + re.escape("".join(sorted(lengths))) + "]") if lengths else None,
        prefixes=frozenset(keyword[:2] for keyword in weights),
        patterns=tuple(patterns),
    )


@functools.lru_cache(maxsize=1)
def load_data() -> tuple[dict, dict, dict]:
    """topics.json, topics_disclosure.json and topics_vocab.json (the last may be absent)."""
    topics = json.loads(TOPICS_FILE.read_text(encoding="utf-8"))
    disclosure = json.loads(DISCLOSURE_FILE.read_text(encoding="utf-8"))
    vocab = json.loads(VOCAB_FILE.read_text(encoding="utf-8")) if VOCAB_FILE.exists() else {}
    return topics, disclosure, vocab
