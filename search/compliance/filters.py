"""The two compliance filters as typed values: 按时公开 (on_time) and 缺少章节 (missing_section).

Kept apart from the other filters so that a later single Filters type can take them over
whole: ``compliance_filters`` checks raw values (from a URL or a saved query) and returns
the valid ones, in order, without repeats, plus the values it left out.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from . import ON_TIME_LABELS, ON_TIME_VALUES, section_names

# Words a person may type for on_time (是/否/未知, true/false) → the canonical value.
_ON_TIME_WORDS = {"yes": "yes", "是": "yes", "true": "yes", "1": "yes", "按时": "yes",
                  "no": "no", "否": "no", "false": "no", "0": "no", "逾期": "no", "未按时": "no",
                  "unknown": "unknown", "未知": "unknown", "不详": "unknown"}


@dataclass(frozen=True)
class ComplianceFilters:
    on_time: tuple[str, ...] = ()
    missing_sections: tuple[str, ...] = ()
    rejected: tuple[tuple[str, str], ...] = ()  # (parameter, value) left out

    def nearest(self, param: str, value: str) -> tuple[str, ...]:
        """The valid values closest to a rejected one (all three for on_time)."""
        if param == "on_time":
            return ON_TIME_VALUES
        return tuple(difflib.get_close_matches(value.strip(), section_names(), n=3, cutoff=0.3))

    def url_params(self) -> list[tuple[str, str]]:
        return [("on_time", v) for v in self.on_time] + [("missing_section", v) for v in self.missing_sections]

    def labels(self) -> list[tuple[str, str, str]]:
        """(parameter, value, Chinese label) of each picked value, for chips."""
        return ([("on_time", v, f"按时公开:{ON_TIME_LABELS[v]}") for v in self.on_time]
                + [("missing_section", v, f"缺少章节:{v}") for v in self.missing_sections])


def compliance_filters(on_time: list[str] | tuple[str, ...] = (),
                       missing_sections: list[str] | tuple[str, ...] = ()) -> ComplianceFilters:
    """The valid on_time and missing_section values among raw ones (others are left out).

    >>> compliance_filters(["是", "no", "maybe"], ["第一责任人职责履行情况", "目录"])
    ComplianceFilters(on_time=('yes', 'no'), missing_sections=('第一责任人职责履行情况',), rejected=(('on_time', 'maybe'), ('missing_section', '目录')))
    """
    kept_on_time: list[str] = []
    kept_missing: list[str] = []
    rejected: list[tuple[str, str]] = []
    names = set(section_names())
    for raw in on_time:
        value = _ON_TIME_WORDS.get(raw.strip().lower())
        if value is None:
            rejected.append(("on_time", raw))
        elif value not in kept_on_time:
            kept_on_time.append(value)
    for raw in missing_sections:
        value = raw.strip()
        if value not in names:
            rejected.append(("missing_section", raw))
        elif value not in kept_missing:
            kept_missing.append(value)
    return ComplianceFilters(tuple(kept_on_time), tuple(kept_missing), tuple(rejected))
