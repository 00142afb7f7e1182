"""Deterministic synthetic corpus for the benchmark (issue 7), written into a report store.

The sample reports' paragraphs (``samples/seeds``, ``samples/synthetic``, cleaned with
``search.clean.clean_page``) are cut into sentences, and new paragraphs of realistic
length are drawn from them with a seeded RNG. Each new paragraph keeps the section path
and topics of the source paragraph it stands for; reports of ~30 paragraphs get a
region (a few dozen, skewed), a year (2019–2024, recent years more often) and a kind
(80 % 法治政府建设, 20 % 政府信息公开).

Reusing a dozen pages' sentences alone would give a vocabulary with no long tail, so
every report also gets its own figures (digits redrawn), its own place names (region
names from ``search/data/regions.tsv`` replaced by the report's region) and, in about a
quarter of its sentences, one noun swapped for a jieba-dictionary noun drawn from a Zipf
distribution — which gives rare terms something realistic to find.

Same ``seed`` and ``size`` → the same reports, byte for byte, on any machine.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import random
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from search.models import DISCLOSURE_REPORT, LAW_REPORT, NOT_A_REPORT, Paragraph, RawPage, Region, Report

LOGGER = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
GENERATOR_VERSION = 2  # bump when the output of a given seed changes
DEFAULT_SEED = 7
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
YEARS = (2019, 2020, 2021, 2022, 2023, 2024)
YEAR_WEIGHTS = (6, 8, 11, 14, 17, 16)  # more reports are online for recent years
KINDS = ((LAW_REPORT, 0.8), (DISCLOSURE_REPORT, 0.2))
NOUN_SWAP_RATE = 0.25
_SENTENCE = re.compile(r"[^。！？；!?;]+[。！？；!?;]?")
_DIGITS = re.compile(r"\d+")
_HAN_ONLY = re.compile(r"^[\u4e00-\u9fff]+$")


def parse_size(text: str) -> int:
    """Paragraph count from 10k / 100k / 1m or a plain number."""
    lowered = str(text).strip().lower()
    if lowered in SIZES:
        return SIZES[lowered]
    match = re.fullmatch(r"(\d+)([km]?)", lowered)
    if not match:
        raise ValueError(f"not a corpus size: {text!r} (10k, 100k, 1m or a number)")
    return int(match.group(1)) * {"": 1, "k": 1000, "m": 1_000_000}[match.group(2)]


@dataclass(frozen=True)
class SourceParagraph:
    """A sample paragraph cut into sentences (each a tuple of jieba tokens)."""

    sentences: tuple[tuple[str, ...], ...]
    section_path: tuple[str, ...]
    topics: tuple[str, ...]
    length: int


def sample_pages(root: Path = SAMPLES) -> list[Path]:
    """The sample report pages the corpus is drawn from, in a fixed order."""
    pages = sorted((root / "seeds").glob("*.txt")) + sorted((root / "synthetic").glob("*.htm*"))
    return [p for p in pages if p.is_file()]


def source_reports(pages: list[Path]) -> list[list[SourceParagraph]]:
    """Each sample report's paragraphs, cut into tokenised sentences (pages about a report are left out)."""
    from search.clean import clean_page
    from search.schema import segmenter

    cut = segmenter().cut
    reports = []
    for page in pages:
        content_type = "text/plain" if page.suffix == ".txt" else "text/html"
        report = clean_page(RawPage(content=page.read_bytes(), source=page.resolve().as_uri(),
                                    content_type=content_type))
        if report.report_kind == NOT_A_REPORT or not report.paragraphs:
            continue
        paragraphs = []
        for paragraph in report.paragraphs:
            sentences = tuple(tuple(cut(s, HMM=False)) for s in _SENTENCE.findall(paragraph.text) if s.strip())
            if sentences:
                paragraphs.append(SourceParagraph(sentences, paragraph.section_path, paragraph.topics,
                                                  len(paragraph.text)))
        if paragraphs:
            reports.append(paragraphs)
    if not reports:
        raise RuntimeError(f"no sample reports found under {SAMPLES}")
    return reports


@functools.lru_cache(maxsize=1)
def _noun_tail() -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Nouns of jieba's dictionary past the most frequent, with Zipf weights by rank."""
    import jieba

    path = Path(jieba.__file__).with_name("dict.txt")
    nouns = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] in ("n", "nz", "nt", "ns") and 2 <= len(parts[0]) <= 4 \
                and _HAN_ONLY.match(parts[0]):
            nouns.append((-int(parts[1]), parts[0]))
    nouns.sort()
    words = tuple(word for _, word in nouns[2000:42000])  # skip the everyday words
    weights, total = [], 0.0
    for rank in range(len(words)):
        total += 1.0 / (rank + 10) ** 1.05
        weights.append(total)
    return words, tuple(weights)  # cumulative, for random.choices(cum_weights=…)


@functools.lru_cache(maxsize=1)
def _noun_set() -> frozenset[str]:
    import jieba

    path = Path(jieba.__file__).with_name("dict.txt")
    return frozenset(parts[0] for parts in (line.split() for line in path.read_text(encoding="utf-8").splitlines())
                     if len(parts) == 3 and parts[2].startswith("n") and len(parts[0]) >= 2)


