"""Which province / city / county a report belongs to, from page metadata and its own words.

Order of evidence (DOMAIN.md): the page's SiteIDCode, the host name and the SiteName describe
the *portal*; the title and the issuer describe the *report*. A report that names a unit in
its title or issuer belongs to that unit even on another unit's portal (a provincial report
reposted on a county site is the province's); the portal only disambiguates short or
ambiguous names and fills in when the report names no place. The opening text is the last
resort. Unknown (``Region()``) is an honest answer: a bare 朝阳区 (Beijing or Changchun) is
never guessed.

Data: ``search/data/regions.tsv`` (current code table, built by scripts/build_regions.py),
``regions_aliases.tsv`` (renamed/merged units → current code) and ``regions_hosts.tsv``
(portal domains). All loaded lazily on first use.
"""
from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from search.models import Region
from search.normalize import normalize_text, to_simplified

LOGGER = logging.getLogger(__name__)

_DATA = Path(__file__).resolve().parent.parent / "data"
_MUNICIPALITIES = {"110000", "120000", "310000", "500000"}
# Host labels that name a service or a department, never a place (信息公开, 政务服务 …).
_SERVICE_LABELS = {"www", "xxgk", "zwgk", "zfxxgk", "gk", "wap", "m", "en", "english", "zwfw", "sfj", "sft", "fzb"}
_TEXT_WINDOW = 300  # the opening of a report names its subject; later mentions are incidental
_ADDRESSEE = re.compile(r"^[^\n。]{2,80}[:：]\s*$", re.M)  # 中共温州市委、温州市人民政府:
_UNDER_LEADERSHIP = re.compile(r"在[^。;；\n]{0,60}?(?:领导|指导|支持)下")  # 在绍兴市委、市政府的坚强领导下
_BOOK_TITLE = re.compile(r"《[^》\n]{0,80}》")  # 《浙江省…规定》 names a document, not the subject


@dataclass(frozen=True)
class _Unit:
    code: str
    name: str
    level: str  # province | city | county
    parent: str


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    codes: tuple[str, ...]
    weak: bool  # a short form (临平, 杭州) or an unanchored two-character name: needs context


@dataclass(frozen=True)
class _Gazetteer:
    units: dict[str, _Unit]
    old_codes: dict[str, str]
    names: dict[str, tuple[str, ...]]  # full names, aliases, 恩施州-style short forms
    weak_names: dict[str, tuple[str, ...]]  # suffix-less short forms
    lengths: dict[str, tuple[int, ...]]  # first character → candidate name lengths, longest first
    pinyin: dict[str, tuple[str, ...]]
    initials: dict[str, tuple[str, ...]]
    hosts: dict[str, str]


def _read_tsv(name: str) -> list[dict[str, str]]:
    lines = (_DATA / name).read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"))) for line in lines[1:] if line.strip()]


def _add(index: dict[str, list[str]], key: str, code: str) -> None:
    if key and code not in index.setdefault(key, []):
        index[key].append(code)


@functools.lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    """Load the code table, aliases and host table once."""
    units: dict[str, _Unit] = {}
    names: dict[str, list[str]] = {}
    weak: dict[str, list[str]] = {}
    pinyin: dict[str, list[str]] = {}
    initials: dict[str, list[str]] = {}
    for row in _read_tsv("regions.tsv"):
        code = row["code"]
        units[code] = _Unit(code, row["name"], row["level"], row["parent"])
        _add(names, row["name"], code)
        short = row["short"]
        if short:
            _add(weak, short, code)
            # Official short forms keep a suffix: 恩施州, 长阳县, 鄂伦春旗.
            for kind, suffix in (("自治州", "州"), ("自治县", "县"), ("自治旗", "旗")):
                if row["type"] == kind:
                    _add(names, short + suffix, code)
        _add(pinyin, row["pinyin"], code)
        _add(initials, row["initials"], code)
    old_codes: dict[str, str] = {}
    for row in _read_tsv("regions_aliases.tsv"):
        if row["code"] not in units:
            LOGGER.warning("region alias %s points at unknown code %s", row["alias"], row["code"])
            continue
        _add(names, row["alias"], row["code"])
        if row.get("old_code") and row["old_code"] not in units:
            old_codes[row["old_code"]] = row["code"]
    hosts = {row["host"]: row["code"] for row in _read_tsv("regions_hosts.tsv") if row["code"] in units}
    lengths: dict[str, set[int]] = {}
    for key in list(names) + list(weak):
        lengths.setdefault(key[0], set()).add(len(key))
    freeze = lambda index: {key: tuple(codes) for key, codes in index.items()}  # noqa: E731
    return _Gazetteer(
        units=units,
        old_codes=old_codes,
        names=freeze(names),
        weak_names=freeze({k: v for k, v in weak.items() if k not in names}),
        lengths={char: tuple(sorted(sizes, reverse=True)) for char, sizes in lengths.items()},
        pinyin=freeze(pinyin),
        initials=freeze(initials),
        hosts=hosts,
    )


