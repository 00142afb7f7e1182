"""A trained linear topic classifier (words + character n-grams), cross-validated against the rules.

    .venv/bin/python scripts/topic_model.py [--json] [--weak/--no-weak] [--blend]

The model: one logistic regression per 法治 topic over the paragraph's jieba words and
character 2–3-grams, plus the deepest heading's character n-grams (prefixed, so a heading
word is its own feature); L2-regularised, fitted by full-batch gradient descent in numpy.

Training data: the team's labels (tests/data/topic_labels.jsonl, five seed reports) plus weak
labels from headings: paragraphs of the bundled synthetic reports whose deepest heading names a
topic (the rules' heading vocabulary) or a mandated section, labelled with those topics.

Measured honestly:
- **cross-validated** on the team's labels, leaving one seed report out at a time (its
  paragraphs are never in training), against the rules on the very same paragraphs (the rules
  have no training step, but their vocabulary was first written by reading these seeds, which
  flatters them here);
- on the real labels (../shared/realpages/topics.jsonl), which neither saw, after training on
  everything.
Never a training-set score. It also scores a blend (the model's log-odds added to the rules' with
weight 0.5) and the rules with feature weights *fitted* by logistic regression on the team's labels
(same folds). The classifier ships whichever wins on both; this script is how that was decided.

Measured 2026-12 (micro P / R / F1):

    cross-validated on the team's labels   n-gram model .95/.49/.65   rules .91/.93/.92
                                           blend .94/.87/.90           fitted weights .92/.92/.92
    real paragraphs (held out)             n-gram model .79/.40/.54   rules .96/.90/.93
                                           blend .96/.77/.85           fitted weights .98/.74/.84

So the rules with hand-set weights ship: ~220 training paragraphs are too few for n-grams, and
weights fitted to the team's labels tie with the hand-set ones there but learn those labels'
looser conventions (listed items and openings get topics), which cost recall on real paragraphs.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import jieba  # noqa: E402

from search.enrich import topics as rules  # noqa: E402
from search.enrich.topic_lexicon import match_form  # noqa: E402

TEAM = ROOT / "tests" / "data" / "topic_labels.jsonl"
REAL = ROOT.parent / "shared" / "realpages" / "topics.jsonl"
SYNTHETIC = ROOT / "samples" / "synthetic"


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def law_topics() -> list[str]:
    data = json.loads((ROOT / "search" / "data" / "topics.json").read_text(encoding="utf-8"))
    return [t["id"] for t in data["topics"]]


def weak_rows() -> list[dict]:
    """Paragraphs of the synthetic 法治 reports labelled by their headings alone."""
    from search.clean import clean_page
    from search.models import LAW_REPORT, RawPage

    rows = []
    for file in sorted(SYNTHETIC.glob("*.html")):
        report = clean_page(RawPage(file.read_bytes(), file.resolve().as_uri()))
        if report.report_kind != LAW_REPORT:
            continue
        for paragraph in report.paragraphs:
            headings = rules.read_headings(tuple(paragraph.section_path))
            topics = set(headings.section) | {t for t, e in headings.deepest.items() if e.score >= 1.0}
            if topics:
                rows.append({"text": paragraph.text, "section_path": list(paragraph.section_path),
                             "topics": sorted(topics), "group": file.stem})
    return rows


def features(text: str, section_path: list[str]) -> list[str]:
    text = match_form(text)
    grams = [w for w in jieba.cut(text) if len(w) >= 2]
    for n in (2, 3):
        grams += [text[i:i + n] for i in range(len(text) - n + 1)]
    if section_path:
        heading = match_form(section_path[-1])
        grams += ["H:" + heading[i:i + n] for n in (2, 3) for i in range(len(heading) - n + 1)]
        section = rules.read_headings(tuple(section_path)).section
        grams += ["S:" + s for s in section]
    return grams


class Model:
    """One-vs-rest L2 logistic regression over binary n-gram features."""

    def __init__(self, topics: list[str], l2: float = 1.0, epochs: int = 600, rate: float = 0.05, min_df: int = 2):
        self.topics, self.l2, self.epochs, self.rate, self.min_df = topics, l2, epochs, rate, min_df

    def _matrix(self, rows: list[dict]) -> np.ndarray:
        x = np.zeros((len(rows), len(self.vocab)), dtype=np.float32)
        for i, row in enumerate(rows):
            for gram in set(features(row["text"], row["section_path"])):
                j = self.vocab.get(gram)
                if j is not None:
                    x[i, j] = 1.0
        norms = np.sqrt(x.sum(axis=1, keepdims=True))
        return x / np.maximum(norms, 1.0)

    def fit(self, rows: list[dict]) -> "Model":
        df = Counter(g for row in rows for g in set(features(row["text"], row["section_path"])))
        self.vocab = {g: i for i, g in enumerate(sorted(g for g, c in df.items() if c >= self.min_df))}
        x = self._matrix(rows)
        y = np.array([[t in row["topics"] for t in self.topics] for row in rows], dtype=np.float32)
        w = np.zeros((x.shape[1], len(self.topics)), dtype=np.float32)
        b = np.zeros(len(self.topics), dtype=np.float32)
        n = len(rows)
        # Positives of a rare topic weigh more (at most 10x): otherwise every topic is "no".
        positives = y.sum(axis=0)
        ratio = np.clip((n - positives) / np.maximum(positives, 1.0), 1.0, 10.0)
        self.balance = np.where(y > 0, ratio, 1.0).astype(np.float32)
        # Adam on the mean log-loss plus l2/n * |w|^2 / 2
        mw, vw, mb, vb = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
        for step in range(1, self.epochs + 1):
            p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
            grad = (p - y) * self.balance
            gw = x.T @ grad / n + self.l2 * w / n
            gb = grad.mean(axis=0)
            mw, vw = 0.9 * mw + 0.1 * gw, 0.999 * vw + 0.001 * gw * gw
            mb, vb = 0.9 * mb + 0.1 * gb, 0.999 * vb + 0.001 * gb * gb
            correction = math.sqrt(1 - 0.999 ** step) / (1 - 0.9 ** step)
            w -= self.rate * correction * mw / (np.sqrt(vw) + 1e-8)
            b -= self.rate * correction * mb / (np.sqrt(vb) + 1e-8)
        self.w, self.b = w, b
        return self

    def logits(self, rows: list[dict]) -> np.ndarray:
        return self._matrix(rows) @ self.w + self.b


def rules_logits(rows: list[dict], topics: list[str], weights: dict | None = None) -> np.ndarray:
    out = np.full((len(rows), len(topics)), -6.0)
    for i, row in enumerate(rows):
        for topic, score in _scores(row, weights):
            if topic in topics:
                p = min(max(score, 1e-4), 1 - 1e-4)
                out[i, topics.index(topic)] = math.log(p / (1 - p))
    return out


def _scores(row: dict, weights: dict | None) -> list[tuple[str, float]]:
    """(topic, confidence) of a row under the rules, with other feature weights when given."""
    if weights is None:
        return [(s.topic, s.score) for s in rules.classify_paragraph(row["text"], row["section_path"], rules.LAW).scores]
    headings, _, _, found = rules.law_evidence(row["text"], row["section_path"])
    section = [(topic, rules.taxonomy().scoring["section_confidence"]) for topic in headings.section]
    return section + [(c.topic, rules.confidence(c, weights)) for c in found]


def candidate_rows(rows: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Feature vectors of every candidate topic of every row, and whether the label has it."""
    x, y = [], []
    for row in rows:
        for candidate in rules.law_evidence(row["text"], row["section_path"])[3]:
            x.append(candidate.values)
            y.append(candidate.topic in row["topics"])
    return np.array(x, dtype=np.float64), np.array(y, dtype=np.float64)


