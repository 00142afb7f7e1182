"""The synthetic demo pages are well formed, marked synthetic and cover the facets they exist for.

The facts checked against (issuer, region, year, kind, encoding) come from
samples/synthetic/manifest.json; the pages themselves are read as bytes, as the
importer reads them.
"""
from __future__ import annotations

import csv
import functools
import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from search.decode import declared_encoding, decode_bytes
from search.normalize import looks_traditional, to_simplified

REPO = Path(__file__).resolve().parent.parent
SYNTHETIC = REPO / "samples" / "synthetic"
REGIONS_TSV = REPO / "search" / "data" / "regions.tsv"
# The pipeline looks for the mark in the first 8 KiB only (search/pipeline.py).
MARK_WINDOW = 8192
MARK = re.compile(rb"""<meta[^>]+name=["']?govsearch-synthetic["']?[^>]*content=["']?true""", re.I)

FZ_SECTIONS = [r"主要举措|举措和成效|工作情况|建设情况", r"存在的不足|不足和原因|存在问题", r"第一责任人",
               r"安排|打算|思路|计划"]  # 04 says 工作安排, a wording DOMAIN.md's cue list lacks
XXGK_SECTIONS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                 "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]


@functools.lru_cache(maxsize=1)
def manifest() -> dict[str, dict]:
    return json.loads((SYNTHETIC / "manifest.json").read_text(encoding="utf-8"))


def page_names() -> list[str]:
    return sorted(path.name for path in SYNTHETIC.glob("*.html"))


@functools.lru_cache(maxsize=None)
def page_text(name: str) -> str:
    return decode_bytes((SYNTHETIC / name).read_bytes())[0]


@functools.lru_cache(maxsize=None)
def page_soup(name: str) -> BeautifulSoup:
    return BeautifulSoup(page_text(name), "lxml")


def body_text(name: str) -> str:
    """Visible article text, simplified (one page is in traditional script)."""
    soup = BeautifulSoup(page_text(name), "lxml")  # a fresh tree: this one is cut down
    for hidden in soup.select("#printContent, script, style, .footer"):
        hidden.decompose()
    return to_simplified(soup.get_text("\n"))


def test_manifest_lists_exactly_the_pages():
    assert sorted(manifest()) == page_names()
    assert len(page_names()) == 19
    for name, facts in manifest().items():
        assert re.fullmatch(r"\d\d_[a-z]+_(\d{4})_(fz|xxgk)\.html", name), name
        assert name.endswith(f"_{facts['year']}_{facts['kind']}.html")


def test_readme_lists_every_page_and_says_synthetic():
    readme = (SYNTHETIC / "README.md").read_text(encoding="utf-8")
    assert "synthetic" in readme.lower() and "not real" in readme.lower()
    for name in page_names():
        assert name in readme, name


@pytest.mark.parametrize("name", page_names())
def test_page_is_marked_synthetic_in_head(name):
    content = (SYNTHETIC / name).read_bytes()
    assert MARK.search(content[:MARK_WINDOW]), "mark missing or beyond the pipeline's 8 KiB window"
    meta = page_soup(name).head.find("meta", attrs={"name": "govsearch-synthetic"})
    assert meta is not None and meta["content"] == "true"


@pytest.mark.parametrize("name", page_names())
def test_page_parses_with_title_and_substantial_body(name):
    soup = page_soup(name)
    facts = manifest()[name]
    assert soup.head is not None and soup.body is not None
    title = to_simplified(soup.title.get_text())
    article_title = soup.find("meta", attrs={"name": "ArticleTitle"})["content"]
    assert article_title == facts["title"]  # as published, traditional script included
    assert to_simplified(facts["title"]) in title
    assert str(facts["year"]) in title
    assert ("法治政府" in title) == (facts["kind"] == "fz")
    assert ("信息公开" in title) == (facts["kind"] == "xxgk")
    paragraphs = [p for p in soup.find_all("p") if len(p.get_text(strip=True)) > 30]
    assert len(paragraphs) >= 12, len(paragraphs)


@pytest.mark.parametrize("name", page_names())
def test_page_decodes_as_declared_in_manifest(name):
    content = (SYNTHETIC / name).read_bytes()
    text, encoding = decode_bytes(content)
    expected = {"utf-8": "utf-8", "gbk": "gb18030"}[manifest()[name]["encoding"]]
    assert encoding == expected
    assert "\ufffd" not in text
    assert "govsearch-synthetic" in text


def test_gbk_pages_really_are_gbk():
    gbk = [name for name, facts in manifest().items() if facts["encoding"] == "gbk"]
    assert len(gbk) == 3
    undeclared = 0
    for name in gbk:
        content = (SYNTHETIC / name).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            content.decode("utf-8")
        content.decode("gbk")  # strict: every byte sequence is GBK
        if declared_encoding(content) is None:
            undeclared += 1
        else:
            assert declared_encoding(content) == "gb18030"
    assert undeclared == 1, "one GBK page must carry no charset at all"


@functools.lru_cache(maxsize=1)
def region_table() -> dict[str, tuple[str, str]]:
    """code → (name, parent code), from the project's region table."""
    with REGIONS_TSV.open(encoding="utf-8") as handle:
        return {row["code"]: (row["name"], row["parent"]) for row in csv.DictReader(handle, delimiter="\t")}


def region_chain(code: str) -> list[str]:
    names = []
    while code:
        name, code = region_table()[code]
        names.append(name)
    return names[::-1]