# --- codes and names -------------------------------------------------------------------

def _chain(code: str) -> list[str]:
    """The code and its ancestors, most specific first."""
    units = _gazetteer().units
    out = []
    while code in units:
        out.append(code)
        code = units[code].parent
    return out


def _within(code: str, ancestor: str) -> bool:
    return ancestor in _chain(code)


def _current_code(code: str) -> str | None:
    """A 6-digit code as today's table knows it: itself, its renamed successor, or its city/province."""
    gaz = _gazetteer()
    code = code.ljust(6, "0")[:6]
    if code in gaz.units:
        return code
    if code in gaz.old_codes:
        return gaz.old_codes[code]
    # A unit we do not list (a development zone, a newer county): its city or province is right.
    for prefix in (code[:4] + "00", code[:2] + "0000"):
        if prefix in gaz.units:
            return prefix
    return None


def region_code_names(code: str) -> Region:
    """Expand an administrative code (6 digits; 2/4 digits padded; old codes followed) to names.

    >>> region_code_names("330113").label()
    '浙江省 杭州市 临平区'
    >>> region_code_names("110105")
    Region(province='北京市', city=None, county='朝阳区', code='110105')
    """
    digits = (code or "").strip()
    if not digits.isdigit() or not 2 <= len(digits) <= 6:
        return Region()
    current = _current_code(digits)
    if current is None:
        return Region()
    units = _gazetteer().units
    fields: dict[str, str] = {}
    for link in _chain(current):
        fields[units[link].level] = units[link].name
    return Region(province=fields.get("province"), city=fields.get("city"), county=fields.get("county"), code=current)


def region_path(region: Region) -> list[str]:
    """Facet keys from the top down: ["浙江省", "浙江省/杭州市", "浙江省/杭州市/临平区"].

    >>> region_path(Region(province="北京市", county="朝阳区", code="110105"))
    ['北京市', '北京市/朝阳区']
    """
    path: list[str] = []
    for name in region.names():
        path.append(f"{path[-1]}/{name}" if path else name)
    return path


@functools.lru_cache(maxsize=1)
def region_filter_values() -> frozenset[str]:
    """Every value a region filter can match: each unit's name and its path from the top.

    >>> {"浙江省", "杭州市", "浙江省/杭州市/临平区", "北京市/朝阳区"} <= region_filter_values()
    True
    """
    values: set[str] = set()
    for code, unit in _gazetteer().units.items():
        values.add(unit.name)
        values.update(region_path(region_code_names(code)))
    return frozenset(values)


# --- names in text ---------------------------------------------------------------------

def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def _mentions(text: str) -> list[_Mention]:
    """Place names in text, longest match first, left to right."""
    gaz = _gazetteer()
    found: list[_Mention] = []
    i, size = 0, len(text)
    while i < size:
        lengths = gaz.lengths.get(text[i])
        matched = 0
        for length in lengths or ():
            if i + length > size:
                continue
            key = text[i : i + length]
            following = text[i + length : i + length + 1]
            # 合作市场 / 大同市场 are markets, 长三角区域 a region: not place names.
            if (key[-1] == "市" and following == "场") or (key[-1] == "区" and following == "域"):
                continue
            codes = gaz.names.get(key)
            weak = False
            if codes is None:
                codes, weak = gaz.weak_names.get(key), True
            if codes is None:
                continue
            # Two-character names (和县, 城区) hide inside ordinary words (市和县两级): only a
            # name standing at a boundary counts on its own.
            if length == 2 and i > 0 and _is_cjk(text[i - 1]) and text[i - 1] != "共":
                weak = True
            found.append(_Mention(i, i + length, codes, weak))
            matched = length
            break
        i += matched or 1
    return found


