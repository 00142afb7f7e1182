"""clean_page on bad input, encodings, duplicates, metadata; fingerprint and similarity."""
from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from search.clean import clean_page, fingerprint, similarity
from search.clean.boilerplate import drop_reason, parse_meta_line, remove_boilerplate
from search.clean.dedup import remove_duplicate_lines
from search.clean.docshare import rejoin_pages
from search.clean.issuer import issuer
from search.clean.metadata import classify_kind, publish_date, url_date, year_in
from search.errors import ExtractError
from search.models import DISCLOSURE_REPORT, LAW_REPORT, NOT_A_REPORT, OTHER_REPORT, RawPage

DATA = Path(__file__).parent / "data" / "cleaner"
PAGES = DATA / "pages"
SEEDS = DATA / "seeds"


def clean(content: bytes, source: str = "page.html", max_bytes: int = 10 * 1024 * 1024, **kwargs):
    return clean_page(RawPage(content=content, source=source, **kwargs), max_bytes=max_bytes)


def page(name: str, url: str | None = None):
    return clean_page(RawPage(content=(PAGES / name).read_bytes(), source=name, url=url))


REPORT_HTML = """<html><head><meta charset="{charset}"><title>某县2023年法治政府建设年度报告</title></head>
<body><div id="zoom"><p>2023年,桐庐县扎实推进法治政府建设,取得明显成效。</p><p>一、主要举措和成效</p>
<p>(一)依法履职。全县政务服务事项网上可办率达到100%。</p><p>二、存在的不足和原因</p>
<p>一是基层法治力量薄弱,执法规范化水平有待提高。</p></div></body></html>"""


# --- bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "empty"),
        (b"   \n\t  ", "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, "binary"),
        (zlib.compress(b"x" * 1000) * 50, "binary"),
        (b"<html><head><title>2023\xe5\xb9\xb4\xe6\xb3\x95\xe6\xb2\xbb\xe6\x94\xbf\xe5\xba\x9c</title></head><body><div id=\"zoom\"><p>\xe6\xb3\x95\xe6\xb2\xbb</p><p cla", "truncated"),
    ],
    ids=["empty", "whitespace", "png", "gzip", "truncated-html"],
)
def test_bad_input_raises_extract_error_naming_the_file(content, reason):
    with pytest.raises(ExtractError) as error:
        clean(content, source="file:///data/bad_page.html")
    assert reason in error.value.reason
    assert "bad_page.html" in str(error.value)


def test_utf8_cut_inside_a_character_is_truncated():
    content = REPORT_HTML.format(charset="utf-8").encode("utf-8").replace(b"</body></html>", b"")
    content = content.rsplit(b"</p>", 1)[0] + "法治".encode("utf-8")[:-1]
    with pytest.raises(ExtractError, match="truncated"):
        clean(content)


def test_over_size_input_is_refused():
    content = REPORT_HTML.format(charset="utf-8").encode("utf-8")
    with pytest.raises(ExtractError, match="too large"):
        clean(content, max_bytes=100)
    assert clean(content, max_bytes=10_000).report_kind == LAW_REPORT


def test_page_without_report_text_is_refused():
    with pytest.raises(ExtractError, match="no report text"):
        clean("<html><body><div class='nav'>首页 | 政务公开</div><p>打印本页 关闭窗口</p></body></html>".encode())


def test_attachment_bytes_go_through_document_content(monkeypatch):
    import search.clean.documents as documents

    seen = {}

    def fake_document_content(content, content_type, filename):
        seen["filename"] = filename
        return "嵊州市2023年法治政府建设年度报告\n2023年,我市扎实推进法治政府建设。\n一、主要举措\n(一)依法履职。全面梳理权责清单。", []

    monkeypatch.setattr(documents, "document_content", fake_document_content)
    report = clean(b"%PDF-1.7 fake", source="https://example.gov.cn/a/report.pdf", url="https://example.gov.cn/a/report.pdf")
    assert seen["filename"] == "report.pdf"
    assert report.title == "嵊州市2023年法治政府建设年度报告"
    assert report.paragraphs[-1].section_path == ("一、主要举措", "(一)依法履职")


