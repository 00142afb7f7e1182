"""The benchmark's query sets, chosen from the corpus vocabulary by document frequency.

Four classes, each a list of what a user would type (the same text goes to both
engines, and each engine tokenises it with jieba itself):

* ``rare``: one word found in only a few paragraphs;
* ``common``: 法治 and the other most frequent words (facets over a large share of the corpus);
* ``and``: two mid-frequency words that occur in the same paragraph (``行政复议 案件``);
* ``phrase``: two adjacent words as a quoted phrase (``"推进 依法行政"`` typed as one string);
* ``question``: a natural-language question of 5–8 words, typed without spaces as people
  ask (``行政复议案件办理情况如何``): a run of the corpus's own words with a question
  ending. govsearch plans it (fillers ignored, partial matches ranked); the FTS5 side
  runs its words with OR and ranks by bm25 (what a "match" query does elsewhere).

A word qualifies only if jieba reads the typed text back as exactly that word (or,
for a phrase, those two words), so the query means what the class says.
Selection is deterministic: sorted candidates, a seeded RNG.
"""
from __future__ import annotations

import random
import re
import statistics
from dataclasses import dataclass

CLASSES = ("rare", "common", "and", "phrase", "question")
QUESTION_ENDINGS = ("有哪些", "情况如何", "有多少件", "是否开展", "做了哪些工作", "怎样推进", "共多少条")
ANCHOR_TERM = "法治"  # the example of a common term
_HAN_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}$")


@dataclass(frozen=True)
class BenchQuery:
    """What the user types; ``phrase`` tells the FTS5 side to search the words as one phrase."""

    kind: str
    text: str
    phrase: bool = False
    any_word: bool = False  # FTS5 side: OR of the words (questions)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "text": self.text, "phrase": self.phrase, "any_word": self.any_word}


def rare_band(paragraphs: int) -> tuple[int, int]:
    """Document frequencies that count as rare at this corpus size."""
    return 2, max(20, paragraphs // 5000)


def choose_queries(frequencies: dict[str, int], samples: list[list[str]], paragraphs: int,
                   per_class: int = 200, seed: int = 7, tokenize=None) -> dict[str, list[BenchQuery]]:
    """``per_class`` queries of each class (a class with fewer distinct candidates repeats them in order)."""
    if tokenize is None:
        from bench_fts5 import tokens as tokenize
    rng = random.Random(f"queries:{seed}")

    def whole(word: str) -> bool:
        return bool(_HAN_WORD.match(word)) and tokenize(word) == [word]

    low, high = rare_band(paragraphs)
    rare = sorted(w for w, df in frequencies.items() if low <= df <= high and _HAN_WORD.match(w))
    rng.shuffle(rare)
    rare = [w for w in rare[: per_class * 3] if whole(w)][:per_class]

    by_frequency = sorted((w for w in frequencies if _HAN_WORD.match(w)), key=lambda w: (-frequencies[w], w))
    common = [w for w in by_frequency[:60] if whole(w)][:20]
    if ANCHOR_TERM in frequencies and whole(ANCHOR_TERM):
        common = [ANCHOR_TERM] + [w for w in common if w != ANCHOR_TERM][:19]

    mid_low, mid_high = max(3, paragraphs // 500), max(4, paragraphs // 20)
    pairs, phrases, questions = [], [], []
    order = list(range(len(samples)))
    rng.shuffle(order)
    for index in order:
        tokens = samples[index]
        usable = [t for t in dict.fromkeys(tokens) if _HAN_WORD.match(t) and mid_low <= frequencies.get(t, 0) <= mid_high]
        if len(usable) >= 2 and len(pairs) < per_class:
            first, second = rng.sample(usable, 2)
            if whole(first) and whole(second):
                pairs.append(f"{first} {second}")
        adjacent = [(a, b) for a, b in zip(tokens, tokens[1:]) if _HAN_WORD.match(a) and _HAN_WORD.match(b)
                    and frequencies.get(a, 0) >= mid_low and frequencies.get(b, 0) >= mid_low]
        if adjacent and len(phrases) < per_class:
            a, b = rng.choice(adjacent)
            if tokenize(a + b) == [a, b]:
                phrases.append(a + b)
        if len(questions) < per_class:
            question = _question(tokens, frequencies, mid_low, rng)
            if question:
                questions.append(question)
        if len(pairs) >= per_class and len(phrases) >= per_class and len(questions) >= per_class:
            break
    return {
        "rare": _fill([BenchQuery("rare", w) for w in rare], per_class),
        "common": _fill([BenchQuery("common", w) for w in common], per_class),
        "and": _fill([BenchQuery("and", p) for p in dict.fromkeys(pairs)], per_class),
        "phrase": _fill([BenchQuery("phrase", f'"{p}"', phrase=True) for p in dict.fromkeys(phrases)], per_class),
        "question": _fill([BenchQuery("question", q, any_word=True) for q in dict.fromkeys(questions)], per_class),
    }


def _question(tokens: list[str], frequencies: dict[str, int], low: int, rng) -> str | None:
    """3–5 consecutive words of a paragraph (each in at least ``low`` paragraphs) and a
    question ending: 5–8 words in all."""
    size = rng.choice((3, 4, 5))
    runs = [tokens[i : i + size] for i in range(len(tokens) - size + 1)
            if all(_HAN_WORD.match(t) and frequencies.get(t, 0) >= low for t in tokens[i : i + size])]
    if not runs:
        return None
    return "".join(rng.choice(runs)) + rng.choice(QUESTION_ENDINGS)


def _fill(queries: list[BenchQuery], count: int) -> list[BenchQuery]:
    if not queries:
        return []
    return [queries[i % len(queries)] for i in range(count)]


def latency_summary(seconds: list[float]) -> dict:
    """Median and p95 (nearest rank) in milliseconds."""
    if not seconds:
        return {"count": 0, "median_ms": None, "p95_ms": None, "mean_ms": None}
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, max(0, -(-95 * len(ordered) // 100) - 1))]
    return {"count": len(ordered), "median_ms": round(statistics.median(ordered) * 1000, 3),
            "p95_ms": round(p95 * 1000, 3), "mean_ms": round(statistics.fmean(ordered) * 1000, 3)}
