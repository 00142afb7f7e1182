"""Compliance of one report: deadline by kind and issuer level, on time or not (and on what
basis), the mandated sections present, merely mentioned, or missing."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from search.compliance import assess, section_names
from search.compliance.deadlines import Deadline, deadline_for, timeliness
from search.compliance.issuers import issuer_level, level_of
from search.compliance.rules import load_rules
from search.compliance.sections import check_sections
from search.models import DISCLOSURE_REPORT, LAW_REPORT, OTHER_REPORT, Paragraph, Region, Report, StoredReport

REPO = Path(__file__).resolve().parent.parent
LAW_SECTIONS = ("主要举措和成效", "存在的不足和原因", "第一责任人职责履行情况", "下一年度主要安排")


def stored(report: Report, first_seen: str = "2026-12-01T08:00:00+00:00") -> StoredReport:
    return StoredReport("r1", report, "hash", (), first_seen, first_seen, first_seen)


def law_report(paragraphs, *, year=2023, publish_date="2024-03-20", issuer="杭州市富阳区人民政府",
               kind=LAW_REPORT, title=None) -> Report:
    return Report(title=title or f"{issuer}{year}年法治政府建设年度报告", report_kind=kind, issuer=issuer,
                  region=Region("浙江省", "杭州市", "富阳区", "330111"), report_year=year, publish_date=publish_date,
                  paragraphs=tuple(Paragraph(text, tuple(path)) for path, text in paragraphs))


FOUR_SECTIONS = [
    ((), "2023年,富阳区扎实推进法治政府建设。"),
    (("一、主要举措和成效",), "全面推进依法行政。"),
    (("二、存在的不足和原因",), "部分部门合法性审查力量不足。"),
    (("三、党政主要负责人履行推进法治建设第一责任人职责情况",), "区政府主要负责人主持常务会议学法6次。"),
    (("四、2024年主要安排",), "深化行政执法改革。"),
]


def by_name(compliance):
    return {section.name: section for section in compliance.sections}


# --- deadlines -------------------------------------------------------------------------

def test_law_report_deadline_is_31_march_of_the_next_year_for_every_issuer_level():
    for level in ("government", "department", "township"):
        assert deadline_for(LAW_REPORT, 2023, level).iso() == "2024-03-31"
    assert "第二十四条" in deadline_for(LAW_REPORT, 2023, "government").rule


def test_disclosure_deadline_depends_on_the_issuer_level():
    assert deadline_for(DISCLOSURE_REPORT, 2022, "department").iso() == "2023-01-31"
    assert deadline_for(DISCLOSURE_REPORT, 2022, "government").iso() == "2023-03-31"
    assert "第四十九条" in deadline_for(DISCLOSURE_REPORT, 2022, "department").rule


def test_years_before_the_rules_say_which_rule_applied_or_why_there_is_none():
    old_disclosure = deadline_for(DISCLOSURE_REPORT, 2015, "department")
    assert old_disclosure.iso() == "2016-03-31" and "2007" in old_disclosure.rule  # the 2007 条例: every agency by 3月31日
    before_rules = deadline_for(DISCLOSURE_REPORT, 2006, "government")
    assert before_rules.day is None and "2008年5月1日" in before_rules.reason
    gangyao = deadline_for(LAW_REPORT, 2017, "government")
    assert gangyao.day is None and "纲要" in gangyao.rule and "没有规定公开期限" in gangyao.reason
    assert deadline_for(LAW_REPORT, 2012, "government").reason
    township = deadline_for(DISCLOSURE_REPORT, 2023, "township")
    assert township.day is None and "乡镇" in township.reason


def test_an_issuer_of_unknown_level_gets_a_deadline_only_where_the_level_does_not_matter():
    assert deadline_for(LAW_REPORT, 2022, "unknown").iso() == "2023-03-31"
    unknown = deadline_for(DISCLOSURE_REPORT, 2022, "unknown")
    assert unknown.day is None and "层级不详" in unknown.reason


def test_other_kinds_have_no_deadline():
    assert deadline_for(OTHER_REPORT, 2022, "government").day is None


# --- on time ----------------------------------------------------------------------------

DEADLINE = Deadline(date(2024, 3, 31), "rule")


def test_a_printed_date_decides():
    last_day = timeliness(DEADLINE, "2024-03-31", None)
    assert (last_day.on_time, last_day.days_late, last_day.basis) == (True, 0, "publish_date")
    late = timeliness(DEADLINE, "2024-04-17", "2024-01-01T00:00:00+00:00")
    assert (late.on_time, late.days_late, late.basis) == (False, 17, "publish_date")


def test_no_printed_date_a_first_sighting_before_the_deadline_proves_on_time():
    seen_early = timeliness(DEADLINE, None, "2024-02-01T09:00:00+00:00")
    assert (seen_early.on_time, seen_early.days_late, seen_early.basis) == (True, 0, "first_seen")


def test_no_printed_date_a_later_first_sighting_proves_nothing():
    seen_late = timeliness(DEADLINE, None, "2024-06-01T09:00:00+00:00")
    assert (seen_late.on_time, seen_late.days_late, seen_late.basis) == (None, None, None)


def test_a_sighting_is_judged_on_the_day_in_china():
    # 31 March 17:00 UTC is already 1 April in Beijing: no proof of publication by the deadline.
    assert timeliness(DEADLINE, None, "2024-03-31T17:00:00+00:00").on_time is None
    assert timeliness(DEADLINE, None, "2024-03-31T15:00:00+00:00").on_time is True


@given(st.dates(date(2019, 1, 1), date(2030, 12, 31)), st.dates(date(2019, 1, 1), date(2030, 12, 31)))
@hsettings(max_examples=200, deadline=None)
def test_on_time_means_published_on_or_before_the_last_allowed_day(deadline_day, published):
    result = timeliness(Deadline(deadline_day, "rule"), published.isoformat(), None)
    assert result.on_time is (published <= deadline_day)
    assert result.days_late == max(0, (published - deadline_day).days)
    assert result.basis == "publish_date"


@given(st.dates(date(2019, 1, 1), date(2030, 12, 31)), st.integers(-400, 400))
@hsettings(max_examples=200, deadline=None)
def test_a_first_sighting_never_proves_lateness(deadline_day, offset):
    seen = (deadline_day + timedelta(days=offset)).isoformat() + "T02:00:00+00:00"
    result = timeliness(Deadline(deadline_day, "rule"), None, seen)
    assert result.on_time in (True, None)
    assert (result.on_time is True) == (offset <= 0)


# --- issuer levels ------------------------------------------------------------------------

@pytest.mark.parametrize("issuer, level", [
    ("杭州市临平区人民政府", "government"), ("中共温州市龙湾区委、温州市龙湾区人民政府", "government"),
    ("北京市人民政府", "government"), ("上海市浦东新区人民政府", "government"),
    ("杭州市临平区司法局", "department"), ("北京市朝阳区人民政府办公室", "department"),
    ("北京市城市管理委员会", "department"), ("司法部", "department"), ("山东省人民政府办公厅", "department"),
    ("乌拉特中旗巴音乌兰苏木人民政府", "township"), ("於潜镇人民政府", "township"),
    ("杭州市余杭区人民政府仓前街道办事处", "township"), ("宁波杭州湾新区管委会", "other"),
])
def test_issuer_levels(issuer, level):
    assert level_of(issuer) == level


def test_without_an_issuer_a_title_naming_only_a_place_is_that_places_government():
    report = law_report(FOUR_SECTIONS, issuer=None, title="富阳区2023年法治政府建设工作情况报告")
    assert issuer_level(report) == "government"
    nameless = law_report(FOUR_SECTIONS, issuer=None, title="2022年法治政府建设情况报告")
    assert issuer_level(nameless) == "unknown"
    department = law_report(FOUR_SECTIONS, issuer=None, title="杭州市富阳区司法局2023年法治政府建设年度报告")
    assert issuer_level(department) == "department"


# --- sections ------------------------------------------------------------------------------

def test_numbered_sections_in_the_mandated_order_are_all_present():
    compliance = assess(stored(law_report(FOUR_SECTIONS)))
    sections = by_name(compliance)
    assert all(sections[name].present for name in LAW_SECTIONS)
    assert sections["存在的不足和原因"].heading == "二、存在的不足和原因"
    assert sections["存在的不足和原因"].paragraph == 2
    assert sections["其他需要报告的情况"].present is False and sections["其他需要报告的情况"].required is False
    assert compliance.sections_complete is True and compliance.missing_sections() == ()


def test_sections_are_found_in_any_order_and_wording():
    shuffled = [FOUR_SECTIONS[0],
                (("一、党政主要负责人履行法治建设第一责任人职责、加强法治政府建设有关情况",), "区委书记带头学法。"),
                (("二、2023年法治政府建设主要成效",), "办理复议案件。"),
                (("三、2024年工作打算",), "继续深化改革。"),
                (("四、问题和不足",), "执法队伍专业化不足。")]
    compliance = assess(stored(law_report(shuffled)))
    assert compliance.sections_complete is True
    assert by_name(compliance)["下一年度主要安排"].heading == "三、2024年工作打算"


def test_unnumbered_and_run_in_headings_count():
    unnumbered = [((), "2023年,富阳区扎实推进法治政府建设。"),
                  ((), "主要举措和成效"), ((), "全面推进依法行政,全年办理行政复议案件120件。"),
                  ((), "存在的不足和原因:一是合法性审查力量不足;二是执法不够规范。"),
                  ((), "第一责任人职责履行情况"), ((), "区政府主要负责人主持常务会议学法6次。"),
                  ((), "下一步工作安排。将继续深化行政执法改革,推进依法行政。")]
    compliance = assess(stored(law_report(unnumbered)))
    sections = by_name(compliance)
    assert all(sections[name].present for name in LAW_SECTIONS), compliance.to_dict()
    assert sections["存在的不足和原因"].heading == "存在的不足和原因"


def test_a_section_only_mentioned_in_another_sections_paragraph_is_missing_but_mentioned_in():
    paragraphs = [FOUR_SECTIONS[0],
                  (("一、主要举措和成效", "(一)强统筹抓推进"), "党政主要负责人积极履行推进法治建设第一责任人职责。"),
                  (("二、存在的不足和原因",), "合法性审查力量不足。"),
                  (("三、2024年主要安排",), "深化行政执法改革。")]
    compliance = assess(stored(law_report(paragraphs)))
    first = by_name(compliance)["第一责任人职责履行情况"]
    assert first.present is False
    assert first.mentioned_in == "一、主要举措和成效" and first.paragraph == 1
    assert compliance.sections_complete is False
    assert compliance.missing_sections() == ("第一责任人职责履行情况",)
    assert compliance.to_dict()["sections"][2]["mentioned_in"] == "一、主要举措和成效"


def test_a_sub_heading_inside_another_section_is_a_mention_not_a_section():
    paragraphs = [FOUR_SECTIONS[0], FOUR_SECTIONS[1],
                  (("一、主要举措和成效", "(三)存在的不足"), "一些问题仍待解决。"),
                  FOUR_SECTIONS[3], FOUR_SECTIONS[4]]
    shortcomings = by_name(assess(stored(law_report(paragraphs))))["存在的不足和原因"]
    assert shortcomings.present is False and shortcomings.mentioned_in == "一、主要举措和成效"


def test_measures_set_out_by_topic_count_by_position():
    paragraphs = [((), "2023年,省政府扎实推进法治政府建设。"),
                  (("一、坚持以习近平法治思想为引领,健全法治政府建设推进机制",), "召开推进会。"),
                  (("二、依法全面履行政府职能",), "深化放管服改革。"),
                  (("三、存在的不足和原因",), "基层执法力量不足。"),
                  (("四、党政主要负责人履行推进法治建设第一责任人职责情况",), "主要负责同志带头学法。"),
                  (("五、2024年工作安排",), "深化改革。")]
    measures = by_name(assess(stored(law_report(paragraphs))))["主要举措和成效"]
    assert measures.present and measures.matched_by == "position"
    assert measures.heading.startswith("一、坚持以习近平法治思想为引领")


def test_a_truncated_report_lacks_what_it_does_not_hold():
    compliance = assess(stored(law_report(FOUR_SECTIONS[:3])))
    assert compliance.missing_sections() == ("第一责任人职责履行情况", "下一年度主要安排")


@given(st.permutations(FOUR_SECTIONS[1:]))
@hsettings(max_examples=30, deadline=None)
def test_the_order_of_the_sections_does_not_matter(order):
    compliance = assess(stored(law_report([FOUR_SECTIONS[0], *order])))
    assert compliance.sections_complete is True


def test_disclosure_sections_and_a_missing_one():
    headings = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    full = Report("某区2023年政府信息公开工作年度报告", DISCLOSURE_REPORT, "杭州市富阳区人民政府",
                  Region("浙江省", "杭州市", "富阳区", "330111"), 2023, "2024-01-20",
                  tuple(Paragraph("内容。", (h,)) for h in headings))
    compliance = assess(stored(full))
    assert [s.name for s in compliance.sections] == list(load_rules().for_kind(DISCLOSURE_REPORT).section_names())
    assert compliance.sections_complete is True
    without = full.replace(paragraphs=tuple(p for p in full.paragraphs if "行政复议" not in p.section_path[0]))
    assert assess(stored(without)).missing_sections() == ("政府信息公开行政复议、行政诉讼情况",)


def test_section_lists_apply_from_the_year_they_were_mandated():
    old = assess(stored(law_report(FOUR_SECTIONS[:2], year=2017, publish_date="2018-03-01")))
    assert old.sections_complete is None and old.missing_sections() == ()
    assert old.published_on_time is None and old.deadline is None


def test_every_section_name_is_a_filter_value():
    assert set(LAW_SECTIONS) <= set(section_names())
    assert "政府信息公开行政复议、行政诉讼情况" in section_names()


# --- whole reports: department versus government, dates, seeds ------------------------------

def disclosure(issuer: str, publish_date: str | None) -> Report:
    return Report(f"{issuer}2022年政府信息公开工作年度报告", DISCLOSURE_REPORT, issuer,
                  Region("浙江省", "杭州市", "富阳区", "330111"), 2022, publish_date,
                  (Paragraph("2022年,本机关认真贯彻条例。", ("一、总体情况",)),))


def test_a_department_report_published_in_february_is_late_a_government_one_is_not():
    department = assess(stored(disclosure("杭州市富阳区司法局", "2023-02-15")))
    government = assess(stored(disclosure("杭州市富阳区人民政府", "2023-02-15")))
    assert (department.issuer_level, department.deadline, department.published_on_time, department.days_late) == \
        ("department", "2023-01-31", False, 15)
    assert (government.issuer_level, government.deadline, government.published_on_time, government.days_late) == \
        ("government", "2023-03-31", True, 0)


def test_contract_keys():
    data = assess(stored(law_report(FOUR_SECTIONS))).to_dict()
    assert {"deadline", "deadline_rule", "published_on_time", "days_late", "date_basis", "sections",
            "sections_complete"} <= set(data)
    assert {"name", "present", "heading", "mentioned_in"} <= set(data["sections"][0])


def test_seeds_and_samples(settings):
    from search.pipeline import clean, read_page

    def judged(path):
        report = clean(read_page(path, settings.max_page_bytes), settings)
        return assess(stored(report))

    seeds = REPO / "samples" / "seeds"
    linping = judged(next(seeds.glob("000_*.txt")))
    assert (linping.deadline, linping.published_on_time, linping.sections_complete) == ("2023-03-31", True, True)
    zhuji = judged(next(seeds.glob("002_*.txt")))
    first = by_name(zhuji)["第一责任人职责履行情况"]
    assert zhuji.sections_complete is False and not first.present and first.mentioned_in.startswith("一、")
    truncated = judged(next(seeds.glob("003_*.txt")))  # a report saved without its last sections
    assert set(truncated.missing_sections()) == {"存在的不足和原因", "下一年度主要安排"}
    assert truncated.published_on_time is None  # no date and first seen long after the deadline
    changsha = judged(REPO / "samples" / "synthetic" / "10_changshaxian_2019_fz.html")
    assert (changsha.published_on_time, changsha.days_late, changsha.date_basis) == (False, 17, "publish_date")
    pudong = judged(REPO / "samples" / "synthetic" / "12_shanghaipudongxinqu_2022_xxgk.html")
    assert (pudong.issuer_level, pudong.deadline, pudong.sections_complete) == ("government", "2023-03-31", True)