# --- encodings -----------------------------------------------------------------------------

@pytest.mark.parametrize("charset, encoding", [("utf-8", "utf-8"), ("gb2312", "gb18030"), ("gbk", "gb18030"),
                                               ("gb18030", "gb18030"), ("utf-8", "gb18030"), ("", "gb18030")])
def test_any_declared_or_missing_charset_gives_the_same_text(charset, encoding):
    html = REPORT_HTML.format(charset=charset).replace("桐庐县", "桐庐县喆")
    report = clean(html.encode(encoding))
    assert report.paragraphs[0].text.startswith("2023年,桐庐县喆扎实推进")
    assert report.report_kind == LAW_REPORT


def test_gbk_pages_match_their_utf8_twins():
    for twin in sorted((PAGES / "gbk").glob("*.html")):
        original = page(twin.name)
        copy = clean_page(RawPage(content=twin.read_bytes(), source=twin.name))
        assert copy.to_dict() == original.to_dict(), twin.name


# --- duplicates, boilerplate, spam, script ---------------------------------------------------

def test_body_twice_with_metadata_between_is_kept_once():
    report = page("hanweb_law.html")
    texts = [p.text for p in report.paragraphs]
    assert len(texts) == len(set(texts))
    assert report.extra["repeated_lines"] >= 10


def test_cut_copy_and_full_copy_keep_the_full_text():
    full = "全年受理行政复议案件156件,审结149件,综合纠错率12.1%,行政争议实质性化解成功率68.5%。"
    cut = "全年受理行政复议案件156件,审结149件,综合纠错率"
    kept, dropped = remove_duplicate_lines(["一、主要举措", full, "一、主要举措", cut])
    assert kept == ["一、主要举措", full] and dropped == 2
    kept, dropped = remove_duplicate_lines(["一、主要举措", cut, "一、主要举措", full])
    assert kept == ["一、主要举措", full] and dropped == 2


def test_signature_line_repeating_a_title_line_is_not_a_duplicate():
    lines = ["中共某某区委 某某区人民政府", "关于2023年度法治政府建设工作情况的报告",
             "2023年,我区全面推进法治政府建设,取得突破性进展,获评全省示范。", "中共某某区委 某某区人民政府", "2024年3月25日"]
    kept, _ = remove_duplicate_lines(lines)
    assert kept == lines


@pytest.mark.parametrize("line, reason", [
    ("您现在的位置:首页 > 政务公开 > 法治政府建设", "breadcrumb"),
    ("> 资源库栏目 > 基本信息公开 > 规划计划", "breadcrumb"),
    ("今天是 2019年10月31日 星期四 农历十月初三", "clock"),
    ("2023年3月21日 星期二", "clock"),
    ("【打印本页】 【返回顶部】 【关闭窗口】", "widget"),
    ("分享到:", "widget"),
    ("字体:[ 大 中 小 ]", "widget"),
    ("简体 | 繁体 无障碍", "widget"),
    ("扫一扫在手机打开当前页", "widget"),
    ("主办单位:某某县人民政府办公室 网站标识码:3301220001 浙ICP备05000001号", "footer"),
    ("《2022年法治政府建设情况报告.docx》由会员分享,可在线阅读,更多相关《2022年法治政府建设情况报告.docx(18页珍藏版)》请在第壹文秘上搜索。", "docshare_banner"),
    ("小编为大家整理了2023年法治政府建设年度报告,仅供参考。", "preamble"),
    ("||||||||||||||||||||", "debris"),
])
def test_furniture_lines_are_recognised(line, reason):
    assert drop_reason(line) == reason


