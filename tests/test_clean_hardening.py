"""Rules added after the blind set showed them missing: notices, plans, footers, watermarks, issuers."""
from __future__ import annotations

import pytest

from search.clean import clean_page
from search.clean.boilerplate import drop_reason, strip_watermark
from search.clean.docshare import join_page_footers, join_running_headers, rejoin_pages
from search.clean.dedup import remove_duplicate_lines
from search.clean.attachments import attachment_name
from search.clean.extract import text_lines
from search.clean.runon import split_run_on
from search.clean.spam import is_spam_line, spam_vocabulary, strip_inline_spam
from search.clean.stubs import pages_total, refusal_reason
from search.clean.issuer import issuer
from search.clean.metadata import classify_kind, publish_date, url_date
from search.errors import ExtractError
from search.models import LAW_REPORT, NOT_A_REPORT, OTHER_REPORT, RawPage

SECTIONS_IN_A_SENTENCE = (
    "各镇人民政府、街道办事处:\n现就报送2023年度法治政府建设年度报告有关事项通知如下:\n一、报送内容\n"
    + "各单位年度报告应当包括上一年度推进法治政府建设的主要举措和成效、存在的不足和原因、党政主要负责人履行推进法治建设"
      "第一责任人职责情况、下一年度推进法治政府建设的主要安排等内容。" * 8
    + "\n二、报送时间\n请于2024年1月31日前报送。"
)


def test_notice_asking_for_reports_is_not_a_report():
    assert classify_kind("关于报送2023年度法治政府建设年度报告的通知", SECTIONS_IN_A_SENTENCE) == NOT_A_REPORT


@pytest.mark.parametrize("title", ["江岸区2024年法治政府建设工作要点", "某某市2024年法治政府建设工作计划",
                                   "某某县法治政府建设实施方案"])
def test_plans_are_another_kind_of_document(title):
    assert classify_kind(title, "一、加强党对法治政府建设的领导\n1.认真学习贯彻习近平法治思想。") == OTHER_REPORT


def test_meeting_about_a_plan_is_still_news():
    assert classify_kind("区政府召开会议部署2024年法治政府建设工作要点", "会议指出,要抓好落实。") == NOT_A_REPORT


def test_bracketed_watermark_inside_a_line_is_removed():
    assert strip_watermark("二、存在的不足【第一范文网】一是队伍建设有待加强。") == "二、存在的不足 一是队伍建设有待加强。"
    assert strip_watermark("在中国政府网(www.gov.cn)公布【全文】") == "在中国政府网(www.gov.cn)公布【全文】"


def test_page_footers_cutting_sentences_are_joined_and_flag_a_converted_dump():
    lines = ["各项工", "— 2 —", "作取得新进展。", "调解和解率达到", "- 3 -", "35.6%。", "第4页 共5页", "二、存在的不足"]
    joined, cuts = join_page_footers(lines)
    assert joined == ["各项工作取得新进展。", "调解和解率达到35.6%。", "二、存在的不足"]
    assert cuts == 2
    assert "docshare" in rejoin_pages(lines).flags
    assert "docshare" not in rejoin_pages(lines, converted=True).flags  # the portal's own attachment


def test_attachment_names_lose_their_list_numbers():
    assert attachment_name("1.长沙市岳麓区2023年法治政府建设年度报告.pdf") == "长沙市岳麓区2023年法治政府建设年度报告.pdf"
    assert attachment_name("附件2:统计表.xls") == "统计表.xls"
    assert attachment_name("(3)某某报告.docx") == "某某报告.docx"
    assert attachment_name("2023年度报告.docx") == "2023年度报告.docx"


def test_url_dates_count_only_on_government_hosts():
    assert url_date("https://www.fanwen.example/gongzuobaogao/20240315/98765.html") is None
    assert url_date("http://www.jiangning.gov.cn/art/2019/3/29/art_1_2.html") == "2019-03-29"
    assert publish_date([None], url="https://wenku.example.com/2024/3/15/x.html", year_covered=2023) is None


