"""Plain, typed values that flow between the pipeline stages.

Each stage takes one of these and returns a new one; nothing reaches back up the
pipeline. All are frozen so a stage cannot change what an earlier stage produced.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

LAW_REPORT = "法治政府建设年度报告"
DISCLOSURE_REPORT = "政府信息公开工作年度报告"
OTHER_REPORT = "其他报告"
NOT_A_REPORT = "非报告"  # a page *about* a report: 政策解读, news of a meeting
REPORT_KINDS = (LAW_REPORT, DISCLOSURE_REPORT, OTHER_REPORT, NOT_A_REPORT)


@dataclass(frozen=True)
class RawPage:
    """A page as fetched or saved: bytes plus where and when they came from."""

    content: bytes
    source: str  # the URL, or file:// path for a saved page
    url: str | None = None  # the page's own URL when known (crawler, or found inside a dump)
    headers: dict[str, str] = field(default_factory=dict)
    fetched_at: str | None = None  # ISO 8601
    content_type: str | None = None  # e.g. text/html, text/plain, application/pdf


@dataclass(frozen=True)
class Region:
    """Province / prefecture city / county-level unit, each None when unknown."""

    province: str | None = None
    city: str | None = None
    county: str | None = None
    code: str | None = None  # 6-digit administrative code of the most specific unit

    def names(self) -> list[str]:
        """The known names from the top down."""
        return [name for name in (self.province, self.city, self.county) if name]

    def label(self) -> str:
        """Human label, e.g. 浙江省 杭州市 临平区; 未知地区 when nothing is known."""
        return " ".join(self.names()) or "未知地区"

    def to_dict(self) -> dict[str, str | None]:
        return {"province": self.province, "city": self.city, "county": self.county, "code": self.code}


@dataclass(frozen=True)
class Attachment:
    """A file linked from a report page (often the report itself, as .docx or .pdf)."""

    name: str
    url: str | None = None
    text_extracted: bool = False


@dataclass(frozen=True)
class TopicScore:
    """One topic the classifier considered for a paragraph: its confidence and the words that counted."""

    topic: str
    score: float  # confidence, 0..1; the paragraph's ``topics`` are those at or above the level
    words: tuple[str, ...] = ()  # the vocabulary (and heading cues) behind it, heaviest first
    structural: bool = False  # a label for the paragraph's role (an opening), not a subject

    def to_dict(self) -> dict[str, Any]:
        data = {"topic": self.topic, "score": self.score, "words": list(self.words)}
        if self.structural:
            data["structural"] = True
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TopicScore":
        return cls(str(data["topic"]), float(data.get("score", 0.0)), tuple(data.get("words") or ()),
                   bool(data.get("structural")))


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of report text with the headings it sits under (top first).

    ``topics`` are the confident subject topics (what the topic facet counts);
    ``topic_scores`` every topic considered, with its confidence and evidence, and the
    structural label (an opening) if any. Reports stored before scores existed have none.
    """

    text: str
    section_path: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    topic_scores: tuple[TopicScore, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = {"text": self.text, "section_path": list(self.section_path), "topics": list(self.topics)}
        if self.topic_scores:
            data["topic_scores"] = [score.to_dict() for score in self.topic_scores]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Paragraph":
        """Inverse of to_dict; a paragraph stored without topic_scores loads with none."""
        return cls(data["text"], tuple(data.get("section_path", ())), tuple(data.get("topics", ())),
                   tuple(TopicScore.from_dict(s) for s in data.get("topic_scores") or ()))

    def facet_topics(self, level: float) -> tuple[str, ...]:
        """What the topic facet counts: the subject topics and structural labels at or above
        the confidence level; a paragraph stored without scores keeps its topics."""
        if not self.topic_scores:
            return self.topics
        return tuple(s.topic for s in self.topic_scores if s.score >= level and not s.structural) + \
            tuple(s.topic for s in self.topic_scores if s.score >= level and s.structural)


@dataclass(frozen=True)
class Table:
    """A table of a report as published: its grid, with merged cells resolved.

    ``rows`` is rectangular: a cell merged over several rows or columns (rowspan/colspan)
    is repeated in every position it covers, so ``rows[r][c]`` is what a reader sees there.
    ``spans`` names the merged cells as (row, column, rows, columns), so a page can draw
    them merged again. ``section_path`` and ``position`` (the number of paragraphs before
    it) place it in the report; ``source`` says how it was read (html, docx, text).
    """

    rows: tuple[tuple[str, ...], ...]
    caption: str | None = None
    spans: tuple[tuple[int, int, int, int], ...] = ()
    section_path: tuple[str, ...] = ()
    position: int = 0
    source: str = "html"

    def to_dict(self) -> dict[str, Any]:
        return {"caption": self.caption, "rows": [list(row) for row in self.rows],
                "spans": [list(span) for span in self.spans], "section_path": list(self.section_path),
                "position": self.position, "source": self.source}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Table":
        return cls(rows=tuple(tuple(str(cell) for cell in row) for row in data.get("rows") or ()),
                   caption=data.get("caption"), spans=tuple(tuple(int(v) for v in span) for span in data.get("spans") or ()),
                   section_path=tuple(data.get("section_path") or ()), position=int(data.get("position") or 0),
                   source=str(data.get("source") or "html"))


@dataclass(frozen=True)
class Check:
    """One of the 信息公开 template's own consistency rules, applied to a report's tables."""

    rule: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True)
