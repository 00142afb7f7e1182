"""Headings at every level → section paths; run-in headings; headings are never paragraphs."""
from __future__ import annotations

from search.structure import Block, build_blocks, drop_repeated_sentences, enumerator, split_heading


def paths(lines):
    return [(block.section_path, block.text) for block in build_blocks(lines)]


def test_every_heading_level_nests():
    result = paths([
        "第一部分 总体情况",
        "一、主要举措",
        "(一)依法履职",
        "1.深化改革",
        "(1)权责清单",
        "动态调整行政许可事项286项。",
    ])
    assert result == [(("第一部分 总体情况", "一、主要举措", "(一)依法履职", "1.深化改革", "(1)权责清单"), "动态调整行政许可事项286项。")]


def test_a_new_heading_closes_deeper_levels():
    result = paths(["一、主要举措", "(一)依法履职", "1.深化改革。推进政务服务。", "二、存在的不足", "执法力量薄弱。"])
    assert result == [(("一、主要举措", "(一)依法履职", "1.深化改革"), "推进政务服务。"), (("二、存在的不足",), "执法力量薄弱。")]


def test_run_in_heading_ending_with_a_full_stop():
    assert paths(["(一)强统筹抓推进,党的领导更加有力。县委县政府切实把法治政府建设摆在重要位置。"]) == [
        (("(一)强统筹抓推进,党的领导更加有力",), "县委县政府切实把法治政府建设摆在重要位置。")
    ]


def test_list_headings_split_a_paragraph_only_when_they_are_headings():
    result = paths(["(一)统筹推进。一是加强宣贯重示范。专题学习行政复议法。二是强化统筹聚合力。召开联席会议。"])
    assert result == [
        (("(一)统筹推进", "一是加强宣贯重示范"), "专题学习行政复议法。"),
        (("(一)统筹推进", "二是强化统筹聚合力"), "召开联席会议。"),
    ]
    findings = "一是少数干部法治意识不强,缺乏用法治思维和法治方式思考的意识和能力。二是行政决策科学化法治化水平需进一步提高。"
    assert paths(["二、存在的不足", findings]) == [(("二、存在的不足",), findings)]


def test_list_headings_do_not_reach_the_next_line():
    result = paths(["二、存在的不足", "一是意识不强。部分干部学法不够。", "下一步将加强培训。"])
    assert result[-1] == (("二、存在的不足",), "下一步将加强培训。")


def test_whole_report_on_one_line():
    line = ("2022年,区委、区政府扎实推进法治建设,成效显著。一、党政主要负责人履行推进法治建设第一责任人职责,加强法治政府建设的有关情况"
            "区委书记、区长切实履行第一责任人职责,始终把法治政府建设摆在突出位置。二、推进法治政府建设的主要举措(一)依法全面履行政府职能"
            "一是完善政府组织结构。大力推进编制资源向基层倾斜。二是优化政府行政职能。积极推进权责清单规范化管理。")
    assert paths([line]) == [
        ((), "2022年,区委、区政府扎实推进法治建设,成效显著。"),
        (("一、党政主要负责人履行推进法治建设第一责任人职责,加强法治政府建设的有关情况",), "区委书记、区长切实履行第一责任人职责,始终把法治政府建设摆在突出位置。"),
        (("二、推进法治政府建设的主要举措", "(一)依法全面履行政府职能", "一是完善政府组织结构"), "大力推进编制资源向基层倾斜。"),
        (("二、推进法治政府建设的主要举措", "(一)依法全面履行政府职能", "二是优化政府行政职能"), "积极推进权责清单规范化管理。"),
    ]


def test_numbered_items_without_text_under_them_stay_text():
    result = paths(["四、2023年工作打算", "(1)持续深化习近平法治思想学习宣传贯彻。", "(2)推进执法规范化", "(3)加强队伍建设"])
    assert [text for _, text in result] == ["(1)持续深化习近平法治思想学习宣传贯彻。", "(2)推进执法规范化", "(3)加强队伍建设"]
    assert all(path == ("四、2023年工作打算",) for path, _ in result)


def test_headings_are_not_paragraphs():
    blocks = build_blocks(["一、总体情况", "(一)主动公开", "全年主动公开政府信息2386条。", "二、存在的主要问题及改进情况"])
    texts = [block.text for block in blocks]
    assert "一、总体情况" not in texts and "(一)主动公开" not in texts
    assert texts == ["全年主动公开政府信息2386条。", "二、存在的主要问题及改进情况"]  # last heading has nothing under it


def test_not_headings():
    assert enumerator("2022年,全区") is None
    assert enumerator("1.5万家市场主体") is None
    assert enumerator("一、二级执法队伍") is None
    assert split_heading("统一是关键。") == (None, None, "统一是关键。")


def test_repeated_sentences_are_dropped_once_seen():
    blocks = [Block("全县综合执法事项扩大至1350项。行政复议纠错率12.1%。", ("一",)),
              Block("全县综合执法事项扩大至1350项。新的内容在这里出现了。", ("二",)),
              Block("全县综合执法事项扩大至1350项。", ("三",))]
    assert [b.text for b in drop_repeated_sentences(blocks)] == ["全县综合执法事项扩大至1350项。行政复议纠错率12.1%。", "新的内容在这里出现了。"]


def test_heading_number_alone_on_its_line_joins_its_text():
    assert paths(["一、", "主要举措", "(一)", "依法履职。全面推进。"]) == [(("一、主要举措", "(一)依法履职"), "全面推进。")]


def test_unnumbered_mandated_section_names_are_headings():
    result = paths(["2023年法治政府建设主要举措和成效", "(一)依法履职。全面推进。", "存在的不足和原因", "执法力量薄弱。",
                    "现将有关情况报告如下:"])
    assert result == [
        (("2023年法治政府建设主要举措和成效", "(一)依法履职"), "全面推进。"),
        (("存在的不足和原因",), "执法力量薄弱。"),
        (("存在的不足和原因",), "现将有关情况报告如下:"),
    ]


def test_docstring_examples_of_the_cleaner_modules():
    import doctest
    import importlib

    # import_module: search.clean.extract is also the name of a function the package exports
    names = ("search.structure", "search.clean.boilerplate", "search.clean.metadata", "search.clean.issuer",
             "search.clean.docshare", "search.clean.spam", "search.clean.extract", "search.clean.runon")
    for name in names:
        failures, tried = doctest.testmod(importlib.import_module(name))
        assert tried > 0 and failures == 0, name


def test_table_cells_one_per_line_become_one_row_paragraph():
    result = paths(["二、主动公开政府信息情况", "信息内容", "本年制发件数", "规章", "0", "0", "三、存在的主要问题及改进情况", "解读不够。"])
    assert result == [(("二、主动公开政府信息情况",), "信息内容 本年制发件数 规章 0 0"),
                      (("三、存在的主要问题及改进情况",), "解读不够。")]
