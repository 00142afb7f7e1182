"""Filter values checked before a search: regions, report years, topics and report kinds.

A filter value nothing can match (a misspelt region, a kind that does not exist, a year
range that ends before it starts) used to give 0 hits and no word why. ``check_filters``
sorts the values into the ones a search can use and ``Problem``s that name the value and
the nearest valid ones. Publish-date bounds may be a day, a month or a year. The edges decide what a problem means: the CLI makes it a usage
error (exit 2), the web page drops the value and shows a notice.

Topics are accepted by id (``review_litigation``) or by the Chinese name the UI shows
(``行政复议与行政应诉``) and come back as ids.
"""
from __future__ import annotations

import calendar
import difflib
import functools
import re
from dataclasses import dataclass

from .engine.contract import FILTER_FIELDS, UNKNOWN_REGION, UNKNOWN_YEAR, Filters
from .models import REPORT_KINDS
from .normalize import search_form

YEAR_LOW, YEAR_HIGH = 1949, 2100
NEAREST = 3  # valid values named beside an invalid one


@dataclass(frozen=True)
class Problem:
    """One filter value that was left out, and why."""

    param: str  # the parameter as the web spells it: region, year, topic, kind, from, to, pub_from, pub_to
    value: str
    reason: str  # "unknown", "not_a_year", "not_a_date" or "empty_range"
    nearest: tuple[str, ...] = ()  # the closest valid values, best first

    def text(self, option: str | None = None) -> str:
        """One English line for the CLI, e.g. ``unknown --region '浙江' (nearest: 浙江省)``."""
        name = option or f"--{self.param}"
        if self.reason == "empty_range" and self.param == "pub_from":
            return f"empty publish-date range {self.value}: the start is after the end"
        if self.reason == "empty_range":
            return f"empty year range {self.value}: --year-from is after --year-to"
        what = {"not_a_year": "not a year", "not_a_date": "not a date (YYYY-MM-DD, YYYY-MM or YYYY)"}.get(
            self.reason, "unknown")
        shown = [f"{v} ({topic_names().get(v)})" if self.param == "topic" else v for v in self.nearest]
        nearest = f" (nearest: {', '.join(shown)})" if shown else ""
        return f"{what} {name} {self.value!r}{nearest}"


@dataclass(frozen=True)
class CheckedFilters:
    """The usable filter values (topics as ids), and the problems with the rest.

    An empty range (from after to) is a problem but keeps both bounds: the web swaps them
    (``filters.ordered()``). Filter values read through it too (``checked.regions``).
    """

    filters: Filters = Filters()
    problems: tuple[Problem, ...] = ()

    def __getattr__(self, name: str):
        if name in FILTER_FIELDS:
            return getattr(self.filters, name)
        raise AttributeError(name)


@functools.lru_cache(maxsize=1)
def topic_names() -> dict[str, str]:
    """Topic id → Chinese name, in the taxonomy's order."""
    from .enrich.topics import topic_names as names

    return names()


@functools.lru_cache(maxsize=1)
def _topic_lookup() -> dict[str, str]:
    """Normalised id or name → topic id (全角 and 半角 brackets alike)."""
    lookup = {}
    for topic_id, name in topic_names().items():
        lookup[search_form(topic_id).lower()] = topic_id
        lookup[search_form(name)] = topic_id
    return lookup


@functools.lru_cache(maxsize=1)
def _regions() -> frozenset[str]:
    from .enrich.regions import region_filter_values

    return region_filter_values() | {UNKNOWN_REGION}


def resolve_topic(value: str) -> str | None:
    """The topic id a user's value names (an id or a Chinese name), or None.

    >>> resolve_topic("行政复议与行政应诉"), resolve_topic("REVIEW_LITIGATION"), resolve_topic("复议")
    ('review_litigation', 'review_litigation', None)
    """
    key = search_form(value.strip())
    return _topic_lookup().get(key) or _topic_lookup().get(key.lower())


def nearest(value: str, candidates, limit: int = NEAREST) -> tuple[str, ...]:
    """Valid values close to ``value``: those that start with it or contain it (浙江 → 浙江省),
    those it contains or starts with but for their suffix (苏州工业园区 → 苏州市), then those
    difflib finds similar (浙江身 → 浙江省).

    >>> nearest("浙江", ["江苏省", "浙江省", "浙江省/杭州市"])
    ('浙江省', '浙江省/杭州市')
    """
    key = search_form(value.strip())
    pool = sorted(set(candidates), key=lambda c: (len(c), c))
    found: list[str] = []
    if key:
        found += [c for c in pool if c.startswith(key)]
        found += [c for c in pool if key in c and c not in found]
        found += [c for c in pool if c in key and len(c) >= 2 and c not in found]
        # 苏州工业园区 → 苏州市: a name without its suffix (市, 区, 县 …) that the value starts with
        found += [c for c in pool if len(c) >= 3 and key.startswith(c[:-1]) and c not in found]
    found += [c for c in difflib.get_close_matches(key, pool, n=limit, cutoff=0.5) if c not in found]
    return tuple(found[:limit])


def _year(value) -> int | None:
    text = str(value).strip()
    if text.isdigit() and len(text) == 4 and YEAR_LOW <= int(text) <= YEAR_HIGH:
        return int(text)
    return None


_DATE = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?$")


