"""Coverage: for a kind and a year, every expected issuer and whether it published.

An expected issuer (``search.coverage.issuers``) has **published** when the store holds a
report of that kind and year issued by that government itself (issuer level
``government``, see ``search.compliance.issuers``) for exactly its region code; a
department's report does not count for its government. Its status is the best of its
reports': ``on_time`` > ``late`` > ``date_unknown`` (no printed date and no early
sighting, or a year whose rule set no deadline); ``missing`` when there is none. The JSON
(``Coverage.to_dict``) is a stable interface: ``govsearch coverage --json`` and
``/api/coverage`` (README, Coverage).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..compliance.deadlines import deadline_for
from ..compliance.table import Assessed, assessments, refresh, years_of
from ..errors import GovsearchError
from ..models import DISCLOSURE_REPORT, LAW_REPORT
from ..store import Store
from .issuers import ExpectedIssuer, by_code, expected_issuers, find_province

STATUSES = ("on_time", "late", "date_unknown", "missing")
STATUS_LABELS = {"on_time": "按时公开", "late": "逾期公开", "date_unknown": "已公开·时间不详", "missing": "未找到"}
KINDS = (LAW_REPORT, DISCLOSURE_REPORT)
KIND_ALIASES = {
    "法治": LAW_REPORT, "法治政府": LAW_REPORT, "fazhi": LAW_REPORT, "fz": LAW_REPORT, "law": LAW_REPORT,
    "信息公开": DISCLOSURE_REPORT, "政府信息公开": DISCLOSURE_REPORT, "xxgk": DISCLOSURE_REPORT,
    "disclosure": DISCLOSURE_REPORT,
}
KIND_SHORT = {LAW_REPORT: "法治政府建设", DISCLOSURE_REPORT: "政府信息公开"}
_RANK = {"on_time": 0, "late": 1, "date_unknown": 2, "missing": 3}


class CoverageError(GovsearchError):
    """A coverage request names an unknown kind or province, or no year."""


def resolve_kind(value: str | None) -> str:
    """A report kind from its name or a short alias (法治, 信息公开, fz, xxgk)."""
    value = (value or "").strip()
    if value in KINDS:
        return value
    if value.lower() in KIND_ALIASES or value in KIND_ALIASES:
        return KIND_ALIASES.get(value.lower(), KIND_ALIASES.get(value))
    raise CoverageError(f"unknown report kind {value!r}: use {' or '.join(KINDS)} (or 法治 / 信息公开)")


def status_of(assessed: Assessed) -> str:
    if assessed.on_time == "yes":
        return "on_time"
    if assessed.on_time == "no":
        return "late"
    return "date_unknown"


@dataclass(frozen=True)
class IssuerStatus:
    """One expected issuer's status for the kind and year, with its best report."""

    issuer: ExpectedIssuer
    status: str
    report: Assessed | None = None
    reports: int = 0  # reports of this issuer, kind and year (copies included)

    def to_dict(self) -> dict:
        report = self.report
        return {
            "name": self.issuer.name, "region": self.issuer.region.to_dict(), "code": self.issuer.code,
            "level": self.issuer.level, "status": self.status, "report_id": report.report_id if report else None,
            "title": report.title if report else None, "publish_date": report.publish_date if report else None,
            "days_late": report.days_late if report else None, "synthetic": report.synthetic if report else False,
        }


@dataclass
class Tally:
    """Counts over a group of expected issuers."""

    expected: int = 0
    on_time: int = 0
    late: int = 0
    date_unknown: int = 0
    missing: int = 0

    def add(self, status: str) -> None:
        self.expected += 1
        setattr(self, status, getattr(self, status) + 1)

    @property
    def published(self) -> int:
        return self.expected - self.missing

    def percent(self, count: int) -> float:
        return round(100.0 * count / self.expected, 1) if self.expected else 0.0

    def to_dict(self) -> dict:
        return {"expected": self.expected, "published": self.published, "on_time": self.on_time, "late": self.late,
                "date_unknown": self.date_unknown, "missing": self.missing,
                "published_pct": self.percent(self.published), "on_time_pct": self.percent(self.on_time)}


