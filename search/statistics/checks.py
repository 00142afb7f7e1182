"""The template's own consistency rules (统计表不平衡 when one fails).

* ``results_total``: (七)总计 = the sum of the 办理结果 items, per column;
* ``balance``: 本年新收 + 上年结转 = (七)总计 + 结转下年度, per column (the rule printed in the
  table's top-left cell: 第一项加第二项之和，等于第三项加第四项之和);
* ``total_column``: the 总计 column = the sum of the applicant columns, per row;
* ``review_total``, ``litigation_direct_total``, ``litigation_after_review_total``: each 总计
  of 复议/诉讼 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结.

A rule is checked only when its figures are there; blank cells count as 0.
"""
from __future__ import annotations

from ..models import Check
from .reader import Read
from .template import template

COLUMN_NAMES = {"natural_person": "自然人", "commercial": "商业企业", "research": "科研机构",
                "public_interest": "社会公益组织", "legal_services": "法律服务机构", "other_org": "其他", "total": "总计"}
ROW_NAMES = {"new_applications": "本年新收", "carried_over": "上年结转", "results_total": "(七)总计",
             "carried_forward": "结转下年度"}
REVIEW_GROUPS = {"review": "行政复议", "litigation_direct": "行政诉讼(未经复议直接起诉)",
                 "litigation_after_review": "行政诉讼(复议后起诉)"}
_TOLERANCE = 0.005  # amounts may carry decimals
_SHOWN = 3  # mismatches named in a check's detail


def _number(value) -> float:
    return float(value) if value is not None else 0.0


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def _columns(read: Read) -> list[str]:
    present = {column for row in read.applications.values() for column in row}
    return [key for key in COLUMN_NAMES if key in present]


def results_total(read: Read) -> Check | None:
    """(七)总计 = the sum of (一)…(六), per column."""
    rows = read.applications
    items = [key for key in template().result_rows if key in rows]
    if "results_total" not in rows or not items:
        return None
    wrong = []
    for column in _columns(read):
        summed = sum(_number(rows[key].get(column)) for key in items)
        stated = _number(rows["results_total"].get(column))
        if abs(summed - stated) > _TOLERANCE:
            wrong.append(f"{COLUMN_NAMES[column]}列:各项之和 {_fmt(summed)} ≠ 总计 {_fmt(stated)}")
    total = _number(rows["results_total"].get("total"))
    detail = "; ".join(wrong[:_SHOWN]) if wrong else f"办理结果各项之和 = (七)总计 {_fmt(total)}"
    return Check("results_total", not wrong, detail)


def balance(read: Read) -> Check | None:
    """本年新收 + 上年结转 = (七)总计 + 结转下年度, per column."""
    rows = read.applications
    if not all(key in rows for key in ("new_applications", "results_total")):
        return None
    wrong = []
    for column in _columns(read):
        came = _number(rows["new_applications"].get(column)) + _number(rows.get("carried_over", {}).get(column))
        went = _number(rows["results_total"].get(column)) + _number(rows.get("carried_forward", {}).get(column))
        if abs(came - went) > _TOLERANCE:
            wrong.append(f"{COLUMN_NAMES[column]}列:新收+上年结转 {_fmt(came)} ≠ 办理结果总计+结转下年度 {_fmt(went)}")
    if wrong:
        return Check("balance", False, "; ".join(wrong[:_SHOWN]))
    came = _number(rows["new_applications"].get("total")) + _number(rows.get("carried_over", {}).get("total"))
    return Check("balance", True, f"新收+上年结转 = 办理结果总计+结转下年度 = {_fmt(came)}")


def total_column(read: Read, derived: bool) -> Check | None:
    """The 总计 column = the sum of the applicant columns, per row (``derived``: the report left it blank)."""
    rows = read.applications
    if not rows:
        return None
    if derived:
        return Check("total_column", True, "总计列空白,已按各申请人列之和计算")
    wrong = []
    for key, row in rows.items():
        if "total" not in row or len(row) < 2:
            continue
        summed = sum(_number(value) for column, value in row.items() if column != "total")
        if abs(summed - _number(row["total"])) > _TOLERANCE:
            name = ROW_NAMES.get(key, key)
            wrong.append(f"{name}:各申请人列之和 {_fmt(summed)} ≠ 总计 {_fmt(_number(row['total']))}")
    detail = "; ".join(wrong[:_SHOWN]) if wrong else "各行总计 = 各申请人列之和"
    return Check("total_column", not wrong, detail)


def review_totals(read: Read) -> list[Check]:
    """Each 复议/诉讼 总计 = its four outcomes."""
    checks = []
    for group, name in REVIEW_GROUPS.items():
        total_key = f"{group}_total"
        if total_key not in read.review:
            continue
        parts = [read.review.get(f"{group}_{outcome}") for outcome in ("upheld", "corrected", "other", "pending")]
        summed, stated = sum(_number(p) for p in parts), _number(read.review[total_key])
        ok = abs(summed - stated) <= _TOLERANCE
        detail = (f"{name}:结果维持+结果纠正+其他结果+尚未审结 = 总计 {_fmt(stated)}" if ok
                  else f"{name}:四项之和 {_fmt(summed)} ≠ 总计 {_fmt(stated)}")
        checks.append(Check(f"{group}_total", ok, detail))
    return checks


def run_checks(read: Read, derived_totals: bool = False) -> tuple[Check, ...]:
    """Every rule whose figures the report has, in the template's order."""
    found = [results_total(read), balance(read), total_column(read, derived_totals), *review_totals(read)]
    return tuple(check for check in found if check is not None)
