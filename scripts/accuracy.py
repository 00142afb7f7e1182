#!/usr/bin/env python3
"""Per-field accuracy of the cleaner over every labelled test page (golden files).

Each file in tests/data/cleaner/golden/ names a page (a real seed or a synthetic page)
and the report a person expects from it, field by field. This script cleans each page
and prints, per field, how many pages the cleaner gets exactly right.

    .venv/bin/python scripts/accuracy.py            # table
    .venv/bin/python scripts/accuracy.py --json     # one JSON object
    .venv/bin/python scripts/accuracy.py -v         # also list every mismatch
    .venv/bin/python scripts/accuracy.py --set blind  # one set only
    .venv/bin/python scripts/accuracy.py --realpages ../shared/realpages  # real pages: per field and per kind

Two sets are reported side by side: ``development`` (golden/, the pages the cleaner was
built against) and ``blind`` (blind/golden/, pages labelled by hand before the cleaner
was ever run on them — the honest estimate of accuracy on unseen pages).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "data" / "cleaner"
sys.path.insert(0, str(ROOT))

from search.clean import clean_page, similarity  # noqa: E402
from search.errors import ExtractError  # noqa: E402
from search.models import RawPage  # noqa: E402
from search.normalize import search_form  # noqa: E402

FIELDS = ("title", "title_derived", "report_kind", "issuer", "region", "report_year", "publish_date",
          "index_number", "source_url", "attachments", "quality", "paragraphs", "section_paths")
# Page furniture that must never survive as report text (checked on every labelled page).
FURNITURE = re.compile(
    r"浏览次数|访问次数|索引号|分享到|打印本页|关闭窗口|返回顶部|字体:\s*\[|您现在的位置|当前位置|由会员分享|"
    r"今天是|发布日期:|发布时间:|信息来源:|\.docx\b|\.pdf\b|小编|版权所有|网站标识码|ICP备|简体\s*\|\s*繁体|\|\s*\|"
)
_KEY = re.compile(r"[\W_]+")
SETS = {"development": "golden", "blind": "blind/golden", "blind2": "blind/golden2", "blind3": "blind/golden3", "blind4": "blind/golden4", "blind5": "blind/golden5", "blind6": "blind/golden6", "blind7": "blind/golden7", "blind8": "blind/golden8", "blind9": "blind/golden9"}


def load_cases(folder: str = "golden") -> list[dict]:
    """Every golden file of one set (a folder under tests/data/cleaner), with the page path resolved."""
    cases = []
    for path in sorted((CASES / folder).glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        # "also": the same page in another encoding, expected to give the same report
        for page in [case["page"], *case.get("also", [])]:
            variant = dict(case, page=page, golden=path.name if page == case["page"] else f"{path.name}:{page}")
            variant["page_path"] = CASES / page
            cases.append(variant)
    return cases


def clean_case(case: dict):
    """Clean the page of one golden case."""
    path = case["page_path"]
    return clean_page(RawPage(content=path.read_bytes(), source=str(path), url=case.get("url"),
                              content_type=case.get("content_type")))


def extra_checks(case: dict, report) -> dict[str, bool]:
    """Checks a golden file may ask for beyond the fields: strings that must be gone, a twin page."""
    results = {}
    if case.get("absent"):
        texts = [report.title or "", *(p.text for p in report.paragraphs),
                 *(h for p in report.paragraphs for h in p.section_path)]
        results["absent"] = not any(word in text for word in case["absent"] for text in texts)
    twin = case.get("same_report_as")
    if twin:
        other = clean_case({"page_path": CASES / twin["page"]})
        results["same_report"] = similarity(report, other) >= twin["min_similarity"]
    return results


def actual_fields(report) -> dict:
    """The report in the golden files' shape."""
    data = report.to_dict()
    result = {name: data[name] for name in FIELDS if name in data}
    result["attachments"] = [a["name"] for a in data["attachments"]]
    result["paragraphs"] = [{"section_path": p["section_path"], "text": p["text"]} for p in data["paragraphs"]]
    result["section_paths"] = sorted({tuple(p["section_path"]) for p in data["paragraphs"]})
    return result


def compare(expected: dict, actual: dict) -> dict[str, bool]:
    """Field → whether the cleaner got it right; only the fields the golden file labels."""
    results = {}
    for name in FIELDS:
        if name == "section_paths" and "paragraphs" in expected:
            want = sorted({tuple(p["section_path"]) for p in expected["paragraphs"]})
            results[name] = want == actual[name]
        elif name == "quality" and name in expected:
            # quality lists flags; compare as sets (order is not meaningful)
            results[name] = set(expected[name]) == set(actual[name])
        elif name in expected:
            results[name] = expected[name] == actual[name]
    return results