@pytest.mark.parametrize("name", page_names())
def test_region_facts_match_site_code_and_real_hierarchy(name):
    facts = manifest()[name]
    expected = [part for part in (facts["province"], facts["city"], facts["county"]) if part]
    assert region_chain(facts["admin_code"]) == expected
    site_code = page_soup(name).find("meta", attrs={"name": "SiteIDCode"})
    if site_code is not None:  # the traditional-script mirror has none, as a real mirror would not
        assert re.fullmatch(r"\d{10}", site_code["content"])
        assert site_code["content"][:6] == facts["admin_code"]
    issuer_place = facts["county"] or facts["city"] or facts["province"]
    assert issuer_place.rstrip("省市区县") in facts["issuer"]


@pytest.mark.parametrize("name", page_names())
def test_publication_follows_report_year_and_links_only_example_hosts(name):
    facts = manifest()[name]
    soup = page_soup(name)
    pub = soup.find("meta", attrs={"name": "PubDate"})["content"]
    assert pub.startswith(facts["publish_date"])
    assert int(facts["publish_date"][:4]) == facts["year"] + 1
    for link in soup.find_all(["a", "link"], href=True):
        host = re.match(r"https?://([^/]+)", link["href"])
        if host:
            assert host.group(1).endswith(".example"), link["href"]


def test_set_covers_the_facets():
    facts = list(manifest().values())
    assert len({f["province"] for f in facts}) >= 6
    assert {f["year"] for f in facts} >= set(range(2019, 2025))
    kinds = [f["kind"] for f in facts]
    assert kinds.count("fz") >= 10 and kinds.count("xxgk") >= 6
    levels = {("county" if f["county"] else "city" if f["city"] else "province") for f in facts}
    assert levels == {"province", "city", "county"}
    assert any(f["province"] in {"北京市", "上海市", "天津市", "重庆市"} for f in facts)
    assert any(f["publish_date"][5:7] > "03" for f in facts), "one late publication for the on-time facet"


@pytest.mark.parametrize("name", [n for n in page_names() if manifest()[n]["kind"] == "fz"])
def test_fz_pages_have_mandated_sections_in_order(name):
    headings = [line.strip() for line in body_text(name).splitlines()
                if re.match(r"^[一二三四五六]、", line.strip()) and len(line.strip()) < 45]
    positions = []
    for cue in FZ_SECTIONS:
        found = [i for i, heading in enumerate(headings) if re.search(cue, heading)]
        assert found, (cue, headings)
        positions.append(found[0])
    assert positions == sorted(positions), headings


def _numbers(row) -> list[int]:
    return [int(cell.get_text(strip=True)) for cell in row.find_all("td") if cell.get_text(strip=True).isdigit()]


@pytest.mark.parametrize("name", [n for n in page_names() if manifest()[n]["kind"] == "xxgk"])
def test_xxgk_pages_have_six_sections_and_tables_that_add_up(name):
    text = body_text(name)
    positions = [text.find(section) for section in XXGK_SECTIONS]
    assert -1 not in positions and positions == sorted(positions), positions
    tables = page_soup(name).find_all("table", class_="xxgk-table")
    assert len(tables) == 3
    rows = {}
    leaves = []
    for row in tables[1].find_all("tr"):
        labels = [cell.get_text(strip=True) for cell in row.find_all("td") if not cell.get_text(strip=True).isdigit()]
        label = labels[-1] if labels else ""
        numbers = _numbers(row)
        if len(numbers) != 7:
            continue
        assert sum(numbers[:6]) == numbers[6], (label, numbers)  # 总计 column
        rows[label] = numbers
        if not label.startswith(("一、", "二、", "四、", "（七）")):
            leaves.append(numbers)
    new, carry = rows["一、本年新收政府信息公开申请数量"], rows["二、上年结转政府信息公开申请数量"]
    total, carried = rows["（七）总计"], rows["四、结转下年度继续办理"]
    assert [sum(column) for column in zip(*leaves)] == total
    assert [a + b for a, b in zip(new, carry)] == [a + b for a, b in zip(total, carried)]
    review = _numbers(tables[2].find_all("tr")[-1])
    assert len(review) == 15
    for start in (0, 5, 10):
        assert sum(review[start:start + 4]) == review[start + 4]
    # The prose quotes the table: 本年新收 total appears in 三's paragraph.
    assert f"{new[6]}件" in text


def test_traditional_and_print_copy_quirks_present():
    quirks = {name: facts["quirk"] for name, facts in manifest().items()}
    traditional = [n for n in page_names() if looks_traditional(page_soup(n).get_text())]
    assert len(traditional) == 1 and "traditional" in quirks[traditional[0]]
    printed = [n for n in page_names() if page_soup(n).select_one("#printContent")]
    assert len(printed) == 1
    soup = page_soup(printed[0])
    screen = soup.select_one("#mainText").get_text()
    assert screen.strip() and screen in soup.select_one("#printContent").get_text()


def test_reports_are_not_copies_of_each_other():
    """Searches must give differentiated results: no long sentence repeated across pages, except
    between one issuer's reports of one kind in two years (copying from year to year is what
    the reuse measure and /compare show, issue 15)."""
    facts = manifest()
    seen: dict[str, str] = {}
    for name in page_names():
        for sentence in re.split(r"[。；]", body_text(name)):
            sentence = sentence.strip()
            # The sentence listing the six fixed sections is boilerplate in real reports too.
            if len(sentence) >= 40 and "主动公开政府信息情况、" not in sentence:
                first = seen.setdefault(sentence, name)
                same_issuer = (facts[first]["issuer"], facts[first]["kind"]) == (facts[name]["issuer"], facts[name]["kind"])
                assert first == name or same_issuer, (sentence, first, name)
