"""The one document type the cleaner's stages pass along (search/clean/chain.py).

A ``Draft`` starts as the raw page and gains, stage by stage, what each stage learnt: the
working lines, the metadata fields, the header and title, the paragraphs, the kind, the
dates, the issuer, the region. It is frozen: a stage returns a new draft
(``draft.but(...)``) and never changes what an earlier stage produced.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..models import RawPage, Region, Statistics, Table
from ..structure import Block
from .boilerplate import Boilerplate
from .docshare import Docshare
from .extract import Extracted
from .kind import Kind
from .metadata import Header
from .published import Published


@dataclass(frozen=True)
class Draft:
    """A page on its way to a Report."""

    raw: RawPage
    max_bytes: int
    extracted: Extracted | None = None  # decoded page: body and page lines, meta tags, title hints, links
    published: Published | None = None  # the page's own characters behind the working lines
    quality: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()  # working lines of the body, as the last stage left them
    page_lines: tuple[str, ...] | None = None  # working lines of the whole page (HTML only)
    docshare: Docshare | None = None
    furniture: Boilerplate | None = None  # what the furniture stage dropped and read from it
    fields: dict[str, str] = field(default_factory=dict)  # metadata table fields (索引号, 发布日期 …)
    field_rows: tuple[dict[str, str], ...] = ()
    repeated: int = 0  # lines dropped as repeats of the body
    title_hints: tuple[str, ...] = ()
    header: Header | None = None
    title: str | None = None
    title_derived: bool = False
    blocks: tuple[Block, ...] = ()  # paragraphs with section paths (working form)
    kind: Kind | None = None
    report_year: int | None = None
    publish_date: str | None = None
    issuer: str | None = None
    region: Region = field(default_factory=Region)
    tables: tuple[Table, ...] = ()  # data tables as grids (search/clean/tables.py)
    statistics: Statistics | None = None  # 信息公开 figures and checks (search/clean/figures.py)

    def but(self, **changes: Any) -> "Draft":
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def flagged(self, *flags: str) -> "Draft":
        """A copy with quality flags added (each once, in order)."""
        return self.but(quality=tuple(dict.fromkeys((*self.quality, *flags))))

    @property
    def body(self) -> list[str]:
        """The body lines after the header (title, addressee, signature) came off."""
        return list(self.header.body) if self.header else list(self.lines)