def hygiene(report) -> list[str]:
    """Problems any clean report must not have: furniture lines, repeated sentences."""
    problems = []
    seen: set[str] = set()
    for paragraph in report.paragraphs:
        # compared in search form: the report keeps the page's characters (发布日期：, 字体：［）
        for text in map(search_form, (paragraph.text, *paragraph.section_path)):
            if FURNITURE.search(text):
                problems.append(f"furniture survived: {text[:60]}")
        for sentence in re.findall(r"[^。!?;]+[。!?;]?", search_form(paragraph.text)):
            key = _KEY.sub("", sentence)
            if len(key) >= 12:
                if key in seen:
                    problems.append(f"sentence repeated: {sentence[:60]}")
                seen.add(key)
    return problems


def evaluate(folder: str = "golden") -> dict:
    """Run every case of one set; returns per-field counts and the list of mismatches."""
    totals: dict[str, list[int]] = {name: [0, 0] for name in FIELDS}
    totals["hygiene"] = [0, 0]
    mismatches = []
    cases = load_cases(folder)
    for case in cases:
        try:
            report = clean_case(case)
        except ExtractError as error:
            expected_error = case.get("expect_error")
            totals.setdefault("error", [0, 0])
            totals["error"][1] += 1
            totals["error"][0] += bool(expected_error and expected_error in error.reason)
            if not expected_error or expected_error not in error.reason:
                mismatches.append({"case": case["golden"], "field": "error", "expected": expected_error,
                                   "actual": str(error)})
            continue
        actual = actual_fields(report)
        if case.get("expect_error"):
            totals.setdefault("error", [0, 0])
            totals["error"][1] += 1
            mismatches.append({"case": case["golden"], "field": "error", "expected": case["expect_error"],
                               "actual": "no error"})
            continue
        checks = compare(case.get("expected", {}), actual)
        for name, ok in extra_checks(case, report).items():
            totals.setdefault(name, [0, 0])
            checks[name] = ok
        for name, ok in checks.items():
            totals[name][1] += 1
            totals[name][0] += ok
            if not ok:
                mismatches.append({"case": case["golden"], "field": name,
                                   "expected": case["expected"].get(name), "actual": actual.get(name)})
        problems = hygiene(report)
        totals["hygiene"][1] += 1
        totals["hygiene"][0] += not problems
        for problem in problems:
            mismatches.append({"case": case["golden"], "field": "hygiene", "actual": problem})
    return {"cases": len(cases), "fields": {k: {"right": v[0], "labelled": v[1]} for k, v in totals.items() if v[1]},
            "mismatches": mismatches}


# --- real pages (../shared/realpages): labels.jsonl, scored as the project is judged ----------

def _norm(text) -> str | None:
    """As the judges compare: NFKC, traditional → simplified, no whitespace."""
    from search.normalize import to_simplified
    import unicodedata

    if text is None:
        return None
    return re.sub(r"\s+", "", to_simplified(unicodedata.normalize("NFKC", str(text))))


_ANNUAL = ("法治政府建设年度报告", "政府信息公开工作年度报告")
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")