def test_report_titled_without_issuer_belongs_to_the_portals_government():
    assert issuer("2023年法治政府建设年度报告", [], {"发布机构": "本网"}, LAW_REPORT,
                  site_name="杭州市上城区人民政府", source="区司法局", opening="2023年,我区…") == "杭州市上城区人民政府"
    # a department speaking (我局) is the 来源 department, completed from the portal
    assert issuer("2023年法治政府建设年度报告", [], {}, LAW_REPORT, site_name="杭州市上城区人民政府",
                  source="区司法局", opening="2023年,我局在区委、区政府的领导下…") == "杭州市上城区司法局"
    # a portal that is not a government's gives nothing
    assert issuer("2023年法治政府建设年度报告", [], {}, LAW_REPORT, site_name="第一范文网") is None
    # a place-only title is completed from the portal; a name spelled out is kept as published
    assert issuer("江岸区2024年法治政府建设工作要点", [], {}, OTHER_REPORT, site_name="武汉市江岸区人民政府") == "武汉市江岸区人民政府"
    assert issuer("江岸区人民政府关于2023年计划执行情况的报告", [], {}, OTHER_REPORT,
                  site_name="武汉市江岸区人民政府") == "江岸区人民政府"


def test_title_printed_twice_in_a_dump_is_not_a_paragraph():
    text = ("某某县2023年法治政府建设年度报告 - 文档之家\n某某县2023年法治政府建设年度报告\n"
            "2023年,某某县扎实推进法治政府建设,取得明显成效。\n一、主要举措和成效\n全年办理行政复议案件21件。\n")
    report = clean_page(RawPage(content=text.encode(), source="dump.txt"))
    assert report.title == "某某县2023年法治政府建设年度报告"
    assert [p.text for p in report.paragraphs][0].startswith("2023年")


@pytest.mark.parametrize("line", ["点击“阅读原文”查看更多内容", "(责任编辑:王丽 审核:陈刚)", "编辑:沈佳 审核:徐明", "长按识别二维码关注我们"])
def test_credits_and_calls_to_action_are_furniture(line):
    assert drop_reason(line) == "credits"


def test_sentences_mentioning_editing_are_kept():
    assert drop_reason("编辑出版法治宣传读本3册,审核规范性文件12件。") is None


def test_signature_of_a_subdistrict_office_is_the_issuer():
    html = ("<html><head><meta charset='utf-8'><title>仓前街道2023年度法治政府建设工作报告</title></head><body>"
            "<div id='zoom'><p>2023年,仓前街道扎实推进基层法治建设,取得明显成效。</p><p>一、主要举措和成效</p>"
            "<p>全年开展合法性审查89件。</p><p>杭州市余杭区人民政府仓前街道办事处</p><p>2024年2月18日</p></div></body></html>")
    report = clean_page(RawPage(content=html.encode(), source="p.html"))
    assert report.issuer == "杭州市余杭区人民政府仓前街道办事处"
    assert [p.text for p in report.paragraphs][-1] == "全年开展合法性审查89件。"


def test_column_page_listing_reports_is_refused():
    items = "".join(f"<li><a href='/a{i}.html'>某某区{2023 - i}年法治政府建设年度报告</a><span>{2024 - i}-03-28</span></li>"
                    for i in range(4))
    html = f"<html><head><meta charset='utf-8'></head><body><ul>{items}</ul></body></html>"
    with pytest.raises(ExtractError, match="list of links"):
        clean_page(RawPage(content=html.encode(), source="list.html"))


def test_word_list_padding_after_a_heading_number_is_removed():
    html = ("<html><head><meta charset='utf-8'><title>某某区2023年法治政府建设年度报告</title></head><body><div id='zoom'>"
            "<p>2023年,某某区扎实推进法治政府建设。</p><p>一、主要举措和成效</p>"
            "<p>(二)\u00a0\u00a0\u00a0 加强行政执法监督</p><p>全年评查案卷280卷。</p></div></body></html>")
    report = clean_page(RawPage(content=html.encode(), source="p.html"))
    assert report.paragraphs[-1].section_path == ("一、主要举措和成效", "(二)加强行政执法监督")


def test_circled_numbers_survive_normalisation():
    html = ("<html><head><meta charset='utf-8'><title>某某区2023年法治政府建设年度报告</title></head><body><div id='zoom'>"
            "<p>2023年,某某区扎实推进法治政府建设。</p><p>二、存在的不足和原因</p>"
            "<p>①基层法治队伍力量较为薄弱;②部分领域行政执法不够规范。</p></div></body></html>")
    report = clean_page(RawPage(content=html.encode(), source="p.html"))
    assert report.paragraphs[-1].text == "①基层法治队伍力量较为薄弱;②部分领域行政执法不够规范。"


