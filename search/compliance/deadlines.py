"""The publication deadline a report was under, and whether it was met.

The deadline is the last allowed day (法治: before 4月1日 → 03-31; 信息公开: 1月31日 for
departments, 3月31日 for governments), chosen by kind, report year and issuer level from the
rules file. A printed publish date decides on-time or late. Without one, a first sighting
(``first_seen``: when the store first saw the report) on or before the deadline proves the
report was out in time; a later first sighting proves nothing, so the answer is unknown.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from .rules import DeadlineRule, load_rules

NO_RULE = "该报告类型没有法定公开期限"
CHINA = timezone(timedelta(hours=8))  # deadlines are days in China; sightings are stored in UTC


@dataclass(frozen=True)
class Deadline:
    """The last allowed day (None when the rule set none) and the rule, cited."""

    day: date | None
    rule: str
    reason: str | None = None  # why there is no day

    def iso(self) -> str | None:
        return self.day.isoformat() if self.day else None


@dataclass(frozen=True)
class Timeliness:
    on_time: bool | None
    days_late: int | None
    basis: str | None  # "publish_date" | "first_seen" | None


def deadline_for(kind: str, report_year: int | None, level: str) -> Deadline:
    """The deadline of a report of this kind, year and issuer level.

    >>> deadline_for("政府信息公开工作年度报告", 2022, "department").iso()
    '2023-01-31'
    >>> deadline_for("政府信息公开工作年度报告", 2022, "government").iso()
    '2023-03-31'
    >>> deadline_for("法治政府建设年度报告", 2017, "government").day is None
    True
    """
    rules = load_rules().for_kind(kind)
    if rules is None:
        return Deadline(None, NO_RULE, f"「{kind}」不是法定年度报告")
    if report_year is None:
        return Deadline(None, rules.rules[0].rule, "报告年度不详,无法确定期限")
    chosen: DeadlineRule | None = next((r for r in rules.rules if r.applies(report_year, level)), None)
    if chosen is None:
        if level == "unknown":
            candidates = {r.deadline for r in rules.rules if r.applies(report_year, "government")
                          or r.applies(report_year, "department")}
            if len(candidates) == 1:  # the rule does not depend on the issuer level
                return deadline_for(kind, report_year, "government")
            return Deadline(None, rules.rules[0].rule, "发布机关的层级不详(政府或部门),期限不同,无法确定")
        return Deadline(None, rules.rules[0].rule, f"没有适用于{report_year}年度的规定")
    if chosen.deadline is None:
        return Deadline(None, chosen.rule, chosen.reason)
    month, day = (int(part) for part in chosen.deadline.split("-"))
    return Deadline(date(report_year + 1, month, day), chosen.rule)


def _day(value: str | None) -> date | None:
    """The day of YYYY-MM-DD, or of an ISO timestamp in China time (None when unreadable).

    >>> _day("2023-03-31T17:00:00+00:00")  # already 1 April in Beijing
    datetime.date(2023, 4, 1)
    """
    if not value:
        return None
    try:
        if len(value) > 10:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is not None:
                return moment.astimezone(CHINA).date()
            return moment.date()
        return date.fromisoformat(value)
    except ValueError:
        return None


def timeliness(deadline: Deadline, publish_date: str | None, first_seen: str | None) -> Timeliness:
    """On time, late or unknown, with days late and what the answer rests on.

    >>> d = Deadline(date(2023, 3, 31), "rule")
    >>> timeliness(d, "2023-04-17", None)
    Timeliness(on_time=False, days_late=17, basis='publish_date')
    >>> timeliness(d, None, "2023-02-01T08:00:00+00:00")
    Timeliness(on_time=True, days_late=0, basis='first_seen')
    >>> timeliness(d, None, "2023-06-01T08:00:00+00:00")
    Timeliness(on_time=None, days_late=None, basis=None)
    """
    if deadline.day is None:
        return Timeliness(None, None, None)
    published = _day(publish_date)
    if published is not None:
        late = (published - deadline.day).days
        return Timeliness(late <= 0, max(0, late), "publish_date")
    seen = _day(first_seen)
    if seen is not None and seen <= deadline.day:
        return Timeliness(True, 0, "first_seen")
    return Timeliness(None, None, None)
