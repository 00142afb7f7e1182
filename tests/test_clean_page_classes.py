"""Classes of problems real portals show (issue 18), each on a small page written here.

None of these strings comes from a real page: each test states a kind of page the cleaner
must read right — an untitled report, a tagged title, a headline that is only a name, a
metadata table flattened one cell per line, a page about a report — in invented words.
"""
from __future__ import annotations

import pytest

from search.clean import clean_page
from search.clean.boilerplate import parse_meta_line
from search.clean.kind import classify
from search.clean.title import announced, tidy
from search.models import DISCLOSURE_REPORT, LAW_REPORT, NOT_A_REPORT, OTHER_REPORT, RawPage


def clean_text(text: str):
    return clean_page(RawPage(content=text.encode("utf-8"), source="page.txt", content_type="text/plain"))


LAW_BODY = (
    "一、主要举措和成效\n(一)健全依法决策机制。全年审查重大行政决策事项12件,提出意见35条。\n"
    "(二)规范行政执法行为。开展行政执法案卷评查,评查案卷210卷。\n"
    "二、存在的不足和原因\n基层执法力量仍显薄弱,执法人员专业素质有待提高。\n"
)


# --- kind: a classification from the evidence -------------------------------------------

def test_untitled_county_report_opening_with_the_year_is_a_law_report():
    page = ("2021年,在市委、市政府和县委的坚强领导下,我县深入学习贯彻习近平法治思想,全面落实"
            "《法治政府建设实施纲要(2021-2025年)》,扎实推进法治政府建设,各项工作取得新成效。\n" + LAW_BODY)
    report = clean_text(page)
    assert report.report_kind == LAW_REPORT and report.kind_reason.startswith("body")
    assert report.report_year == 2021


def test_untitled_department_disclosure_report_is_recognised_by_its_formula():
    page = ("本报告根据《中华人民共和国政府信息公开条例》要求编制。本报告中所列数据统计期限自2022年1月1日起至"
            "2022年12月31日止。\n一、总体情况\n2022年,我局坚持以公开为常态、不公开为例外,认真做好政府信息公开工作。\n"
            "二、主动公开政府信息情况\n全年主动公开信息320条。\n三、收到和处理政府信息公开申请情况\n全年收到申请5件。\n")
    report = clean_text(page)
    assert report.report_kind == DISCLOSURE_REPORT and report.report_year == 2022


def test_interpretation_of_a_report_is_not_the_report_though_it_lists_the_sections():
    page = ("《某某镇人民政府2022年政府信息公开工作年度报告》已编制完成,为便于公众理解,现就报告内容进行如下解读。\n"
            "一、编制背景\n政府信息公开工作年度报告是法定制度安排。\n二、编制依据\n《中华人民共和国政府信息公开条例》。\n"
            "三、主要内容\n报告包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况等六部分。\n"
            "四、统计期限\n统计期限自2022年1月1日至2022年12月31日。\n")
    report = clean_text(page)
    assert (report.report_kind, report.kind_detail) == (NOT_A_REPORT, "政策解读")
    assert report.report_year == 2022


def test_speech_to_a_peoples_congress_is_another_kind_of_report():
    page = ("2024年某某区人民政府工作报告\n——2024年1月9日在某某区第二届人民代表大会第四次会议上\n"
            "各位代表:\n现在,我代表区人民政府,向大会作工作报告,请予审议。\n2023年工作回顾\n"
            "过去一年,全区经济稳中有进,依法行政水平持续提升。\n")
    report = clean_text(page)
    assert (report.report_kind, report.kind_detail) == (OTHER_REPORT, "政府工作报告")
    assert report.report_year == 2023


@pytest.mark.parametrize("title, kind, detail", [
    ("某某市2024年政务公开工作要点", OTHER_REPORT, "工作要点"),
    ("某某县法治政府建设实施方案", OTHER_REPORT, "实施方案"),
    ("某某省法治政府建设白皮书(2023)", OTHER_REPORT, "白皮书"),
    ("关于印发《某某区2024年法治政府建设工作要点》的通知", NOT_A_REPORT, "通知"),
    ("一图读懂:某某区2023年法治政府建设年度报告", NOT_A_REPORT, "政策解读"),
    ("[权威发布]某某省2023年法治政府建设情况报告", LAW_REPORT, None),
])
def test_kind_detail_says_what_another_document_is(title, kind, detail):
    found = classify(tidy(title), LAW_BODY.split("\n"))
    assert (found.kind, found.detail) == (kind, detail)
    assert found.reason