@functools.lru_cache(maxsize=1)
def _gazetteer() -> tuple[list[tuple[str, str, str, str]], re.Pattern]:
    """(code, name, level, parent) rows of regions.tsv and a pattern for full names of 3+ characters."""
    rows = []
    for line in (ROOT / "search" / "data" / "regions.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        code, name, level, parent = line.split("\t")[:4]
        rows.append((code, name, level, parent))
    names = sorted({name for _, name, _, _ in rows if len(name) >= 3}, key=lambda n: (-len(n), n))
    return rows, re.compile("|".join(map(re.escape, names)))


def pick_regions(seed: int, provinces: int = 4) -> list[tuple[Region, float]]:
    """A few dozen regions (provinces, cities, counties) with skewed (Zipf) weights."""
    rng = random.Random(f"regions:{seed}")
    rows, _ = _gazetteer()
    by_parent: dict[str, list[tuple[str, str, str, str]]] = {}
    for row in rows:
        by_parent.setdefault(row[3], []).append(row)
    chosen: list[Region] = []
    for code, name, _, _ in rng.sample([r for r in rows if r[2] == "province"], provinces):
        chosen.append(Region(province=name, code=code))
        children = by_parent.get(code, [])
        cities = [r for r in children if r[2] == "city"]
        if not cities:  # a municipality: districts sit directly under it
            for ccode, cname, _, _ in rng.sample(children, min(4, len(children))):
                chosen.append(Region(province=name, county=cname, code=ccode))
            continue
        for ccode, cname, _, _ in rng.sample(cities, min(2, len(cities))):
            chosen.append(Region(province=name, city=cname, code=ccode))
            counties = by_parent.get(ccode, [])
            for kcode, kname, _, _ in rng.sample(counties, min(3, len(counties))):
                chosen.append(Region(province=name, city=cname, county=kname, code=kcode))
    rng.shuffle(chosen)
    return [(region, 1.0 / (rank + 1) ** 0.9) for rank, region in enumerate(chosen)]


class CorpusGenerator:
    """Reports drawn from the sample paragraphs; report ``n`` depends only on (seed, n)."""

    def __init__(self, seed: int = DEFAULT_SEED, sources: list[list[SourceParagraph]] | None = None):
        self.seed = seed
        self.sources = sources if sources is not None else source_reports(sample_pages())
        self.pool = [s for report in self.sources for p in report for s in p.sentences]
        self.regions = pick_regions(seed)
        self._region_list = [r for r, _ in self.regions]
        self._region_weights = [w for _, w in self.regions]
        self._facts: dict[tuple[str, ...], tuple[tuple[int, ...], tuple[str, ...]]] = {}

    def report_id(self, number: int) -> str:
        return hashlib.sha256(f"bench:{self.seed}:{number}".encode()).hexdigest()[:16]

    def report(self, number: int, paragraphs: int | None = None) -> Report:
        """Report ``number``; ``paragraphs`` fixes its length (else 20–40)."""
        rng = random.Random(f"report:{self.seed}:{number}")
        region = rng.choices(self._region_list, self._region_weights)[0]
        year = rng.choices(YEARS, YEAR_WEIGHTS)[0]
        kind = LAW_REPORT if rng.random() < KINDS[0][1] else DISCLOSURE_REPORT
        count = paragraphs if paragraphs is not None else natural_length(self.seed, number)
        source = rng.choice(self.sources)
        picks = sorted(rng.choices(range(len(source)), k=count))
        body = tuple(self._paragraph(rng, source[i], region, year) for i in picks)
        unit = region.county or region.city or region.province or ""
        label = "法治政府建设年度报告" if kind == LAW_REPORT else "政府信息公开工作年度报告"
        return Report(
            title=f"{unit}{year}年{label}", report_kind=kind, issuer=f"{unit}人民政府", region=region,
            report_year=year, publish_date=f"{year + 1}-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}",
            paragraphs=body, source_url=f"https://bench.invalid/{self.report_id(number)}.html",
            quality=("synthetic",), synthetic=True,
        )

    def _paragraph(self, rng: random.Random, source: SourceParagraph, region: Region, year: int) -> Paragraph:
        target = max(12, int(source.length * rng.uniform(0.6, 1.4)))
        own = list(source.sentences)
        rng.shuffle(own)
        text, length = [], 0
        while length < target:
            tokens = own.pop() if own and rng.random() < 0.5 else rng.choice(self.pool)
            sentence = self._mutate(rng, tokens, region, year)
            text.append(sentence)
            length += len(sentence)
        return Paragraph("".join(text), source.section_path, source.topics)

    def _mutate(self, rng: random.Random, tokens: tuple[str, ...], region: Region, year: int) -> str:
        slots, places = self._sentence_facts(tokens)
        if slots and rng.random() < NOUN_SWAP_RATE:
            words, weights = _noun_tail()
            tokens = list(tokens)
            tokens[rng.choice(slots)] = rng.choices(words, cum_weights=weights)[0]
        text = "".join(tokens)
        for name in places:
            text = text.replace(name, _own_place(name, region))
        return _DIGITS.sub(lambda m: _redraw(rng, m.group(), year), text)

    def _sentence_facts(self, tokens: tuple[str, ...]) -> tuple[tuple[int, ...], tuple[str, ...]]:
        """Noun slots and region names of a pool sentence, found once per sentence."""
        facts = self._facts.get(tokens)
        if facts is None:
            nouns = _noun_set()
            slots = tuple(i for i, t in enumerate(tokens) if t in nouns)
            places = tuple(dict.fromkeys(_gazetteer()[1].findall("".join(tokens))))
            facts = self._facts[tokens] = (slots, places)
        return facts


def _redraw(rng: random.Random, digits: str, year: int) -> str:
    if len(digits) == 4 and digits[:2] in ("19", "20"):
        return str(year) if digits >= "2019" else digits  # a year stays a year
    if len(digits) == 1:
        return str(rng.randint(1, 9))
    return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(len(digits) - 1))