def evaluate_realpages(folder: Path) -> dict:
    """Per-field and per-kind accuracy on a labelled set of real pages (pages/*.txt + labels.jsonl)."""
    fields: dict[str, list[int]] = {}
    kinds: dict[str, list[int]] = {}
    mismatches = []

    def score(field: str, ok: bool, why: str = "") -> None:
        counts = fields.setdefault(field, [0, 0])
        counts[0] += bool(ok)
        counts[1] += 1
        if not ok:
            mismatches.append(f"{field}: {why}")

    for line in (folder / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        label = json.loads(line)
        path = folder / "pages" / label["file"]
        try:
            report = clean_page(RawPage(content=path.read_bytes(), source=str(path), content_type="text/plain"))
            doc = report.to_dict()
        except ExtractError as error:
            doc = {"error": error.reason}
        name = label["file"]
        body = "".join(_norm(p["text"]) for p in doc.get("paragraphs", []))
        if label.get("title") and label.get("title_in_text", True) is True:
            score("title", _norm(doc.get("title")) == _norm(label["title"]), f"{name} got {doc.get('title')!r}")
        want = label.get("report_kind")
        if want:
            got = doc.get("report_kind")
            ok = got not in _ANNUAL if want.startswith("other") else got == want
            score("kind", ok, f"{name} got {got!r} want {want}")
            group = "other" if want.startswith("other") else want
            counts = kinds.setdefault(group, [0, 0])
            counts[0] += ok
            counts[1] += 1
        if "region_province" in label:
            region = doc.get("region") or {}
            for key in ("province", "city", "county"):
                want_name, got_name = label.get("region_" + key), _norm(region.get(key)) if region.get(key) else None
                if key == "city" and want_name is None and label.get("region_province") in _MUNICIPALITIES:
                    ok = got_name is None or got_name == _norm(label["region_province"])
                else:
                    ok = got_name == (_norm(want_name) if want_name else None)
                score("region", ok, f"{name} {key} got {got_name} want {want_name}")
        if label.get("report_year") is not None:
            score("year", doc.get("report_year") == label["report_year"], f"{name} got {doc.get('report_year')}")
        if label.get("publish_date"):
            score("date", (doc.get("publish_date") or "")[:10] == label["publish_date"], f"{name} got {doc.get('publish_date')}")
        if label.get("body_first_sentence"):
            score("body", _norm(label["body_first_sentence"])[:24] in body, f"{name} first sentence missing")
        for furniture in label.get("boilerplate_lines") or []:
            if len(_norm(furniture)) >= 2:
                score("boilerplate", _norm(furniture) not in body, f"{name} kept {furniture[:30]!r}")
    right = sum(c[0] for c in fields.values())
    total = sum(c[1] for c in fields.values())
    return {"fields": {k: {"right": v[0], "labelled": v[1]} for k, v in fields.items()},
            "kinds": {k: {"right": v[0], "labelled": v[1]} for k, v in kinds.items()},
            "overall": right / max(1, total), "mismatches": mismatches}


def _print_realpages(result: dict, verbose: bool) -> None:
    for title, table in (("field", result["fields"]), ("kind", result["kinds"])):
        print(f"{title:<28}{'right':>14}")
        for name, counts in sorted(table.items()):
            print(f"{name:<28}{counts['right']:>6}/{counts['labelled']:<4} {counts['right'] / counts['labelled']:6.1%}")
    print(f"overall {result['overall']:.3f}")
    if verbose:
        for miss in result["mismatches"]:
            print(miss)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every mismatch")
    parser.add_argument("--set", choices=sorted(SETS), action="append",
                        help="report only this set (repeatable); default: every set")
    parser.add_argument("--realpages", metavar="DIR", help="score a labelled set of real pages (labels.jsonl) instead")
    args = parser.parse_args(argv)
    if args.realpages:
        result = evaluate_realpages(Path(args.realpages))
        if args.json:
            print(json.dumps(result, ensure_ascii=False, indent=1))
        else:
            _print_realpages(result, args.verbose)
        return 0
    names = args.set or list(SETS)
    results = {name: evaluate(SETS[name]) for name in names}
    blind = [name for name in names if name.startswith("blind")]
    if len(blind) > 1:  # every blind round together: the estimate for unseen pages
        total: dict = {"cases": 0, "fields": {}, "mismatches": []}
        for name in blind:
            total["cases"] += results[name]["cases"]
            for field, counts in results[name]["fields"].items():
                into = total["fields"].setdefault(field, {"right": 0, "labelled": 0})
                into["right"] += counts["right"]
                into["labelled"] += counts["labelled"]
        results["blind (all)"] = total
        names = names + ["blind (all)"]
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
        return 0
    fields = list(dict.fromkeys(field for result in results.values() for field in result["fields"]))
    print(f"{'field':<16}" + "".join(f"{name:>22}" for name in names))
    for field in fields:
        row = f"{field:<16}"
        for name in names:
            counts = results[name]["fields"].get(field)
            cell = f"{counts['right']}/{counts['labelled']} {counts['right'] / counts['labelled']:6.1%}" if counts else "-"
            row += f"{cell:>22}"
        print(row)
    row = f"{'ALL FIELDS':<16}"
    for name in names:
        right = sum(c["right"] for c in results[name]["fields"].values())
        labelled = sum(c["labelled"] for c in results[name]["fields"].values())
        row += f"{f'{right}/{labelled} {right / labelled:6.1%}':>22}"
    print(row)
    print("labelled pages: " + ", ".join(f"{name} {results[name]['cases']}" for name in names))
    if args.verbose:
        for name in names:
            if name == "blind (all)":
                continue
            for miss in results[name]["mismatches"]:
                print(name, json.dumps(miss, ensure_ascii=False)[:600])
    return 0


if __name__ == "__main__":
    sys.exit(main())
