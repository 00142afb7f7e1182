"""The SQLite FTS5 baseline of the benchmark: the same store, the same jieba tokens, plain sqlite3.

Each paragraph's tokens are ``search.schema.words(search_form(text))`` — exactly the
tokens of the Whoosh word fields; body tokens come from the store's import-time cache
when it has one (as Whoosh's reindex takes them), titles and headings are tokenised
here — and its title, section and body are stored as space-joined tokens in one FTS5 table. The tokenizer is ``unicode61`` with
the punctuation jieba tokens may contain (98.3%, 2023-1717, 5:30) added as token
characters and diacritics kept, so every pre-segmented token stays whole;
``check_tokens`` verifies that against FTS5's own vocabulary. Ranking is ``bm25()``
with the Whoosh field boosts (title 3, section 2, body 1); highlights are FTS5's
``snippet()``; facets are GROUP BY over a narrow metadata table joined on the matching rowids.

What this baseline does *not* do, and Whoosh does: the bigram (substring) fields.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import time
from pathlib import Path
from typing import Iterable

from search.engine.contract import UNKNOWN_REGION, UNKNOWN_YEAR
from search.normalize import search_form
from search.schema import SECTION_BOOST, TITLE_BOOST, words

LOGGER = logging.getLogger(__name__)

# Characters jieba tokens may contain besides letters and digits: number punctuation
# (schema._NUMBER), what jieba keeps inside a word (its re_han_default: + # & . _ % -),
# and whatever punctuation our user dictionary's terms carry (互联网+政务服务).
BASE_TOKEN_CHARS = ".:/-%‰_+#&"


def tokenizer() -> str:
    """The FTS5 tokenize= option that keeps every jieba token whole."""
    from search.schema import user_dictionary_words

    extra = {c for word in user_dictionary_words() for c in word if not c.isalnum() and not c.isspace()}
    chars = "".join(sorted(set(BASE_TOKEN_CHARS) | extra - {'"'}))
    return "unicode61 remove_diacritics 0 tokenchars '" + chars.replace("'", "''") + "'"


_SCHEMA = """
CREATE VIRTUAL TABLE para USING fts5(title, section, body, tokenize="{tokenizer}");
-- Narrow rows for the facet GROUP BYs (the analogue of per-document facet arrays) …
CREATE TABLE meta (
    rowid INTEGER PRIMARY KEY, report_id TEXT, province TEXT, city TEXT, county TEXT, report_year TEXT,
    report_kind TEXT
);
-- … and what a hit shows, read for the top 10 only.
CREATE TABLE docs (
    rowid INTEGER PRIMARY KEY, paragraph_id TEXT, seq INTEGER, title TEXT, text TEXT, section_path TEXT,
    publish_date TEXT
);
CREATE TABLE topic (rowid INTEGER, topic TEXT);
"""
_INDEXES = """
CREATE INDEX meta_report ON meta(report_id);
CREATE INDEX topic_rowid ON topic(rowid);
"""
FACET_SQL = {
    # Region keys are paths from the top down, as in search.engine.whoosh.facets (浙江省, 浙江省/杭州市, …).
    "region": [
        "SELECT m.province, COUNT(*), COUNT(DISTINCT m.report_id) FROM hits h CROSS JOIN meta m ON m.rowid = h.rowid"
        " GROUP BY m.province",
        "SELECT m.province || '/' || m.city, COUNT(*), COUNT(DISTINCT m.report_id) FROM hits h"
        " CROSS JOIN meta m ON m.rowid = h.rowid WHERE m.city != '' GROUP BY 1",
        "SELECT m.province || '/' || CASE WHEN m.city != '' THEN m.city || '/' ELSE '' END || m.county, COUNT(*),"
        " COUNT(DISTINCT m.report_id) FROM hits h CROSS JOIN meta m ON m.rowid = h.rowid WHERE m.county != '' GROUP BY 1",
    ],
    "report_year": ["SELECT m.report_year, COUNT(*), COUNT(DISTINCT m.report_id) FROM hits h"
                    " CROSS JOIN meta m ON m.rowid = h.rowid GROUP BY 1"],
    "topic": ["SELECT t.topic, COUNT(*), COUNT(DISTINCT m.report_id) FROM hits h CROSS JOIN topic t ON t.rowid = h.rowid"
              " CROSS JOIN meta m ON m.rowid = h.rowid GROUP BY 1"],
    "report_kind": ["SELECT m.report_kind, COUNT(*), COUNT(DISTINCT m.report_id) FROM hits h"
                    " CROSS JOIN meta m ON m.rowid = h.rowid GROUP BY 1"],
}


def tokens(text: str) -> list[str]:
    """The Whoosh word-field tokens of a text."""
    return words(search_form(text or ""))


class TimedTokens:
    """``tokens`` that keeps count of the seconds spent in it (jieba's share of a build)."""

    def __init__(self):
        self.seconds = 0.0

    def __call__(self, text: str) -> list[str]:
        started = time.perf_counter()
        try:
            return tokens(text)
        finally:
            self.seconds += time.perf_counter() - started


def _rows(stored, next_rowid: int, tokens=tokens):
    """(fts row, meta row, docs row, topic rows) of each paragraph of one stored report."""
    report = stored.report
    region = report.region
    title = report.title or ""
    title_tokens = " ".join(tokens(title))
    year = str(report.report_year) if report.report_year else UNKNOWN_YEAR
    for seq, paragraph in enumerate(report.paragraphs):
        rowid = next_rowid + seq
        section = " ".join(paragraph.section_path)
        cached = stored.tokens[seq] if getattr(stored, "tokens", None) and len(stored.tokens) == len(
            report.paragraphs) else None
        body = cached if cached is not None else tokens(paragraph.text)
        fts = (rowid, title_tokens, " ".join(tokens(section)), " ".join(body))
        meta = (rowid, stored.report_id, region.province or UNKNOWN_REGION, region.city or "", region.county or "",
                year, report.report_kind)
        doc = (rowid, f"{stored.report_id}-{seq}", seq, title, paragraph.text,
               json.dumps(list(paragraph.section_path), ensure_ascii=False), report.publish_date or "")
        yield fts, meta, doc, [(rowid, t) for t in paragraph.topics]


def _insert(db: sqlite3.Connection, reports: Iterable, next_rowid: int, tokenize=tokens) -> int:
    written = 0
    for stored in reports:
        rows = list(_rows(stored, next_rowid + written, tokenize))
        db.executemany("INSERT INTO para(rowid, title, section, body) VALUES (?,?,?,?)", [r[0] for r in rows])
        db.executemany("INSERT INTO meta VALUES (?,?,?,?,?,?,?)", [r[1] for r in rows])
        db.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?)", [r[2] for r in rows])
        db.executemany("INSERT INTO topic VALUES (?,?)", [t for r in rows for t in r[3]])
        written += len(rows)
    return written