@dataclass(frozen=True)
class Group:
    """A province or a city (the unit issuers are counted under) with its tally."""

    name: str
    province: str
    tally: Tally

    def to_dict(self) -> dict:
        return {"name": self.name, "province": self.province, **self.tally.to_dict()}


@dataclass(frozen=True)
class Coverage:
    kind: str
    year: int
    province: str | None  # the province asked for (its full name), or None for the whole country
    deadline: str | None  # the governments' deadline for this kind and year
    deadline_passed: bool
    issuers: tuple[IssuerStatus, ...]
    tally: Tally
    provinces: tuple[Group, ...] = ()
    cities: tuple[Group, ...] = ()
    unattributed: int = 0  # government reports of this kind and year whose region is not an expected issuer's

    def to_dict(self) -> dict:
        """The JSON of ``govsearch coverage --json`` and ``/api/coverage`` (a stable interface)."""
        return {
            "kind": self.kind, "year": self.year, "province": self.province,
            "expected": self.tally.expected, "published": self.tally.published, "on_time": self.tally.on_time,
            "late": self.tally.late, "date_unknown": self.tally.date_unknown, "missing": self.tally.missing,
            "deadline": self.deadline, "deadline_passed": self.deadline_passed,
            "unattributed": self.unattributed,
            "issuers": [status.to_dict() for status in self.issuers],
            "provinces": [group.to_dict() for group in self.provinces],
            "cities": [group.to_dict() for group in self.cities],
        }


def best_reports(found: list[Assessed]) -> dict[str, tuple[Assessed, int]]:
    """region code → its best government report (and how many it has) among the assessments."""
    best: dict[str, tuple[Assessed, int]] = {}
    for assessed in found:
        code = assessed.region_code
        if not code:
            continue
        current = best.get(code)
        if current is None:
            best[code] = (assessed, 1)
            continue
        keep = current[0]
        if (_RANK[status_of(assessed)], assessed.publish_date or "9999") < (_RANK[status_of(keep)], keep.publish_date or "9999"):
            keep = assessed
        best[code] = (keep, current[1] + 1)
    return best


def latest_complete_year(store: Store, kind: str, today: date | None = None) -> int:
    """The latest report year whose governments' deadline has passed, among the years the store
    holds (else the latest such year at all): the year a coverage view opens on."""
    today = today or date.today()
    kind = resolve_kind(kind)

    def passed(year: int) -> bool:
        deadline = deadline_for(kind, year, "government").day
        return deadline is not None and deadline < today

    held = [year for year in years_of(store, kind) if passed(year)]
    if held:
        return max(held)
    year = today.year - 1
    while not passed(year) and year > 2000:
        year -= 1
    return year


def coverage(store: Store, kind: str, year: int, province: str | None = None, today: date | None = None) -> Coverage:
    """Every expected issuer's status for one kind and year (in one province, or everywhere)."""
    kind = resolve_kind(kind)
    chosen = None
    if province:
        chosen = find_province(province)
        if chosen is None:
            raise CoverageError(f"unknown province {province!r}")
    refresh(store)
    found = assessments(store, kind, [year], ("government",))
    best = best_reports(found)
    issuers = [i for i in expected_issuers() if chosen is None or i.province_code == chosen.code]
    statuses, tally = [], Tally()
    by_province: dict[str, Tally] = {}
    by_city: dict[tuple[str, str], Tally] = {}
    for issuer in issuers:
        hit = best.get(issuer.code)
        status = status_of(hit[0]) if hit else "missing"
        statuses.append(IssuerStatus(issuer, status, hit[0] if hit else None, hit[1] if hit else 0))
        tally.add(status)
        by_province.setdefault(issuer.province, Tally()).add(status)
        by_city.setdefault((issuer.province, issuer.group()), Tally()).add(status)
    known = by_code()
    deadline = deadline_for(kind, year, "government").day
    return Coverage(
        kind=kind, year=year, province=chosen.unit if chosen else None, deadline=deadline.isoformat() if deadline else None,
        deadline_passed=deadline is not None and deadline < (today or date.today()), issuers=tuple(statuses), tally=tally,
        provinces=tuple(Group(name, name, t) for name, t in by_province.items()),
        cities=tuple(Group(city, prov, t) for (prov, city), t in by_city.items()),
        unattributed=sum(1 for code in best if code not in known),
    )