@pytest.mark.parametrize("line", [
    "2.“精准发力”深化执法监督。开展专项监督,畅通和规范群众投诉举报、维权监督通道。",
    "承办单位充分听取各方意见建议,确保决策内容更加科学合理。将决策事项向社会公开征求意见。",
    "(二)繁简分流,推进基层诉源治理",
    "2024年3月25日",
])
def test_report_text_is_not_furniture(line):
    assert drop_reason(line) is None


def test_metadata_rows_become_fields_and_attachments_become_names():
    result = remove_boilerplate([
        "信息索引号 001008001003010/2023-03233 文件编号",
        "责任部门 区政府办公室 公开形式 主动公开",
        "标 题: 某某区2023年法治政府建设年度报告",
        "来源:区人民政府办公室(外事办公室、研究室) 发布时间: 2023-02-16 09:55 浏览次数:",
        "2024-01-09 15:56 浏览次数: 信息来源:市政府办公室",
        "附件:某某区2022年法治政府建设年度报告.docx",
        "保政呈〔2025〕5号",
        "一、主要成效",
    ])
    assert result.lines == ["一、主要成效"]
    assert result.fields["索引号"] == "001008001003010/2023-03233"
    assert result.fields["标题"] == "某某区2023年法治政府建设年度报告"
    assert result.fields["发布日期"] == "2023-02-16 09:55"
    assert result.fields["日期"] == "2024-01-09 15:56"
    assert result.attachments == ["某某区2022年法治政府建设年度报告.docx"]
    assert result.document_numbers == ["保政呈〔2025〕5号"]


def test_pipe_rows_keep_their_cells():
    result = remove_boilerplate(["| 规章 | 0 | 0 | 5 |", "|||||||||"])
    assert result.lines == ["规章 0 0 5"]


def test_page_markers_are_rejoined_mid_sentence():
    shared = rejoin_pages([
        "《报告.docx》由会员分享,可在线阅读",
        "1、全面贯彻落实党中央、国务院和市委、市政府",
        "2、关于法治建设的重大决策部署。全面落",
        "3、实。召开述法大会,企业网上申报率达到98.65%o二是",
    ])
    assert shared.is_docshare
    assert shared.lines[-1] == "全面贯彻落实党中央、国务院和市委、市政府关于法治建设的重大决策部署。全面落实。召开述法大会,企业网上申报率达到98.65%。二是"


def test_numbered_sentences_are_not_page_markers():
    lines = ["1、全面推进依法行政。", "2、深化执法改革。", "3、加强监督。"]
    assert not rejoin_pages(lines).is_docshare


def test_mirror_spam_is_flagged_and_stripped():
    report = page("mirror_spam.html")
    assert "mirror_spam" in report.quality
    text = "".join(p.text for p in report.paragraphs)
    assert "新葡京" not in text and "百家乐" not in text and "bet365" not in text


def test_real_report_mentioning_entertainment_venues_is_not_spam():
    html = REPORT_HTML.format(charset="utf-8").replace("<p>二、存在的不足和原因</p>",
        "<p>(二)规范执法。开展娱乐场所、彩票销售点执法检查,查处娱乐场所违法案件3件。</p><p>二、存在的不足和原因</p>")
    assert "mirror_spam" not in clean(html.encode()).quality


def test_traditional_page_keeps_its_script_and_matches_the_simplified_copy():
    traditional = page("traditional_pinyin.html")
    simplified = page("xxgk_department.html")
    assert "traditional_script" in traditional.quality and "pinyin_removed" in traditional.quality
    assert traditional.paragraphs[0].text.startswith("2023年，區司法局在區委")  # as published: full-width comma
    assert traditional.report_kind == simplified.report_kind and traditional.index_number == simplified.index_number
    assert fingerprint(traditional) == fingerprint(simplified)


# --- fingerprint and similarity -----------------------------------------------------------

