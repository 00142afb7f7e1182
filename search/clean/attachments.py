"""Attachment file names: which extensions a report's attachments have, and a file's name without list numbering.

Shared by the extractor (links on the page) and the furniture stage (file names printed as lines).
"""
from __future__ import annotations

import re

ATTACHMENT_EXTENSIONS = (".docx", ".doc", ".pdf", ".wps", ".xlsx", ".xls", ".et", ".ofd", ".zip", ".rar", ".pptx", ".ppt")

_LIST_NUMBER = re.compile(r"^\s*(?:附件\s*\d{0,2}\s*[::.、]\s*(?:(?:\d{1,2}\s*[.、]|\(\d{1,2}\))\s*)?|(?:\d{1,2}\s*[.、]|\(\d{1,2}\))\s*)(?=\D)")


def attachment_name(text: str) -> str:
    """附件:1.某某报告.pdf → 某某报告.pdf: list numbering is not part of a file's name.

    >>> attachment_name("2.长沙市岳麓区2023年法治政府建设年度报告.wps")
    '长沙市岳麓区2023年法治政府建设年度报告.wps'
    """
    return _LIST_NUMBER.sub("", text, count=1).strip()