def fit_weights(rows: list[dict], l2: float = 1.0) -> dict[str, float]:
    """Logistic regression of 'the label has this candidate' on the candidate's features (Newton)."""
    from search.enrich.topic_features import FEATURES

    x, y = candidate_rows(rows)
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0  # the bias is not shrunk
    for _ in range(30):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        gradient = x.T @ (p - y) + penalty * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-6)
        w -= np.linalg.solve(hessian, gradient)
    return {name: round(float(v), 3) for name, v in zip(FEATURES, w)}


def choose(logits: np.ndarray, topics: list[str], level: float = 0.0) -> list[set[str]]:
    """Topics above the level, at most three, per row."""
    chosen = []
    for row in logits:
        order = [j for j in np.argsort(-row) if row[j] >= level][: rules.MAX_TOPICS]
        chosen.append({topics[j] for j in order})
    return chosen


def micro(rows: list[dict], predicted: list[set[str]]) -> dict:
    tp = fp = fn = 0
    for row, got in zip(rows, predicted):
        gold = set(row["topics"])
        tp, fp, fn = tp + len(gold & got), fp + len(got - gold), fn + len(gold - got)
    p = tp / max(tp + fp, 1)
    r = tp / max(tp + fn, 1)
    return {"P": round(p, 3), "R": round(r, 3), "F1": round(2 * p * r / max(p + r, 1e-9), 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="indent the JSON")
    parser.add_argument("--no-weak", action="store_true", help="train on the team's labels only")
    parser.add_argument("--l2", type=float, default=0.1, help="L2 strength of the n-gram model")
    args = parser.parse_args(argv)
    jieba.setLogLevel(60)
    topics = law_topics()
    team = load(TEAM)
    for row in team:
        row["group"] = row["seed"][:3]
    weak = [] if args.no_weak else weak_rows()
    report: dict = {"weak_rows": len(weak), "team_rows": len(team)}

    cv_model, cv_rules, cv_blend, cv_fitted = [], [], [], []
    ordered = []
    for group in sorted({row["group"] for row in team}):
        train = [row for row in team if row["group"] != group] + weak
        test = [row for row in team if row["group"] == group]
        model = Model(topics, l2=args.l2).fit(train)
        m = model.logits(test)
        r = rules_logits(test, topics)
        cv_model += choose(m, topics)
        cv_rules += choose(r, topics)
        cv_blend += choose(r + 0.5 * m, topics)
        fitted = fit_weights([row for row in team if row["group"] != group])
        cv_fitted += choose(rules_logits(test, topics, fitted), topics)
        ordered += test
    report["cv_team"] = {"model": micro(ordered, cv_model), "rules": micro(ordered, cv_rules),
                         "blend": micro(ordered, cv_blend), "fitted_weights": micro(ordered, cv_fitted)}
    report["weights_fitted_on_team"] = fit_weights(team)
    if REAL.exists():
        real = load(REAL)
        model = Model(topics, l2=args.l2).fit(team + weak)
        m = model.logits(real)
        r = rules_logits(real, topics)
        report["real_heldout"] = {"model": micro(real, choose(m, topics)), "rules": micro(real, choose(r, topics)),
                                  "blend": micro(real, choose(r + 0.5 * m, topics)),
                                  "fitted_weights": micro(real, choose(rules_logits(real, topics, report["weights_fitted_on_team"]), topics))}
    print(json.dumps(report, ensure_ascii=False, indent=1 if args.json else None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