def test_fingerprint_ignores_punctuation_spacing_and_portal():
    seed = (SEEDS / "000_51db72ed76d61d44.txt").read_bytes()
    first = clean(seed, source="a.txt")
    # another portal: full-width commas, spaces after full stops, CRLF line ends
    respaced = clean(seed.replace(b",", "，".encode()).replace("。".encode(), "。 ".encode()).replace(b"\n", b"\r\n"),
                     source="b.txt")
    assert fingerprint(first) == fingerprint(respaced)
    other = clean((SEEDS / "004_92474c16541a4249.txt").read_bytes(), source="c.txt")
    assert fingerprint(first) != fingerprint(other)
    assert len(fingerprint(first)) == 40


def test_similarity_finds_the_mirror_and_separates_different_reports():
    real, mirror, other = page("hanweb_law.html"), page("mirror_spam.html"), page("xxgk_department.html")
    assert fingerprint(real) != fingerprint(mirror)  # a word was replaced by spam
    assert 0.9 <= similarity(real, mirror) < 1.0
    assert similarity(real, other) < 0.2
    assert similarity(real, real) == 1.0


# --- metadata -----------------------------------------------------------------------------

@pytest.mark.parametrize("title, kind", [
    ("杭州市临平区人民政府关于临平区2022年法治政府建设年度报告", LAW_REPORT),
    ("关于2023年度龙湾区法治政府建设工作情况的报告", LAW_REPORT),
    ("湖州市吴兴区人民政府2023年政府信息公开工作年度报告", DISCLOSURE_REPORT),
    ("某某市2023年国民经济和社会发展统计公报及政府工作报告", OTHER_REPORT),
    ("《鄞州区2023年政府信息公开工作年度报告》解读", NOT_A_REPORT),
    ("一图读懂2023年法治政府建设年度报告", NOT_A_REPORT),
    ("县政府召开常务会议 审议《桐庐县2023年法治政府建设年度报告》", NOT_A_REPORT),
    ("关于印发《2023年法治政府建设年度报告》的通知", NOT_A_REPORT),
])
def test_report_kind(title, kind):
    assert classify_kind(title, "") == kind


def test_issuer_is_the_reporting_body_not_the_posting_office():
    assert issuer("诸暨市2023年法治政府建设工作情况报告", [], {"来源": "市政府办公室"}, LAW_REPORT) == "诸暨市人民政府"
    assert issuer("杭州市西湖区司法局2023年法治政府建设年度报告", [], {"发布机构": "区政府办"}, LAW_REPORT) == "杭州市西湖区司法局"
    assert issuer(None, ["嵊州市人民政府"], {"发布机构": "市司法局"}, LAW_REPORT) == "嵊州市人民政府"
    assert issuer(None, [], {"发布机构": "区政府办公室"}, LAW_REPORT) is None
    assert issuer(None, [], {"发布机构": "本网"}, LAW_REPORT) is None


def test_years_and_dates():
    assert year_in("关于临平区2022年法治政府建设年度报告") == 2022
    assert year_in("法治政府建设实施纲要(2021-2025年)落实情况") is None
    assert year_in("二〇二二年法治政府建设年度报告") == 2022
    assert url_date("https://www.anji.gov.cn/art/2023/3/20/art_1240_5012345.html") == "2023-03-20"
    assert url_date("http://www.nbyz.gov.cn/zwgk/202401/t20240131_5555001.html") == "2024-01-31"
    # a later re-upload in the URL is not the publish date of a 2023 report
    assert publish_date([None], url="https://x.gov.cn/202506/t20250611_1.html", year_covered=2023) is None
    assert publish_date(["2022- 02- 28"], url=None, year_covered=2021) == "2022-02-28"
    assert publish_date(["2019-10-31"], url=None, year_covered=2022) is None  # before the year covered


def test_page_without_title_gets_a_derived_one():
    report = page("trs_notitle.html")
    assert report.title == "嵊州市人民政府2023年法治政府建设年度报告" and report.title_derived
    assert report.extra["addressee"] == "绍兴市人民政府"
    assert report.extra["document_numbers"] == ["嵊政呈〔2024〕3号"]
    assert all("嵊政呈" not in p.text and "特此报告" not in p.text for p in report.paragraphs)