def build(store_dir: str | Path, path: str | Path) -> dict:
    """Index every report of the store into a new FTS5 database; tokenising is included in the time."""
    from search.schema import segmenter
    from search.store import Store

    path = Path(path)
    path.unlink(missing_ok=True)
    segmenter()  # jieba's dictionary load is start-up, not indexing (Whoosh's build pays it the same way)
    started = time.perf_counter()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.executescript(_SCHEMA.format(tokenizer=tokenizer()))
    db.execute("BEGIN")
    timed = TimedTokens()
    from bench_corpus import token_cache

    cache = token_cache()
    # Body tokens cached in the store at import are used as Whoosh's reindex uses them.
    options = {"tokens_version": cache[1]()} if cache is not None else {}
    with Store.open(store_dir) as store:
        written = _insert(db, store.iter_reports(**options), 0, timed)
    for statement in _INDEXES.strip().splitlines():
        db.execute(statement)
    db.execute("COMMIT")
    db.execute("INSERT INTO para(para) VALUES ('optimize')")  # one b-tree, as Whoosh's optimize=True
    db.close()
    return {"paragraphs": written, "seconds": time.perf_counter() - started, "tokenise_seconds": timed.seconds,
            "cached_body_tokens": cache is not None}


def add_report(path: str | Path, stored) -> float:
    """Seconds to tokenise and add one report and commit (the incremental update)."""
    started = time.perf_counter()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    _delete(db, stored.report_id)
    next_rowid = db.execute("SELECT COALESCE(MAX(rowid), -1) + 1 FROM meta").fetchone()[0]
    _insert(db, [stored], next_rowid)
    db.execute("COMMIT")
    db.close()
    return time.perf_counter() - started


def _delete(db: sqlite3.Connection, report_id: str) -> None:
    for table in ("para", "topic", "docs"):
        db.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM meta WHERE report_id = ?)", (report_id,))
    db.execute("DELETE FROM meta WHERE report_id = ?", (report_id,))


def remove_report(path: str | Path, report_id: str) -> None:
    """Undo ``add_report`` so the benchmark corpus stays as generated."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    _delete(db, report_id)
    db.execute("COMMIT")
    db.close()


def check_tokens(path: str | Path, rows: int = 500) -> dict:
    """Compare FTS5's own token stream with the jieba tokens on the first rows: every token must stay whole."""
    db = sqlite3.connect(path)
    sample = db.execute("SELECT rowid, body FROM para ORDER BY rowid LIMIT ?", (rows,)).fetchall()
    # A small copy made by the table's own CREATE statement: fts5vocab cannot look up one document quickly.
    create = db.execute("SELECT sql FROM sqlite_master WHERE name = 'para'").fetchone()[0]
    db.execute(create.replace("CREATE VIRTUAL TABLE para", "CREATE VIRTUAL TABLE temp.sample", 1))
    db.executemany("INSERT INTO temp.sample(rowid, body) VALUES (?, ?)", sample)
    db.execute("CREATE VIRTUAL TABLE temp.instances USING fts5vocab(temp, sample, 'instance')")
    seen: dict[int, list[tuple[int, str]]] = {}
    for term, doc, offset in db.execute("SELECT term, doc, offset FROM temp.instances WHERE col = 'body'"):
        seen.setdefault(doc, []).append((offset, term))
    mismatched, examples = 0, []
    for rowid, body in sample:
        terms = [term for _, term in sorted(seen.get(rowid, []))]
        if terms != body.split():
            mismatched += 1
            if len(examples) < 3:
                examples.append([t for t in body.split() if t not in terms][:5])
    db.close()
    return {"rows": len(sample), "mismatched": mismatched, "examples": examples}