def publish_date_bound(value, end: bool = False) -> str | None:
    """A publish-date bound as YYYY-MM-DD, or None if it is not a date. A year or a month
    means its first day as a start and its last day as an end (``end``).

    >>> publish_date_bound("2023"), publish_date_bound("2023-2", end=True), publish_date_bound("2023-02-30")
    ('2023-01-01', '2023-02-28', None)
    """
    found = _DATE.match(str(value).strip())
    if not found or not YEAR_LOW <= int(found.group(1)) <= YEAR_HIGH:
        return None
    year, month, day = int(found.group(1)), found.group(2), found.group(3)
    months = (int(month),) * 2 if month else (1, 12)
    month_number = months[1] if end else months[0]
    last = calendar.monthrange(year, month_number)[1] if 1 <= month_number <= 12 else 0
    day_number = int(day) if day else (last if end else 1)
    if not 1 <= month_number <= 12 or not 1 <= day_number <= last:
        return None
    return f"{year:04d}-{month_number:02d}-{day_number:02d}"


def _check_region(value: str) -> Problem | None:
    key = search_form(value.strip())
    if key in _regions():
        return None
    parts = [part for part in key.split("/") if part]
    if len(parts) > 1 and parts[-1] in _regions():
        # A known place under the wrong parent (浙江省/广州市, 北京/朝阳区): the real paths
        # to that place, the most similar first.
        paths = [path for path in _regions() if path.endswith("/" + parts[-1])]
        paths.sort(key=lambda path: (-difflib.SequenceMatcher(None, key, path).ratio(), path))
        return Problem("region", value, "unknown", tuple(paths[:NEAREST]))
    bad = next((part for part in parts if part not in _regions()), key)
    names = [region for region in _regions() if "/" not in region]  # 浙江 → 浙江省, not its cities' paths
    return Problem("region", value, "unknown", nearest(bad, names))


def check_filters(regions=(), years=(), topics=(), kinds=(), year_from=None, year_to=None,
                  published_from=None, published_to=None, on_time=(), missing_sections=()) -> CheckedFilters:
    """Sort filter values into usable ones and problems (see the module docstring).

    >>> checked = check_filters(regions=["浙江"], topics=["行政复议与行政应诉"], year_from=2025, year_to=2019)
    >>> checked.topics, [(p.param, p.reason, p.nearest[:1]) for p in checked.problems]
    (('review_litigation',), [('region', 'unknown', ('浙江省',)), ('from', 'empty_range', ())])
    >>> check_filters(topics=["复议"]).problems[0].text()
    "unknown --topic '复议' (nearest: review_litigation (行政复议与行政应诉))"

    """
    problems: list[Problem] = []
    good_regions = []
    for value in dict.fromkeys(v for v in regions if str(v).strip()):
        problem = _check_region(value)
        (problems.append(problem) if problem else good_regions.append(value))
    good_years = []
    for value in dict.fromkeys(str(v).strip() for v in years if str(v).strip()):
        if value == UNKNOWN_YEAR or _year(value) is not None:
            good_years.append(value)
        else:
            problems.append(Problem("year", value, "not_a_year"))
    good_topics = []
    for value in dict.fromkeys(v for v in topics if str(v).strip()):
        topic_id = resolve_topic(value)
        if topic_id:
            good_topics.append(topic_id)
        else:
            options = list(topic_names()) + list(topic_names().values())
            ids = dict.fromkeys(resolve_topic(option) for option in nearest(value, options, limit=2 * NEAREST))
            problems.append(Problem("topic", value, "unknown", tuple(ids)[:NEAREST]))
    good_kinds = []
    for value in dict.fromkeys(v for v in kinds if str(v).strip()):
        if search_form(value.strip()) in REPORT_KINDS:
            good_kinds.append(search_form(value.strip()))
        else:
            problems.append(Problem("kind", value, "unknown", nearest(value, REPORT_KINDS)))
    bounds = {}
    for param, value in (("from", year_from), ("to", year_to)):
        if value is None or str(value).strip() == "":
            bounds[param] = None
            continue
        bounds[param] = _year(value)
        if bounds[param] is None:
            problems.append(Problem(param, str(value), "not_a_year"))
    low, high = bounds["from"], bounds["to"]
    if low is not None and high is not None and low > high:
        problems.append(Problem("from", f"{low}–{high}", "empty_range"))
    dates = {}
    for param, value, end in (("pub_from", published_from, False), ("pub_to", published_to, True)):
        dates[param] = publish_date_bound(value, end) if value is not None and str(value).strip() else None
        if value is not None and str(value).strip() and dates[param] is None:
            problems.append(Problem(param, str(value), "not_a_date"))
    if dates["pub_from"] and dates["pub_to"] and dates["pub_from"] > dates["pub_to"]:
        problems.append(Problem("pub_from", f"{dates['pub_from']}–{dates['pub_to']}", "empty_range"))
    from .compliance.filters import compliance_filters

    compliance = compliance_filters([str(v) for v in on_time], [str(v) for v in missing_sections])
    problems.extend(Problem(param, value, "unknown", compliance.nearest(param, value))
                    for param, value in compliance.rejected)
    filters = Filters(tuple(dict.fromkeys(good_regions)), tuple(good_years), tuple(dict.fromkeys(good_topics)),
                      tuple(dict.fromkeys(good_kinds)), low, high, dates["pub_from"], dates["pub_to"],
                      compliance.on_time, compliance.missing_sections)
    return CheckedFilters(filters, tuple(problems))