def test_extra_keeps_raw_metadata_for_debugging():
    report = page("hanweb_law.html")
    assert report.extra["meta"]["SiteIDCode"] == "3305230001"
    assert report.extra["fields"]["发布机构"] == "县司法局"
    assert report.extra["encoding"] == "utf-8" and report.extra["container"] == "id=zoom"


def test_report_serialises_to_the_clean_json_contract():
    data = page("hanweb_law.html").to_dict()
    for key in ("title", "report_kind", "issuer", "region", "report_year", "publish_date", "index_number",
                "source_url", "paragraphs"):
        assert key in data
    assert set(data["region"]) == {"province", "city", "county", "code"}
    assert {"text", "section_path", "topics"} <= set(data["paragraphs"][0]) <= {"text", "section_path", "topics", "topic_scores"}


def test_header_clock_is_never_a_publish_date():
    assert parse_meta_line("2023年3月21日 星期二 来源:县政府办") is None
    html = ("<html><body><div class='top'>今天是 2019年10月31日 星期四</div><div id='zoom'>"
            "<p>2018年,我县扎实推进法治政府建设,取得明显成效。</p></div></body></html>")
    assert clean(html.encode()).publish_date is None


@pytest.mark.parametrize("line, cleaned", [
    ("一、主要举措和成效 - 第一范文网", "一、主要举措和成效"),
    ("一、基本情况_公文写作网 www.gwxz.com", "一、基本情况"),
    ("一、总体情况(www.fwsir.com)", "一、总体情况"),
    ("2022年政府信息公开工作年度报告范文", "2022年政府信息公开工作年度报告范文"),
    ("在中国政府网(www.gov.cn)", "在中国政府网(www.gov.cn)"),
    ("(二)规范公文管理", "(二)规范公文管理"),
])
def test_template_site_watermarks(line, cleaned):
    from search.clean.boilerplate import strip_watermark

    assert strip_watermark(line) == cleaned


def test_related_link_lists_are_dropped():
    result = remove_boilerplate(["全年主动公开政府信息1865条。", "相关文章:", "2022年政府信息公开工作年度报告范文",
                                 "乡镇法治政府建设情况报告"])
    assert result.lines == ["全年主动公开政府信息1865条。"]


def test_html_cut_mid_text_is_truncated():
    content = REPORT_HTML.format(charset="utf-8").split("法治力量")[0].encode("utf-8")
    with pytest.raises(ExtractError, match="truncated"):
        clean(content)


def test_mojibake_from_a_double_decoding_is_repaired():
    html = REPORT_HTML.format(charset="utf-8")
    garbled = html.encode("gbk").decode("latin-1").encode("utf-8")  # GBK bytes read as Latin-1, saved as UTF-8
    report = clean(garbled)
    assert report.paragraphs[0].text.startswith("2023年,桐庐县扎实推进法治政府建设")


def test_gov_cn_publication_meta_is_read():
    html = REPORT_HTML.format(charset="utf-8").replace("<title>", '<meta name="firstpublishedtime" content="2024-03-29-17:30:12"><title>')
    assert clean(html.encode()).publish_date == "2024-03-29"


def test_javascript_drawn_page_is_not_a_report():
    html = ("<html><head><title>2023年法治政府建设年度报告_某某区人民政府</title></head><body>"
            "<div class='nav'><a>首页</a><a>政务公开</a><a>政务服务</a></div>"
            "<div class='links'><p>友情链接 中国政府网 浙江省人民政府 杭州市人民政府网站</p></div>"
            "<div id='app'></div><script>loadContent('/api/article/123')</script></body></html>")
    with pytest.raises(ExtractError, match="no report text"):
        clean(html.encode())


def test_enforcement_report_on_gambling_is_not_spam():
    html = REPORT_HTML.format(charset="utf-8").replace("<p>二、存在的不足和原因</p>",
        "<p>(二)严打违法犯罪。全年破获网上赌博案件5起,捣毁赌场3个,查处六合彩窝点2个。</p><p>二、存在的不足和原因</p>")
    assert "mirror_spam" not in clean(html.encode()).quality