def document_frequencies(path: str | Path) -> dict[str, int]:
    """term → paragraphs whose body has it, from FTS5's vocabulary (titles repeat on every paragraph
    of a report and are not searched by a plain query, so they would inflate "common")."""
    db = sqlite3.connect(path)
    db.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, para, 'col')")
    frequencies = dict(db.execute("SELECT term, doc FROM temp.vocab WHERE col = 'body'"))
    db.close()
    return frequencies


def body_tokens_sample(path: str | Path, count: int) -> list[list[str]]:
    """Body tokens of every n-th paragraph (a fixed sample the query sets are drawn from)."""
    db = sqlite3.connect(path)
    total = db.execute("SELECT MAX(rowid) + 1 FROM meta").fetchone()[0] or 0
    step = max(1, total // max(1, count))
    rows = db.execute("SELECT body FROM para WHERE rowid % ? = 0 ORDER BY rowid LIMIT ?", (step, count)).fetchall()
    db.close()
    return [body.split() for body, in rows]


def _quoted(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def match_expression(text: str, phrase: bool, any_word: bool = False) -> str | None:
    """FTS5 MATCH for what the user typed: every word (AND), the words as one phrase, or
    (``any_word``) any of the words, ranked by bm25 (a "match" query over questions)."""
    parts = tokens(text)
    if not parts:
        return None
    if phrase:
        expression = '"' + " ".join(p.replace('"', '""') for p in parts) + '"'
    else:
        expression = (" OR " if any_word else " AND ").join(_quoted(p) for p in dict.fromkeys(parts))
    # Like Whoosh's main query: body and section words; the title only lifts the rank there.
    return "{section body} : (" + expression + ")"


class Fts5Searcher:
    """Top-10 by BM25 with snippets, and facet counts over every match (the work WhooshEngine.search does)."""

    def __init__(self, path: str | Path):
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.execute("PRAGMA temp_store=MEMORY")  # the per-query match list never touches disk
        self.db.execute("CREATE TEMP TABLE hits (rowid INTEGER PRIMARY KEY)")

    def close(self) -> None:
        self.db.close()

    def search(self, text: str, phrase: bool = False, limit: int = 10, any_word: bool = False) -> dict:
        expression = match_expression(text, phrase, any_word)
        if expression is None:
            return {"total": 0, "hits": [], "facets": {}}
        db = self.db
        top = db.execute(
            f"SELECT rowid, bm25(para, {TITLE_BOOST}, {SECTION_BOOST}, 1.0) AS rank,"
            " snippet(para, 2, '<mark>', '</mark>', '…', 40) FROM para WHERE para MATCH ? ORDER BY rank LIMIT ?",
            (expression, limit)).fetchall()
        hits = []
        for rowid, rank, highlight in top:
            row = db.execute("SELECT d.paragraph_id, m.report_id, d.title, d.section_path, d.text, m.province, m.city,"
                             " m.county, m.report_year, m.report_kind, d.publish_date FROM docs d"
                             " JOIN meta m ON m.rowid = d.rowid WHERE d.rowid = ?", (rowid,)).fetchone()
            hits.append({"paragraph_id": row[0], "report_id": row[1], "title": row[2],
                         "section_path": json.loads(row[3]), "text": row[4], "region": row[5:8],
                         "report_year": row[8], "report_kind": row[9], "publish_date": row[10],
                         "highlight": highlight, "score": -rank})
        db.execute("DELETE FROM hits")
        db.execute("INSERT INTO hits SELECT rowid FROM para WHERE para MATCH ?", (expression,))
        total = db.execute("SELECT COUNT(*) FROM hits").fetchone()[0]
        facets, facet_reports = {}, {}
        for facet, statements in FACET_SQL.items():
            counts, reports = {}, {}
            for sql in statements:
                for value, paragraphs, distinct_reports in db.execute(sql):
                    counts[value] = paragraphs
                    reports[value] = distinct_reports
            facets[facet], facet_reports[facet] = counts, reports
        return {"total": total, "hits": hits, "facets": facets, "facet_reports": facet_reports}

    def body_matches(self, body_tokens: list[str]) -> set[str]:
        """Paragraph ids whose body has the tokens as a phrase (for the tokenizer agreement check)."""
        expression = "body : " + '"' + " ".join(t.replace('"', '""') for t in body_tokens) + '"'
        return {pid for pid, in self.db.execute(
            "SELECT d.paragraph_id FROM para JOIN docs d ON d.rowid = para.rowid WHERE para MATCH ?", (expression,))}