def _chains(text: str, mentions: list[_Mention]) -> list[tuple[tuple[str, ...], bool, int]]:
    """Group adjacent parent→child mentions (温州市龙湾区, 杭州 临平): (codes, weak, position)."""
    chains: list[tuple[tuple[str, ...], bool, int]] = []
    last_end = -1
    for mention in mentions:
        if chains and not text[last_end : mention.start].strip():
            codes, weak, start = chains[-1]
            narrowed = tuple(c for c in mention.codes if any(c != p and _within(c, p) for p in codes))
            if narrowed:
                # A parent and its child side by side confirm each other, even as short forms.
                chains[-1] = (narrowed, False, start)
                last_end = mention.end
                continue
        chains.append((mention.codes, mention.weak, mention.start))
        last_end = mention.end
    return chains


def _common_depth(code: str, other: str) -> int:
    mine, theirs = _chain(code), set(_chain(other))
    return sum(1 for link in mine if link in theirs)


def _pick(codes: tuple[str, ...], weak: bool, anchors: list[str], context: str | None) -> str | None:
    """One code out of a chain's candidates, or None when it stays ambiguous."""
    if weak:
        # A short form counts only inside the portal's own area (临平 on a Hangzhou site).
        codes = tuple(c for c in codes if context and _within(c, context))
    if len(codes) == 1:
        return codes[0]
    if not codes:
        return None
    # Another name in the same string: 朝阳区 … 长春市.
    narrowed = [c for c in codes if any(c != a and _within(c, a) for a in anchors)]
    if len(narrowed) == 1:
        return narrowed[0]
    if context:
        depths = {c: _common_depth(c, context) for c in codes}
        best = max(depths.values())
        winners = [c for c, depth in depths.items() if depth == best]
        if best and len(winners) == 1:
            return winners[0]
    return None


def _simplified(text: str) -> str:
    """Simplified script for matching (廣州市 → 广州市), keeping 乾 (乾县, 乾安县), which t2s turns into 干."""
    simple = to_simplified(text)
    if simple != text and len(simple) == len(text) and "乾" in text:
        simple = "".join(old if old == "乾" else new for old, new in zip(text, simple))
    return simple


def _resolve_string(text: str | None, context: str | None = None, allow_weak: bool = True) -> str | None:
    """The code of the first unit a string names unambiguously."""
    if not text:
        return None
    text = _BOOK_TITLE.sub(" ", _simplified(normalize_text(text)))
    chains = _chains(text, _mentions(text))
    if not allow_weak:
        chains = [chain for chain in chains if not chain[1]]
    anchors = [codes[0] for codes, weak, _ in chains if len(codes) == 1 and not weak]
    for codes, weak, _ in chains:
        code = _pick(codes, weak, anchors, context)
        if code:
            return code
    return None


def _opening(text: str) -> str:
    """The report's opening, without the addressee line and the 在…领导下 clause."""
    text = _ADDRESSEE.sub(" ", text.strip()[: _TEXT_WINDOW * 2])
    return _UNDER_LEADERSHIP.sub(" ", text)[:_TEXT_WINDOW]


# Who speaks: 我省/全省 is a province's report, 我市/全市 a city's (or a county-level city's),
# 我县/全区/我旗 a county's. First-person words count double; 省委/市政府 may name a superior.
_RANKING = r"(?!率先|首|第一|唯一|领先|前列|排名|推广|最佳|优秀|先进|营商|评选|考核|考评|示范)"
_VOICE = (
    ("province", re.compile(rf"我省|本省|(?:全省|全自治区){_RANKING}|我自治区"),
     re.compile(r"省委|省政府|省人民政府|自治区党委|自治区(?:人民)?政府")),
    ("city", re.compile(rf"我市|本市|全市{_RANKING}|我州|全州{_RANKING}|我盟|全盟{_RANKING}"),
     re.compile(r"市委|市政府|市人民政府|州委|州政府|盟委|行署")),
    ("county", re.compile(rf"我县|全县{_RANKING}|本县|我区|全区{_RANKING}|本区|我旗|全旗{_RANKING}|我镇|全镇|我乡|全乡|我苏木|全苏木|我街道"),
     re.compile(r"县委|县政府|县人民政府|区委|区政府|区人民政府|旗委|旗政府|镇政府|乡政府|街道办事处")),
)
# A ministry speaks of 部党组, 部领导, 部机关: its report is national, whatever places it names.
_NATIONAL = re.compile(r"部党组|部领导|部机关|部直属|我部(?!门)|国务院各部门|委党组(?=.{0,30}国务院)")
_LEVELS = ("province", "city", "county")
_TEXT_EVIDENCE = 1500  # characters of the text weighed for place names and voice