def test_year_first_titles_and_summaries():
    assert issuer("2023年杭州市临平区政府信息公开工作年度报告", [], {}, DISCLOSURE_REPORT) == "杭州市临平区人民政府"
    assert classify_kind("2023年法治政府建设工作总结", "") == LAW_REPORT
    assert classify_kind("关于开展2023年法治政府建设督察的通知", "") == NOT_A_REPORT


def test_url_line_in_a_text_dump_is_its_source():
    dump = "原文链接:https://www.tonglu.gov.cn/art/2022/2/28/art_1229_1.html\n" + (SEEDS / "004_92474c16541a4249.txt").read_text()
    report = clean(dump.encode(), source="dump.txt")
    assert report.source_url == "https://www.tonglu.gov.cn/art/2022/2/28/art_1229_1.html"
    assert report.title == "桐庐县2021年度法治政府建设情况报告"


def test_more_portal_furniture():
    result = remove_boilerplate(["(责任编辑:张三)", "信息名称:某某区2023年法治政府建设年度报告", "发文日期:2024-01-02",
                                 "附件下载:某某报告.docx", "【我要打印】【关闭】", "分享到:微信 微博 QQ",
                                 "您的浏览器不支持video标签。", "编辑:李四 审核:王五", "正文内容一句话。"])
    assert result.lines == ["正文内容一句话。"]
    assert result.fields["标题"] == "某某区2023年法治政府建设年度报告"
    assert result.fields["成文日期"] == "2024-01-02"
    assert result.attachments == ["某某报告.docx"]


def test_year_covered_from_the_disclosure_statistics_period():
    from search.clean.metadata import report_year

    body = ["本报告根据《中华人民共和国政府信息公开条例》编制。本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。"]
    assert report_year("某某区政府信息公开工作年度报告", body, "2024-03-01", DISCLOSURE_REPORT) == 2023
    assert report_year("某某区政府信息公开工作年度报告", ["一、总体情况"], "2024-03-01", DISCLOSURE_REPORT) == 2023


def test_short_issuer_names_are_completed_from_the_portal():
    assert issuer("区司法局2023年法治政府建设年度报告", [], {}, LAW_REPORT, site_name="杭州市西湖区人民政府") == "杭州市西湖区司法局"
    assert issuer("市司法局2023年法治政府建设年度报告", [], {}, LAW_REPORT, site_name="杭州市西湖区人民政府") == "市司法局"
    assert issuer("区司法局2023年法治政府建设年度报告", [], {}, LAW_REPORT) == "区司法局"


def test_pagination_and_bare_dates_are_furniture():
    result = remove_boilerplate(["上一页 1 2 3 下一页 共3页", "返回列表", "2024-01-29",
                                 "时间:2023年03月21日 11:20 来源:县司法局 阅读:123", "正文一句话。"])
    assert result.lines == ["正文一句话。"]
    assert result.fields["日期"] == "2024-01-29" and result.fields["浏览次数"] == "123"


@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*.txt")), ids=lambda path: path.name[:3])
def test_seed_as_html_gives_the_same_report_as_the_text_dump(seed):
    from html import escape

    text = seed.read_text(encoding="utf-8")
    body = "".join(f"<p>{escape(line)}</p>" for line in text.split("\n"))
    html = ("<!DOCTYPE html><html><head><meta charset='gbk'><title>网站</title></head><body>"
            "<div class='top'>今天是 2024年3月26日 星期二 <a>无障碍</a> 简体|繁体</div>"
            "<ul class='nav'><li>首页</li><li>政务公开</li><li>政务服务</li></ul>"
            f"<div class='main'><div class='TRS_Editor'>{body}</div></div>"
            "<div class='foot'>主办单位:某某人民政府办公室 网站标识码:3300000001 浙ICP备00000000号</div></body></html>")
    as_text = clean(seed.read_bytes(), source=seed.name)
    as_html = clean(html.encode("gb18030"), source=seed.name + ".html")
    assert [(p.text, p.section_path) for p in as_html.paragraphs] == [(p.text, p.section_path) for p in as_text.paragraphs]
    for name in ("title", "report_kind", "issuer", "report_year", "publish_date", "index_number"):
        assert getattr(as_html, name) == getattr(as_text, name), name