def test_dot_numbered_heading_is_never_the_title():
    html = ("<html><head><meta charset='utf-8'><meta name='ArticleTitle' content='某某区2023年法治政府建设年度报告'></head>"
            "<body><h1>某某区2023年法治政府建设年度报告</h1><div id='zoom'><p>2023年,某某区扎实推进法治政府建设。</p>"
            "<p>一.主要举措和成效</p><p>全年办理行政复议案件21件。</p><p>三.党政主要负责人履行推进法治建设第一责任人职责情况</p>"
            "<p>区政府主要负责人带头学法。</p></div></body></html>")
    report = clean_page(RawPage(content=html.encode(), source="p.html"))
    assert report.title == "某某区2023年法治政府建设年度报告"
    assert report.paragraphs[-1].section_path == ("三.党政主要负责人履行推进法治建设第一责任人职责情况",)


def test_truncated_meta_title_gives_way_to_the_full_title_on_the_page():
    html = ("<html><head><meta charset='utf-8'><meta name='ArticleTitle' content='丽水市莲都区2023年法治政府建设年度...'>"
            "<title>丽水市莲都区2023年法治政府建设年...</title></head><body><div class='bt'>丽水市莲都区2023年法治政府建设年度报告</div>"
            "<div class='zoom'><p>2023年,莲都区坚持以习近平法治思想为指导,法治政府建设取得新成效。</p><p>一、主要举措和成效</p>"
            "<p>全区政务服务事项“一网通办”率达到96%。</p></div></body></html>")
    report = clean_page(RawPage(content=html.encode(), source="p.html"))
    assert report.title == "丽水市莲都区2023年法治政府建设年度报告"
    assert not report.title_derived


def test_guanyu_title_without_issuer_belongs_to_the_portals_government():
    assert issuer("关于2023年度法治政府建设情况的报告", [], {}, LAW_REPORT, site_name="舟山市普陀区人民政府",
                  opening="2023年,我区坚持…") == "舟山市普陀区人民政府"


def test_spam_vocabulary_is_learnt_from_the_mirrors_own_ads():
    ad = "ag真人 开元棋牌 pg电子 bet365 官方网址 kyqp.example 24小时在线"
    assert is_spam_line(ad)
    vocabulary = spam_vocabulary([ad, "绍兴市上虞区2023年法治政府建设年度报告_开元棋牌官方网站"])
    assert {"ag真人", "开元棋牌", "pg电子"} <= vocabulary
    assert "棋牌" not in vocabulary and "官方网址" not in vocabulary
    assert strip_inline_spam("开元棋牌机关负责人出庭应诉率100%。", vocabulary) == "机关负责人出庭应诉率100%。"


@pytest.mark.parametrize("page, name", [
    ("<noscript>请打开 JavaScript 后刷新</noscript>".encode("gb18030"), "JavaScript"),
    (b"<script>window._cf_chl_opt={};</script><form action='/?__cf_chl_f_tk=1'></form>", "Cloudflare"),
    (b"<script>$_ts=window['$_ts'];$_ts['cd']='x';</script>", "Ruishu"),
])
def test_cleaner_and_crawler_share_the_challenge_markers(page, name):
    """One list (search.challenges): a saved page and a fetched response are judged alike."""
    from search.crawl.fetch import challenge_reason

    assert name in refusal_reason(page, {}, "")
    assert name in challenge_reason(200, {}, page)


def test_challenge_and_redirect_pages_are_refused():
    challenge = b"<html><head><script>var wzws_cid='1';</script></head><body><noscript>x</noscript></body></html>"
    assert refusal_reason(challenge, {}, "").startswith("blocked: WZWS")
    with pytest.raises(ExtractError, match="blocked"):
        clean_page(RawPage(content=challenge.replace(b"x", "请开启JavaScript并刷新该页。".encode()), source="c.html"))
    stub = ("<html><head><meta http-equiv='refresh' content='0;url=/art/1.html'></head>"
            "<body>页面正在跳转,如未自动跳转请<a href='/art/1.html'>点击这里</a></body></html>").encode()
    with pytest.raises(ExtractError, match="redirect page"):
        clean_page(RawPage(content=stub, source="r.html"))


def test_one_page_of_a_paginated_article_is_partial():
    assert pages_total('<script>createPageHTML(3, 0, "t2024_1", "html");</script>') == 3
    assert pages_total('<script>createPageHTML(1, 0, "t2024_1", "html");</script>') is None


def test_place_before_xinxi_gongkai_is_the_government():
    assert issuer("平湖市政府信息公开年报(2023年)", [], {}, "政府信息公开工作年度报告",
                  site_name="平湖市人民政府") == "平湖市人民政府"