def test_a_page_of_another_kind_is_still_cleaned_in_full():
    report = clean_text("某某区召开常务会议审议2023年法治政府建设年度报告\n近日,区政府召开常务会议,审议并原则通过报告。"
                        "会议指出,要持续推进依法行政。\n")
    assert report.report_kind == NOT_A_REPORT and report.kind_detail == "新闻报道"
    assert [p.text for p in report.paragraphs] == ["近日,区政府召开常务会议,审议并原则通过报告。会议指出,要持续推进依法行政。"]


# --- titles ------------------------------------------------------------------------------

@pytest.mark.parametrize("dressed, title", [
    ("[权威发布]某某省2023年法治政府建设情况报告", "某某省2023年法治政府建设情况报告"),
    ("(文字版)2017年某某市政府信息公开工作年度报告", "2017年某某市政府信息公开工作年度报告"),
    ("• 某某县司法局关于2023年法治政府建设情况的报告", "某某县司法局关于2023年法治政府建设情况的报告"),
    ("某某县2023年法治政府建设年度报告.docx", "某某县2023年法治政府建设年度报告"),
    ("某某县2023年法治政府建设年度报告 - 1 -", "某某县2023年法治政府建设年度报告"),
    ("【全文】某某区2022年政府信息公开工作年度报告", "某某区2022年政府信息公开工作年度报告"),
])
def test_title_markers_are_stripped(dressed, title):
    assert tidy(dressed) == title


def test_title_named_in_the_opening_sentence():
    assert announced(["根据《中华人民共和国政府信息公开条例》,现予以公布《某某省2020年度政府信息公开工作报告》。"]) == \
        "某某省2020年度政府信息公开工作报告"
    assert announced(["《某某镇2023年政府信息公开工作年度报告》已编制完成。"]) is None


def test_headline_without_title_words_sits_above_the_date_row():
    page = "桐乡市人民政府\n时间:2022-03-01 10:00 来源:某某网 浏览次数:\n" + \
        "2021年,桐乡市扎实推进法治政府建设,落实《法治政府建设实施纲要》。\n" + LAW_BODY
    report = clean_text(page)
    assert report.title == "桐乡市人民政府" and not report.title_derived
    assert report.publish_date == "2022-03-01"


def test_tagged_title_over_bullets_and_widgets():
    page = ("• 无障碍 | • 长者模式\n• 某某区2022年法治政府建设年度报告\n时间:2023-02-20 信息来源: 某某区人民政府 浏览次数: 【字体:\n"
            "• 打印 • 关闭\n電子書  圖解  有聲朗讀\n"
            "2022年,某某区深入推进法治政府建设,落实《法治政府建设实施纲要》。\n" + LAW_BODY)
    report = clean_text(page)
    assert report.title == "某某区2022年法治政府建设年度报告"
    assert report.publish_date == "2023-02-20"
    text = "".join(p.text for p in report.paragraphs)
    for furniture in ("打印", "无障碍", "字体", "浏览次数", "有聲朗讀", "圖解"):
        assert furniture not in text


# --- furniture ---------------------------------------------------------------------------

def test_spaced_labels_with_values_on_the_next_line_are_metadata():
    page = ("名    称 :\n某某区人民政府2022年法治政府建设情况报告\n索   引  号 :\n11110000000000000X/2023-00012\n"
            "发 布 机 构 :\n某某市某某区人民政府\n主    题 :\n司法行政\\政府法治\n成 文 日 期 :\n发 文 日 期 :\n有   效  性 :\n有效\n"
            "2022年,某某区政府坚持依法行政,深入推进法治政府建设。\n" + LAW_BODY)
    report = clean_text(page)
    text = "\n".join(p.text for p in report.paragraphs)
    assert report.index_number == "11110000000000000X/2023-00012"
    assert "司法行政" not in text and "有效" not in text and "主 题" not in text
    assert report.title == "某某区人民政府2022年法治政府建设情况报告"


def test_column_names_run_together_are_navigation():
    with pytest.raises(Exception, match="no report text"):
        clean_text("政府信息公开信息公开目录部门目录部门政务公开区财政局法定主动公开内容财政资金")


@pytest.mark.parametrize("line, fields", [
    ("时间:2022-08-16      信息来源: 某某省人民政府     浏览次数:     【字体:",
     {"日期": "2022-08-16", "来源": "某某省人民政府", "浏览次数": "", "字体": ""}),
    ("某某省政务公开办 2018/3/26", {"日期": "2018/3/26", "署名": "某某省政务公开办"}),
    ("2021-04-12 某某省人民政府网", {"日期": "2021-04-12", "来源": "某某省人民政府网"}),
])
def test_dates_beside_other_fields_and_names(line, fields):
    assert parse_meta_line(line) == fields


def test_header_clock_is_never_the_publish_date():
    page = ("某某区人民政府 2019年12月3日星期二\n某某区2022年法治政府建设情况报告\n"
            "2022年,某某区深入推进法治政府建设,落实《法治政府建设实施纲要》。\n" + LAW_BODY)
    assert clean_text(page).publish_date is None