@functools.lru_cache(maxsize=4096)
def _level_of(name: str) -> str:
    for _, row_name, level, _ in _gazetteer()[0]:
        if row_name == name:
            return level
    return "county"


def _own_place(name: str, region: Region) -> str:
    level = _level_of(name)
    if level == "province":
        return region.province or name
    if level == "city":
        return region.city or region.province or name
    return region.county or region.city or region.province or name


# --- the store ----------------------------------------------------------------
def report_sizes(size: int, seed: int = DEFAULT_SEED) -> Iterator[tuple[int, int]]:
    """(report number, paragraph count) until ``size`` paragraphs; the last report is cut to fit."""
    total, number = 0, 0
    while total < size:
        count = min(natural_length(seed, number), size - total)
        yield number, count
        total += count
        number += 1


def natural_length(seed: int, number: int) -> int:
    """Paragraphs in report ``number``: 20–40, ~30 on average."""
    return random.Random(f"length:{seed}:{number}").randint(20, 40)


def build_store(data_dir: str | Path, size: int, seed: int = DEFAULT_SEED,
                progress: Callable[[int, int], None] | None = None) -> dict:
    """Write the corpus into ``<data_dir>/store.sqlite``; reuse it when one of the same size and seed is there."""
    from search.store import Store

    data_dir = Path(data_dir)
    marker = data_dir / "corpus.json"
    cache = token_cache()
    version = cache[1]() if cache is not None else None
    # Cached tokens made by another analyzer would be ignored by reindex: build afresh then.
    wanted = {"size": size, "seed": seed, "generator": GENERATOR_VERSION, "tokens_version": version}
    if marker.exists():
        info = json.loads(marker.read_text(encoding="utf-8"))
        if {k: info.get(k) for k in wanted} == wanted and info.get("complete", True):
            info["reused"] = True
            return info
    if data_dir.exists() and any(data_dir.iterdir()):
        if not marker.exists():  # never wipe a folder the benchmark did not make (a real index_data/)
            raise RuntimeError(f"{data_dir} is not empty and holds no bench corpus: choose another --data-dir")
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(dict(wanted, complete=False)), encoding="utf-8")  # ours, even if interrupted
    generator = CorpusGenerator(seed)
    started = time.perf_counter()
    paragraphs = reports = 0
    tokenising = 0.0
    with Store.open(data_dir) as store:
        store.db.execute("PRAGMA synchronous=OFF")  # a throwaway corpus: no fsync per report
        for number, count in report_sizes(size, seed):
            report = generator.report(number, paragraphs=count)
            report_id = generator.report_id(number)
            extra = {}
            if cache is not None:  # what `govsearch import` stores beside the report
                tokenise_started = time.perf_counter()
                extra = {"tokens": [cache[0](p.text) for p in report.paragraphs], "tokens_version": version}
                tokenising += time.perf_counter() - tokenise_started
            store.save(report_id, report, report_id, report.source_url, report_id, "2025-01-01T00:00:00+00:00",
                       **extra)
            paragraphs += count
            reports += 1
            if progress and reports % 500 == 0:
                progress(paragraphs, size)
    info = dict(wanted, complete=True, paragraphs=paragraphs, reports=reports, cached_tokens=cache is not None,
                tokenise_seconds=round(tokenising, 1),
                seconds=round(time.perf_counter() - started, 1), reused=False)
    marker.write_text(json.dumps(info, indent=1), encoding="utf-8")
    return info


def token_cache():
    """(paragraph_words, analyzer_fingerprint) when the store caches index tokens at import, else None."""
    from search import schema

    if hasattr(schema, "paragraph_words") and hasattr(schema, "analyzer_fingerprint"):
        return schema.paragraph_words, schema.analyzer_fingerprint
    return None


def extra_report(seed: int = DEFAULT_SEED) -> tuple[str, Report]:
    """The 30-paragraph report the incremental measurement adds (never part of the corpus)."""
    generator = CorpusGenerator(seed)
    number = 10**9
    return generator.report_id(number), generator.report(number, paragraphs=30)