def test_delivery_line_speaker_and_salutation_are_header():
    html = ("<html><head><meta charset='utf-8'><meta name='SiteName' content='杭州市西湖区人民政府'></head><body><div id='zoom'>"
            "<p>关于2023年度法治政府建设情况的报告</p><p>——2024年3月28日在西湖区第十届人民代表大会常务委员会第十八次会议上</p>"
            "<p>区人民政府副区长　周　明</p><p>主任、各位副主任、各位委员:</p>"
            "<p>我受区人民政府委托,向区人大常委会报告2023年度法治政府建设情况,请予审议。</p><p>一、主要举措和成效</p>"
            "<p>全区行政机关负责人出庭应诉率100%。</p><p>杭州市西湖区人民政府</p><p>2024年3月28日</p></div></body></html>")
    report = clean_page(RawPage(content=html.encode(), source="p.html"))
    assert report.paragraphs[0].text.startswith("我受区人民政府委托")
    assert report.extra["delivered"][0].startswith("——2024年3月28日")
    assert report.extra["addressee"] == "主任、各位副主任、各位委员"
    assert report.issuer == "杭州市西湖区人民政府"  # from the signature, not the speaker


def test_form_feeds_of_a_converted_pdf():
    assert text_lines("各项\f工作取得成效。\f三、党政主要负责人\f\n") == ["各项工作取得成效。", "三、党政主要负责人", "", ""]


def test_place_then_kind_without_a_year():
    assert issuer("海盐县法治政府建设年度报告", [], {}, LAW_REPORT, site_name="海盐县人民政府") == "海盐县人民政府"


def test_over_ten_megabytes_is_refused_by_default():
    with pytest.raises(ExtractError, match="too large"):
        clean_page(RawPage(content=b"<html><body>" + b"a" * (10 * 1024 * 1024) + b"</body></html>", source="big.html"))


@pytest.mark.parametrize("line", ["目 录", "一、主要举措和成效..........................................1",
                                  "三、党政主要负责人履行推进法治建设第一责任人职责情况......4"])
def test_table_of_contents_lines_are_furniture(line):
    assert drop_reason(line) == "contents"


def test_running_header_is_dropped_and_the_cut_sentence_joined():
    title = "兰溪市2023年法治政府建设年度报告"
    assert join_running_headers(["各项工作取得了", title, "明显成效。", "二、存在的不足"], title) == \
        ["各项工作取得了明显成效。", "二、存在的不足"]


@pytest.mark.parametrize("title", ["瓯海区发布2023年法治政府建设年度报告", "一图看懂|鹿城区2023年法治政府建设年度报告",
                                   "视频解读:2023年政府信息公开工作年度报告"])
def test_pages_announcing_or_illustrating_a_report_are_not_reports(title):
    assert classify_kind(title, "近日,某某区正式对外发布年度报告。报告显示,出庭应诉率100%。") == NOT_A_REPORT


def test_short_prose_before_a_matched_title_line_is_kept():
    html = ("<html><head><meta charset='utf-8'><meta name='ArticleTitle' content='一图看懂|某区2023年法治政府建设年度报告'></head>"
            "<body><div id='zoom'><p>2023年,某区法治政府建设成绩亮眼:出庭应诉率100%。一起来看!</p>"
            "<p>相关链接:某区2023年法治政府建设年度报告</p></div></body></html>")
    report = clean_page(RawPage(content=html.encode(), source="p.html"))
    assert report.report_kind == NOT_A_REPORT
    assert [p.text for p in report.paragraphs] == ["2023年,某区法治政府建设成绩亮眼:出庭应诉率100%。一起来看!"]


def test_repeated_tail_of_short_lines_is_dropped():
    lines = ["一、总体情况", "全年主动公开政府信息1862条。", "五、存在的主要问题及改进情况", "政策解读形式较为单一。",
             "六、其他需要报告的事项", "本年度未收取信息处理费。", "五、存在的主要问题及改进情况", "政策解读形式较为单一。",
             "六、其他需要报告的事项", "本年度未收取信息处理费。"]
    kept, dropped = remove_duplicate_lines(lines)
    assert kept == lines[:6] and dropped == 4


def test_short_lines_repeated_apart_are_kept():
    lines = ["(一)主动公开", "全年公开1862条。", "(二)依申请公开", "全年受理32件。", "一是加强培训。", "(一)主动公开"]
    assert remove_duplicate_lines(lines)[0] == lines