def _voice_level(text: str) -> str | None:
    """The level of government the text speaks as, when its own words say so."""
    scores = {level: 2 * len(first.findall(text)) + len(third.findall(text)) for level, first, third in _VOICE}
    best = max(scores.values())
    if best < 2:
        return None
    return max(_LEVELS, key=lambda level: (scores[level], _LEVELS.index(level)))


def _text_scores(text: str, context: str | None) -> dict[str, float]:
    """Place names in the text, weighed: full names 2, a document's own place (《景德镇市…纲要》) and
    province short forms (对江苏工作, 法治福建) 1; each counts for its ancestors too."""
    gaz = _gazetteer()
    books = [(m.start(), m.end()) for m in _BOOK_TITLE.finditer(text)]
    scores: dict[str, float] = {}
    for mention in _mentions(text):
        book = next(((start, end) for start, end in books if start <= mention.start < end), None)
        if book and mention.start > book[0] + 3:
            continue  # a place inside a document's name, not at its head (《关于支持温州…》)
        candidates = mention.codes
        if mention.weak:
            provinces = tuple(c for c in candidates if gaz.units[c].level == "province")
            if provinces and len(provinces) == len(candidates):
                weight = 1.0  # 江苏, 福建: a province's short form is its own
            elif context:
                candidates = tuple(c for c in candidates if _within(c, context))
                weight = 1.0
            else:
                continue  # 资源, 共和: a short form means a place only beside its parent or on its portal
        else:
            weight = 1.0 if book else 2.0
        if len(candidates) != 1:
            continue
        for link in _chain(candidates[0]):
            scores[link] = scores.get(link, 0.0) + weight
    return scores


def _best_at(scores: dict[str, float], level: str) -> str | None:
    """The best-supported unit of a level, going down from the best province."""
    units = _gazetteer().units
    chosen = None
    for depth in _LEVELS[: _LEVELS.index(level) + 1]:
        pool = [code for code in scores if units[code].level == depth and (chosen is None or _within(code, chosen))]
        if depth == "county" and level == "city":
            pool = []
        if not pool:
            if depth == "city" and level == "county":
                # a county directly under a municipality, or a county-level city named alone
                continue
            break
        best = max(pool, key=lambda code: scores[code])
        if scores[best] < 1 or sum(1 for code in pool if scores[code] == scores[best]) > 1:
            break
        chosen = best
    return chosen


def _from_text(text: str, context: str | None) -> str | None:
    """The unit a report's own words name: its opening's subject, or the places its text names at
    the level it speaks as (我省 … 对江苏工作 → 江苏省; 我旗 … 乌拉特前旗政府网站 → 乌拉特前旗)."""
    first = _resolve_string(_opening(text), context, allow_weak=False)
    window = _UNDER_LEADERSHIP.sub(" ", _ADDRESSEE.sub(" ", text.strip()[:_TEXT_EVIDENCE]))
    window = _simplified(normalize_text(window))
    if _NATIONAL.search(window) and first is None:
        return None  # a ministry's report: no region, whatever places its text mentions
    level = _voice_level(window)
    if level is None:
        return first
    units = _gazetteer().units
    if first and (units[first].level == level or (level == "city" and units[first].name.endswith("市"))):
        return first
    picked = _best_at(_text_scores(window, context), level)
    if picked and (first is None or _within(first, picked) or _within(picked, first)):
        deeper = first if first and _within(first, picked) else picked
        return deeper
    return picked or first


# --- portal evidence -------------------------------------------------------------------

def _from_site_id(site_id_code: str | None) -> str | None:
    """SiteIDCode 3301130001 → 330113 (政府网站发展指引: admin code + serial; bm… = ministries)."""
    digits = (site_id_code or "").strip()
    if len(digits) < 6 or not digits[:6].isdigit():
        return None
    return _current_code(digits[:6])


