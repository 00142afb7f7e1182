"""Compliance of one report: its publication deadline, whether it was met, its mandated sections.

``assess(stored)`` is a pure function of the stored report (its text, metadata and first
sighting) and the rules in ``search/data/compliance.json``; the index, the report page,
``/api/reports/<id>`` and coverage all use it, so they always agree. Its JSON
(``Compliance.to_dict``) is a stable interface (README, Compliance).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..models import StoredReport
from .deadlines import Deadline, deadline_for, timeliness
from .issuers import issuer_level
from .rules import load_rules, rules_version
from .sections import SectionCheck, check_sections

ON_TIME_VALUES = ("yes", "no", "unknown")  # the on_time facet and filter
ON_TIME_LABELS = {"yes": "是", "no": "否", "unknown": "未知"}
LEVEL_LABELS = {"government": "政府", "department": "政府部门", "township": "乡镇(街道)", "other": "其他机构",
                "unknown": "不详"}

__all__ = ["Compliance", "SectionCheck", "assess", "index_fields", "ON_TIME_VALUES", "ON_TIME_LABELS", "LEVEL_LABELS",
           "section_names", "rules_version"]


@dataclass(frozen=True)
class Compliance:
    """What the rules say about one report."""

    deadline: str | None  # YYYY-MM-DD, the last allowed day
    deadline_rule: str
    deadline_reason: str | None  # why there is no deadline
    issuer_level: str  # government | department | township | other | unknown
    published_on_time: bool | None
    days_late: int | None
    date_basis: str | None  # publish_date | first_seen | None
    sections: tuple[SectionCheck, ...]
    sections_complete: bool | None
    sections_mandated: bool  # the kind's section list was mandated for this report's year
    regulated: bool  # the kind is one the rules cover (法治, 信息公开); others have no deadline or sections

    def on_time_value(self) -> str | None:
        """The on_time facet value: yes / no / unknown, or None for kinds no rule covers."""
        if not self.regulated:
            return None
        if self.published_on_time is None:
            return "unknown"
        return "yes" if self.published_on_time else "no"

    def missing_sections(self) -> tuple[str, ...]:
        """Required sections without a heading of their own (only where the list was mandated)."""
        if not self.sections_mandated:
            return ()
        return tuple(s.name for s in self.sections if s.required and not s.present)

    def to_dict(self) -> dict:
        """The ``compliance`` object of /api/reports/<id> (a stable interface)."""
        return {
            "deadline": self.deadline,
            "deadline_rule": self.deadline_rule,
            "deadline_reason": self.deadline_reason,
            "issuer_level": self.issuer_level,
            "published_on_time": self.published_on_time,
            "days_late": self.days_late,
            "date_basis": self.date_basis,
            "sections": [s.to_dict() for s in self.sections],
            "sections_complete": self.sections_complete,
        }


def section_names() -> tuple[str, ...]:
    """Every canonical mandated-section name (the values of the missing_section filter)."""
    return load_rules().all_section_names()


def index_fields(stored: StoredReport) -> dict[str, str]:
    """The index fields of a report's paragraphs: on_time (yes/no/unknown, or empty) and the
    missing sections, comma-separated."""
    compliance = assess(stored)
    return {"on_time": compliance.on_time_value() or "", "missing_section": ",".join(compliance.missing_sections())}


def assess(stored: StoredReport) -> Compliance:
    """The compliance of a stored report under the current rules."""
    report = stored.report
    level = issuer_level(report)
    deadline: Deadline = deadline_for(report.report_kind, report.report_year, level)
    timing = timeliness(deadline, report.publish_date, stored.first_seen)
    kind_rules = load_rules().for_kind(report.report_kind)
    sections: tuple[SectionCheck, ...] = ()
    complete = None
    mandated = False
    if kind_rules is not None and report.paragraphs:
        sections = check_sections(report.paragraphs, kind_rules, report.report_year,
                                  traditional="traditional_script" in report.quality, tables=report.tables)
        mandated = (kind_rules.mandated_from is None or
                    (report.report_year is not None and report.report_year >= kind_rules.mandated_from))
        if mandated:
            complete = all(s.present for s in sections if s.required)
    return Compliance(
        deadline=deadline.iso(), deadline_rule=deadline.rule, deadline_reason=deadline.reason, issuer_level=level,
        published_on_time=timing.on_time, days_late=timing.days_late, date_basis=timing.basis,
        sections=sections, sections_complete=complete, sections_mandated=mandated, regulated=kind_rules is not None,
    )