def test_page_on_one_line_is_cut_into_lines():
    line = ("发布日期:2024-03-28 来源:区司法局 浏览次数:123 【字体:大 中 小】 秀洲区2023年法治政府建设年度报告 "
            "2023年,秀洲区坚持以习近平法治思想为指导,全面推进法治政府建设。一、主要举措和成效 全区开展合法性审查210件。"
            "二、存在的不足和原因 部分镇(街道)法治力量不足。三、2024年工作安排 2024年,秀洲区将持续推进法治政府建设。 【打印本页】")
    lines = split_run_on([line])
    assert lines[:4] == ["发布日期:2024-03-28", "来源:区司法局", "浏览次数:123", "【字体:大 中 小】"]
    assert "秀洲区2023年法治政府建设年度报告" in lines and "二、存在的不足和原因" in lines and lines[-1] == "【打印本页】"
    report = clean_page(RawPage(content=line.encode(), source="dump.txt"))
    assert report.title == "秀洲区2023年法治政府建设年度报告" and report.publish_date == "2024-03-28"
    assert [p.section_path for p in report.paragraphs][-1] == ("三、2024年工作安排",)


def test_table_lines_are_never_cut_as_run_on():
    from search.structure import TABLE_MARK
    line = TABLE_MARK + "申请情况 自然人 总计; 一、本年新收政府信息公开申请数量 80 86; 二、上年结转政府信息公开申请数量 2 2; " * 3
    assert split_run_on([line]) == [line]


def test_complete_title_beats_a_shortened_heading():
    html = ("<html><head><meta charset='utf-8'><title>磐安县2023年法治政府建设年度报告_磐安县人民政府</title></head><body>"
            "<h1>法治政府建设年度报告</h1><div id='zoom'><p>2023年,磐安县全面推进法治政府建设。</p><p>一、主要举措和成效</p>"
            "<p>全县综合行政执法事项达到890项。</p></div></body></html>")
    report = clean_page(RawPage(content=html.encode(), source="p.html"))
    assert report.title == "磐安县2023年法治政府建设年度报告"
    assert report.issuer == "磐安县人民政府"


def test_work_report_delivered_to_congress():
    html = ("<html><head><meta charset='utf-8'><meta name='SiteName' content='衢州市人民政府'>"
            "<meta name='ArticleTitle' content='2024年衢州市政府工作报告'></head><body><h1>2024年衢州市政府工作报告</h1>"
            "<div id='zoom'><p>——2024年1月25日在衢州市第八届人民代表大会第四次会议上</p><p>各位代表:</p>"
            "<p>现在,我代表市人民政府,向大会报告工作,请予审议。</p><p>一、2023年工作回顾</p><p>过去一年,全市经济稳中有进。</p>"
            "</div></body></html>")
    report = clean_page(RawPage(content=html.encode(), source="p.html"))
    assert report.title == "2024年衢州市政府工作报告"
    assert report.report_kind == OTHER_REPORT and report.issuer == "衢州市人民政府"
    assert report.paragraphs[0].text.startswith("现在,我代表市人民政府")


@pytest.mark.parametrize("line", ["(责编:王丽、李明)", "来源 | 嘉善司法", "▲图为县政府常务会议会前学法现场"])
def test_repost_credits_and_image_captions_are_furniture(line):
    assert drop_reason(line) == "credits"


def test_mandated_section_name_run_into_its_text():
    from search.structure import split_heading
    assert split_heading("二、存在的不足和原因山区乡镇法治人才缺乏,合法性审查力量薄弱。")[0] == "二、存在的不足和原因"
    assert split_heading("一、主要举措和成效全县综合行政执法事项达到930项,全年开展联合检查260次。")[0] == "一、主要举措和成效"
    assert split_heading("四、2024年工作安排2024年,常山县将持续推进法治政府建设。")[0] == "四、2024年工作安排"


def test_file_extension_is_not_part_of_a_title():
    html = ("<html><head><meta charset='utf-8'><title>常山县2023年法治政府建设年度报告.docx-原创力文档</title></head><body>"
            "<div class='doc'><p>2023年,常山县坚持以习近平法治思想为指导,全面推进法治政府建设,各项工作取得积极成效。</p>"
            "<p>一、主要举措和成效</p><p>全县综合行政执法事项达到930项。</p></div></body></html>")
    assert clean_page(RawPage(content=html.encode(), source="p.html")).title == "常山县2023年法治政府建设年度报告"