def test_signature_date_under_the_title_is_the_date():
    page = ("某某局\n2019年政府信息公开工作年度报告\n2019年12月31日\n"
            "根据《中华人民共和国政府信息公开条例》规定,编制本报告。\n一、总体情况\n2019年,我局认真做好政府信息公开工作。\n")
    report = clean_text(page)
    assert report.publish_date == "2019-12-31" and report.title == "某某局 2019年政府信息公开工作年度报告"


# --- region: the report's own words -------------------------------------------------------

@pytest.mark.parametrize("opening, names", [
    ("2022年,在党中央、国务院的坚强领导下,全省各级政府深入贯彻习近平总书记对浙江工作的重要指示精神,扎实推进法治政府建设。",
     ["浙江省"]),
    ("2022年,市司法局深入推进法治政府建设,出台《嘉兴市重大行政决策程序规定》,我市法治政府建设取得新成效。",
     ["浙江省", "嘉兴市"]),
    ("2021年,我旗紧紧围绕政务公开工作要点,推动全旗政府信息公开工作。截至年底,乌拉特前旗政府网站发布信息1200条。",
     ["内蒙古自治区", "巴彦淖尔市", "乌拉特前旗"]),
    ("2022年,在省委、省政府的领导下,全县各级行政机关扎实推进法治政府建设。", []),  # no place named
])
def test_region_from_the_places_the_report_names_at_its_own_level(opening, names):
    report = clean_text(opening + "\n" + LAW_BODY)
    assert report.region.names() == names
    assert "region_inferred" not in report.quality


def test_portal_region_is_used_only_when_the_text_names_no_place_and_is_marked():
    html = ("<html><head><meta charset='utf-8'><meta name='SiteName' content='桐庐县人民政府'></head><body><div id='zoom'>"
            "<p>2022年,在市委、市政府和县委的领导下,全县深入推进法治政府建设,落实《法治政府建设实施纲要》。</p>"
            "<p>一、主要举措和成效</p><p>全年审查重大行政决策事项12件。</p></div></body></html>")
    report = clean_page(RawPage(content=html.encode(), source="https://www.tonglu.gov.cn/art/2023/3/1/art_1.html",
                                url="https://www.tonglu.gov.cn/art/2023/3/1/art_1.html"))
    assert report.region.county == "桐庐县" and "region_inferred" in report.quality


# --- mirror spam ---------------------------------------------------------------------------

def test_mirror_brands_are_learnt_from_its_ad_line_and_cut_out_of_names():
    page = ("某某省2023年政府信息公开工作年度报告\n开元棋牌 pg电子 ag真人 官方网址 注册送彩金\n"
            "本报告由某某省开元棋牌政府信息公开办公室编制。根据《中华人民共和国政府信息公开条例》要求编制本报告。\n"
            "一、总体情况\n2023年，全省主动公开政府信息12万条，pg电子比上年增长5%。\n")
    report = clean_text(page)
    assert "mirror_spam" in report.quality
    assert [p.text for p in report.paragraphs] == [
        "本报告由某某省政府信息公开办公室编制。根据《中华人民共和国政府信息公开条例》要求编制本报告。",
        "2023年，全省主动公开政府信息12万条，比上年增长5%。"]


def test_adult_spam_line_marks_a_mirror_but_enforcement_words_do_not():
    spammed = clean_text("国产精品免费观看在线人,国内揄拍高清精品对白,一区二区三区\n"
                         "2022年,某某县深入推进法治政府建设,落实《法治政府建设实施纲要》。\n" + LAW_BODY)
    assert "mirror_spam" in spammed.quality
    assert all("揄拍" not in p.text for p in spammed.paragraphs)
    enforcement = clean_text("2022年,某某县深入推进法治政府建设,开展扫黄打非行动,打击淫秽色情信息,查处色情网站3个。\n" + LAW_BODY)
    assert "mirror_spam" not in enforcement.quality


def test_a_news_page_gets_its_headline_as_title_not_the_site_name():
    html = ("<html><head><meta charset='utf-8'><meta name='ArticleTitle' content='某某区举办法治宣传进社区活动'>"
            "<title>某某区人民政府</title></head><body><div id='zoom'><p>3月15日，某某区司法局在城东社区举办法治宣传活动，"
            "发放宣传资料500份。</p></div></body></html>")
    report = clean_page(RawPage(content=html.encode(), source="p.html"))
    assert report.title == "某某区举办法治宣传进社区活动" and (report.report_kind, report.kind_detail) == (NOT_A_REPORT, "新闻报道")
    site_only = html.replace("<meta name='ArticleTitle' content='某某区举办法治宣传进社区活动'>", "")
    assert clean_page(RawPage(content=site_only.encode(), source="p.html")).title is None
