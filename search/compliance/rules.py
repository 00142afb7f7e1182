"""The compliance rules as data: deadlines by kind, report year and issuer level, and the
mandated sections of each kind with the heading cues that find them.

Everything lives in ``search/data/compliance.json`` (edit the file, not the code); it is
read once per process. ``rules_version()`` changes whenever the file does, so stored
assessments made under older rules are recomputed.
"""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..normalize import search_form

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "compliance.json"
# Bump when the code would assess the same report differently under the same data file.
CODE_VERSION = "1"
LEVELS = ("government", "department", "township", "other")


@dataclass(frozen=True)
class DeadlineRule:
    """One rule: for report years from..to (inclusive, None = open) and some issuer levels."""

    from_year: int | None
    to_year: int | None
    levels: tuple[str, ...]
    deadline: str | None  # MM-DD of the year after the report year; None: the rule set none
    rule: str  # the rule, cited
    reason: str | None = None  # why there is no deadline

    def applies(self, year: int, level: str) -> bool:
        return ((self.from_year is None or year >= self.from_year)
                and (self.to_year is None or year <= self.to_year) and level in self.levels)


@dataclass(frozen=True)
class SectionSpec:
    """A mandated section: its canonical name and the cues that find it (normalised)."""

    name: str
    required: bool
    strong: tuple[str, ...]
    weak: tuple[str, ...]
    mention: tuple[str, ...]
    implicit: str | None = None  # "leading_headings": the unnamed top-level headings before the other sections

    def cues(self, which: str, report_year: int | None) -> tuple[str, ...]:
        """The ``strong``/``weak``/``mention`` cues with {next_year} filled in (dropped when the year is unknown)."""
        raw = getattr(self, which)
        if report_year is None:
            return tuple(cue for cue in raw if "{next_year}" not in cue)
        return tuple(cue.replace("{next_year}", str(report_year + 1)) for cue in raw)


@dataclass(frozen=True)
class KindRules:
    kind: str
    rules: tuple[DeadlineRule, ...]
    sections: tuple[SectionSpec, ...]
    mandated_from: int | None

    def section_names(self) -> tuple[str, ...]:
        return tuple(section.name for section in self.sections)


@dataclass(frozen=True)
class IssuerWords:
    government: tuple[str, ...]
    party: tuple[str, ...]
    department: tuple[str, ...]
    township: tuple[str, ...]
    other: tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    kinds: dict[str, KindRules]
    issuers: IssuerWords
    version: str

    def for_kind(self, kind: str) -> KindRules | None:
        return self.kinds.get(kind)

    def all_section_names(self) -> tuple[str, ...]:
        """Every canonical section name of every kind, in file order (the missing_section values)."""
        return tuple(name for kind in self.kinds.values() for name in kind.section_names())


def _words(values) -> tuple[str, ...]:
    return tuple(search_form(value) for value in values)


def _section(data: dict) -> SectionSpec:
    heading = data.get("heading") or {}
    return SectionSpec(name=data["name"], required=bool(data.get("required", True)),
                       strong=_words(heading.get("strong", ())), weak=_words(heading.get("weak", ())),
                       mention=_words(data.get("mention", ())), implicit=data.get("implicit"))


@functools.lru_cache(maxsize=1)
def load_rules() -> Rules:
    """The rules file, parsed once per process."""
    raw = RULES_FILE.read_bytes()
    data = json.loads(raw.decode("utf-8"))
    kinds = {}
    for kind, spec in data["kinds"].items():
        rules = tuple(DeadlineRule(from_year=r.get("from_year"), to_year=r.get("to_year"),
                                   levels=tuple(r["levels"]), deadline=r.get("deadline"), rule=r["rule"],
                                   reason=r.get("reason"))
                      for r in spec["rules"])
        for rule in rules:
            unknown = set(rule.levels) - set(LEVELS)
            if unknown:
                raise ValueError(f"{RULES_FILE}: unknown issuer levels {sorted(unknown)} in a rule of {kind}")
        kinds[kind] = KindRules(kind, rules, tuple(_section(s) for s in spec["sections"]), spec.get("mandated_from"))
    words = data["issuer_levels"]
    issuers = IssuerWords(government=_words(words["government"]), party=_words(words["party_with_government"]),
                          department=_words(words["department"]), township=_words(words["township"]),
                          other=_words(words["other"]))
    version = CODE_VERSION + ":" + hashlib.sha256(raw).hexdigest()[:12]
    return Rules(kinds, issuers, version)


def rules_version() -> str:
    """Changes whenever an assessment could change: the rules file or the code's version."""
    return load_rules().version
