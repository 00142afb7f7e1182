"""Write a *draft* expected-report file for a page, to be reviewed by hand before it is checked in.

Usage: .venv/bin/python tests/data/cleaner/make_golden.py PAGE OUT.json [URL]

The draft is what the cleaner makes today. A golden file is only a golden file after a
person has read the page and checked every field and paragraph against it.
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from search.clean import clean_page  # noqa: E402
from search.models import RawPage  # noqa: E402

GOLDEN_FIELDS = ("title", "title_derived", "report_kind", "issuer", "region", "report_year", "publish_date",
                 "index_number", "source_url", "attachments", "quality")


def draft(page: Path, url: str | None = None) -> dict:
    report = clean_page(RawPage(content=page.read_bytes(), source=str(page), url=url))
    data = report.to_dict()
    expected = {name: data[name] for name in GOLDEN_FIELDS}
    expected["attachments"] = [a["name"] for a in data["attachments"]]
    expected["paragraphs"] = [{"section_path": p["section_path"], "text": p["text"]} for p in data["paragraphs"]]
    return expected


if __name__ == "__main__":
    page = Path(sys.argv[1])
    url = sys.argv[3] if len(sys.argv) > 3 else None
    relative = page.resolve().relative_to(Path(__file__).resolve().parent).as_posix()
    result = {"page": relative, "url": url, "reviewed": False, "expected": draft(page, url)}
    text = json.dumps(result, ensure_ascii=False, indent=1)
    if len(sys.argv) > 2:
        Path(sys.argv[2]).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