def _from_host(host: str | None) -> str | None:
    """Portal domain → code: the host table, else the pinyin of the label before .gov.cn."""
    if not host:
        return None
    host = (urlsplit(host).hostname if "//" in host else host.split("/")[0].split(":")[0]) or ""
    labels = host.lower().strip(".").split(".")
    gaz = _gazetteer()
    for i in range(len(labels) - 1):
        code = gaz.hosts.get(".".join(labels[i:]))
        if code:
            return code
    if labels[-2:] != ["gov", "cn"] or len(labels) < 3 or labels[-3] in _SERVICE_LABELS:
        return None
    return _from_pinyin(labels[-3])


def _from_pinyin(label: str) -> str | None:
    """linping → 临平区; hzlp → 杭州 + 临平: accepted only when exactly one unit fits."""
    gaz = _gazetteer()
    found = set(gaz.pinyin.get(label, ()))
    if len(found) != 1:
        found = set()
        for cut in range(2, len(label) - 1):
            head, tail = label[:cut], label[cut:]
            parents = gaz.pinyin.get(head, ()) + gaz.initials.get(head, ())
            parents = tuple(p for p in parents if gaz.units[p].level != "county")
            children = gaz.pinyin.get(tail, ()) + gaz.initials.get(tail, ())
            found.update(c for c in children for p in parents if c != p and _within(c, p))
    return found.pop() if len(found) == 1 else None


# --- the public entry ------------------------------------------------------------------

def resolve_region(
    *,
    site_id_code: str | None = None,
    host: str | None = None,
    site_name: str | None = None,
    title: str | None = None,
    issuer: str | None = None,
    text: str | None = None,
) -> Region:
    """The region a report is about; ``Region()`` when the evidence does not say.

    Args: page metadata (SiteIDCode meta, host name, SiteName meta), the report's title and
    issuer, and its text (only the opening is read). Returns a Region with names and the
    current 6-digit code of the most specific unit.

    >>> resolve_region(issuer="中共温州市龙湾区委 温州市龙湾区人民政府").label()
    '浙江省 温州市 龙湾区'
    >>> resolve_region(title="朝阳区2022年法治政府建设年度报告")
    Region(province=None, city=None, county=None, code=None)
    """
    portal = None
    for code in (_from_site_id(site_id_code), _from_host(host)):
        if code and (portal is None or _within(code, portal)):
            portal = code
    site = _resolve_string(site_name, portal)
    if site and (portal is None or _within(site, portal)):
        portal = site

    named = _resolve_string(title, portal)
    by_issuer = _resolve_string(issuer, named or portal)
    if by_issuer and (named is None or _within(by_issuer, named)):
        named = by_issuer
    if named:
        return region_code_names(named)

    # Nothing in the title or issuer: what the text names (the portal only disambiguates),
    # else the portal itself (an inference: the caller marks it so).
    by_text = _from_text(text, portal) if text else None
    if by_text:
        return region_code_names(by_text)
    if portal:
        return region_code_names(portal)
    return Region()


def region_from_portal(*, site_id_code: str | None = None, host: str | None = None,
                       site_name: str | None = None) -> Region:
    """The region of the portal alone (its SiteIDCode, host name and SiteName)."""
    portal = None
    for code in (_from_site_id(site_id_code), _from_host(host)):
        if code and (portal is None or _within(code, portal)):
            portal = code
    site = _resolve_string(site_name, portal)
    if site and (portal is None or _within(site, portal)):
        portal = site
    return region_code_names(portal) if portal else Region()


# --- the code table as a list (coverage: every expected issuer) --------------------------

@dataclass(frozen=True)
class AdminUnit:
    """One unit of the code table: code, name, level (province|city|county), parent code, type."""

    code: str
    name: str
    level: str
    parent: str
    type: str


@functools.lru_cache(maxsize=1)
def administrative_units() -> tuple[AdminUnit, ...]:
    """Every unit of ``regions.tsv`` in file order (each province, then its cities and counties).

    >>> next(u for u in administrative_units() if u.code == "330113")
    AdminUnit(code='330113', name='临平区', level='county', parent='330100', type='市辖区')
    """
    return tuple(AdminUnit(row["code"], row["name"], row["level"], row["parent"], row["type"])
                 for row in _read_tsv("regions.tsv"))