class Statistics:
    """The figures read from a 信息公开 report (template tables; prose figures end in ``_prose``)
    and the template's consistency checks (see search/statistics)."""

    figures: dict[str, float | int] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()
    template: str | None = None  # "2021" (国办公开办函〔2021〕30号) or "2019"; None when no table was read

    @property
    def balanced(self) -> bool:
        """False when a check failed (统计表不平衡)."""
        return all(check.ok for check in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {"figures": dict(self.figures), "checks": [check.to_dict() for check in self.checks]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Statistics":
        return cls(figures=dict(data.get("figures") or {}),
                   checks=tuple(Check(str(c["rule"]), bool(c["ok"]), str(c.get("detail") or "")) for c in data.get("checks") or ()),
                   template=data.get("template"))


@dataclass(frozen=True)
class Reuse:
    """How much of a report repeats the same issuer's previous report (search/reuse.py)."""

    previous_report_id: str | None = None
    reused_sentence_ratio: float | None = None  # reused sentences / sentences; None without a previous report
    sentences: int = 0
    reused: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"previous_report_id": self.previous_report_id, "reused_sentence_ratio": self.reused_sentence_ratio}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Reuse":
        ratio = data.get("reused_sentence_ratio")
        return cls(data.get("previous_report_id"), float(ratio) if ratio is not None else None,
                   int(data.get("sentences") or 0), int(data.get("reused") or 0))


@dataclass(frozen=True)
class Report:
    """What the cleaner makes of one page: metadata plus paragraphs, boilerplate gone."""

    title: str | None
    report_kind: str
    issuer: str | None
    region: Region
    report_year: int | None
    publish_date: str | None  # YYYY-MM-DD
    paragraphs: tuple[Paragraph, ...]
    index_number: str | None = None
    source_url: str | None = None
    title_derived: bool = False  # True when the page had no title and we composed one
    attachments: tuple[Attachment, ...] = ()
    quality: tuple[str, ...] = ()  # flags such as "mirror_spam", "synthetic", "traditional_script"
    synthetic: bool = False  # sample reports written by us, never to be presented as real
    # What exactly a page of another kind is (其他报告: 政府工作报告, 工作要点 …; 非报告: 政策解读,
    # 新闻报道, 通知), and the evidence the kind was read from. The kind never keeps a page out.
    kind_detail: str | None = None
    kind_reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # raw page metadata (meta tags, table rows)
    tables: tuple[Table, ...] = ()  # data tables as tables (their numbers are not paragraphs)
    statistics: Statistics | None = None  # 信息公开 reports: figures and checks
    reuse: Reuse | None = None  # set by the store (it needs the issuer's previous report), never by the cleaner

    def replace(self, **changes: Any) -> "Report":
        """A copy with some fields changed (frozen dataclasses cannot be mutated)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `govsearch clean --json` (a stable interface)."""
        return {
            "title": self.title,
            "title_derived": self.title_derived,
            "report_kind": self.report_kind,
            "kind_detail": self.kind_detail,
            "kind_reason": self.kind_reason,
            "issuer": self.issuer,
            "region": self.region.to_dict(),
            "report_year": self.report_year,
            "publish_date": self.publish_date,
            "index_number": self.index_number,
            "source_url": self.source_url,
            "attachments": [dataclasses.asdict(a) for a in self.attachments],
            "quality": list(self.quality),
            "synthetic": self.synthetic,
            "paragraphs": [p.to_dict() for p in self.paragraphs],
            "tables": [table.to_dict() for table in self.tables],
            "statistics": dict(self.statistics.to_dict(), template=self.statistics.template) if self.statistics else None,
            **({"reuse": dict(self.reuse.to_dict(), sentences=self.reuse.sentences, reused=self.reuse.reused)}
               if self.reuse else {}),
        }


@dataclass(frozen=True)
class StoredReport:
    """A report as the store keeps it: the cleaned report plus identity and history."""

    report_id: str
    report: Report
    content_hash: str
    sources: tuple[str, ...]
    first_seen: str
    last_seen: str
    last_changed: str
    # Index tokens of each paragraph, cached at import so a reindex need not run jieba;
    # None when absent or made by another analyzer version.
    tokens: tuple[tuple[str, ...], ...] | None = None


@dataclass(frozen=True)
class Hit:
    """One paragraph that matched a query, with what the UI needs to show it."""

    report_id: str
    paragraph_id: str
    title: str
    region: Region
    report_year: int | None
    report_kind: str
    issuer: str | None
    publish_date: str | None
    section_path: tuple[str, ...]
    text: str
    highlight: str  # HTML: escaped text with <mark> around matched words
    score: float
    topics: tuple[str, ...] = ()
    quality: tuple[str, ...] = ()
    more_in_report: int = 0  # other matching paragraphs of the same report (grouped results)
    missing: tuple[str, ...] = ()  # query words this paragraph (and its report) lacks: a partial match
    tier: str = "full"  # "full": every query word; "partial": some (ranked after every full match)
    other_sources: int = 0  # copies of this paragraph in other copies of the report, folded into this hit

    def to_dict(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id,
            "paragraph_id": self.paragraph_id,
            "title": self.title,
            "region": self.region.to_dict(),
            "report_year": self.report_year,
            "report_kind": self.report_kind,
            "issuer": self.issuer,
            "publish_date": self.publish_date,
            "section_path": list(self.section_path),
            "text": self.text,
            "highlight": self.highlight,
            "score": round(self.score, 4),
            "topics": list(self.topics),
            "quality": list(self.quality),
            "more_in_report": self.more_in_report,
            "missing": list(self.missing),
            "tier": self.tier,
            "other_sources": self.other_sources,
        }
