"""Write the other-encoding twins of the synthetic pages (run once; the output is checked in).

Every synthetic page exists in UTF-8 and in GBK: pages/gbk/ holds GBK (GB18030 bytes)
copies of the UTF-8 pages, with the charset label changed as real portals do — gb2312,
GBK, no label at all, or a wrong utf-8 label; pages/utf8/ holds UTF-8 copies of the pages
written in GBK.

Usage: python tests/data/cleaner/make_variants.py
"""
import re
from pathlib import Path

PAGES = Path(__file__).resolve().parent / "pages"
_CHARSET = re.compile(r"""(<meta[^>]*charset\s*=\s*["']?)([\w-]+)""", re.IGNORECASE)

# page → label written into the GBK copy (None removes the <meta> charset entirely)
TO_GBK = {
    "hanweb_law.html": "gb2312",
    "hanweb_disclosure.html": "gb2312",
    "trs_notitle.html": None,
    "xxgk_department.html": "GBK",
    "docshare.html": None,
    "mirror_spam.html": "utf-8",  # wrong label: the bytes are GBK
    "news_meeting.html": "gb2312",
    "traditional_pinyin.html": None,
}
TO_UTF8 = ("trs_interpretation.html", "unknown_layout_disclosure.html")


def _relabel(text: str, label: str | None) -> str:
    if label is None:
        text = re.sub(r"<meta[^>]*charset[^>]*>\s*", "", text, flags=re.IGNORECASE)
        return text
    return _CHARSET.sub(lambda m: m.group(1) + label, text)


def main() -> None:
    (PAGES / "gbk").mkdir(exist_ok=True)
    (PAGES / "utf8").mkdir(exist_ok=True)
    for name, label in TO_GBK.items():
        text = (PAGES / name).read_text(encoding="utf-8")
        (PAGES / "gbk" / name).write_bytes(_relabel(text, label).encode("gb18030"))
    for name in TO_UTF8:
        text = (PAGES / name).read_bytes().decode("gb18030")
        (PAGES / "utf8" / name).write_text(_relabel(text, "utf-8"), encoding="utf-8")


if __name__ == "__main__":
    main()