def test_short_numbered_headings_are_not_page_markers():
    lines = ["1、加强组织领导", "局党组专题研究。", "2、完善制度建设", "修订制度7项。", "3、强化监督", "开展监督。"]
    assert not rejoin_pages(lines).is_docshare


def test_issuer_line_above_a_guanyu_title_is_part_of_the_title():
    html = ("<html><head><meta charset='utf-8'><title>关于2023年度法治政府建设情况的报告</title></head><body><div id='zoom'>"
            "<p align='center'><b>丽水市莲都区人民政府</b></p><p align='center'><b>关于2023年度法治政府建设情况的报告</b></p>"
            "<p>丽水市人民政府:</p><p>2023年,我区深入贯彻习近平法治思想。</p><p>一、主要举措和成效</p>"
            "<p>全面推进依法行政,全年办理复议案件88件。</p><p align='right'>丽水市莲都区人民政府</p><p align='right'>2024年3月20日</p>"
            "</div></body></html>")
    report = clean(html.encode())
    assert report.title == "丽水市莲都区人民政府关于2023年度法治政府建设情况的报告"
    assert report.issuer == "丽水市莲都区人民政府" and report.publish_date == "2024-03-20"
    assert [p.text for p in report.paragraphs] == ["2023年,我区深入贯彻习近平法治思想。", "全面推进依法行政,全年办理复议案件88件。"]


def test_generic_link_text_gives_way_to_the_file_name():
    import lxml.html

    from search.clean.extract import _attachment_links

    root = lxml.html.fromstring('<div><a href="/att/%E6%B3%95%E6%B2%BB%E6%8A%A5%E5%91%8A.pdf">点击下载</a>'
                                '<a href="/a/b.docx">某某区2023年法治政府建设年度报告.docx</a></div>')
    assert _attachment_links(root, "https://x.gov.cn/art/1.html") == [
        ("法治报告.pdf", "https://x.gov.cn/att/%E6%B3%95%E6%B2%BB%E6%8A%A5%E5%91%8A.pdf"),
        ("某某区2023年法治政府建设年度报告.docx", "https://x.gov.cn/a/b.docx"),
    ]


def test_notice_carrying_the_whole_report_is_the_report():
    body = (SEEDS / "004_92474c16541a4249.txt").read_text()
    assert classify_kind("关于公布《桐庐县2021年度法治政府建设情况报告》的通知", body) == LAW_REPORT
    assert classify_kind("县政府召开常务会议 审议《桐庐县2023年法治政府建设年度报告》", "会议指出,成效明显。") == NOT_A_REPORT
    assert classify_kind("《桐庐县2021年度法治政府建设情况报告》解读", body) == NOT_A_REPORT


def test_short_known_container_beats_sidebar_prose():
    html = ("<html><head><meta charset='utf-8'><meta name='ArticleTitle' content='某某区人民政府2022年法治政府建设年度报告'></head>"
            "<body><div class='side'><p>热点专题:优化营商环境 共同富裕示范区建设 数字化改革 清廉建设 民生实事项目</p></div>"
            "<div id='zoom'><p>报告正文见附件。</p><p><a href='/a.docx'>2022年法治政府建设年度报告.docx</a></p></div></body></html>")
    report = clean(html.encode(), source="https://x.gov.cn/art/1.html", url="https://x.gov.cn/art/1.html")
    assert report.extra["container"] == "id=zoom"
    assert [p.text for p in report.paragraphs] == ["报告正文见附件。"]
    assert report.attachments[0].url == "https://x.gov.cn/a.docx"
