"""Line-level boilerplate removal: what portals wrap around a report, and the metadata hidden in it.

Lines are removed, never silently: metadata rows (索引号, 发布机构, 浏览次数 …) are parsed into
fields; attachment file names become attachments; everything else that is page furniture
(breadcrumbs, share and print widgets, header clocks, footers, document-sharing banners,
aggregator preambles, layout debris) is dropped and counted.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from ..structure import TABLE_MARK
from .extract import ATTACHMENT_EXTENSIONS, ROW_SEPARATOR, attachment_name

LOGGER = logging.getLogger(__name__)

# Metadata labels as portals print them, mapped to one canonical key. Longest first so that
# 信息来源 wins over 来源 and 信息索引号 over 索引号.
_LABELS: dict[str, str] = {
    "信息索引号": "索引号", "索引号": "索引号", "索取号": "索引号",
    "组配分类": "组配分类", "主题分类": "主题分类", "体裁分类": "体裁分类", "信息分类": "信息分类",
    "发布机构": "发布机构", "发文机关": "发文机关", "发文单位": "发文机关", "发布单位": "发布机构",
    "责任部门": "责任部门", "责任科室": "责任科室", "所属机构": "发布机构", "公开责任部门": "责任部门",
    "生成日期": "生成日期", "成文日期": "成文日期", "发布日期": "发布日期", "发布时间": "发布日期",
    "公开日期": "发布日期", "印发日期": "成文日期", "更新时间": "更新日期", "更新日期": "更新日期",
    "公开形式": "公开形式", "公开方式": "公开形式", "公开范围": "公开范围", "公开时限": "公开时限",
    "公开属性": "公开形式", "文件编号": "文件编号", "发文字号": "文件编号", "文号": "文件编号",
    "有效性": "有效性", "时效": "有效性", "效力状态": "有效性",
    "信息来源": "来源", "文章来源": "来源", "稿件来源": "来源", "来源": "来源",
    "浏览次数": "浏览次数", "访问次数": "浏览次数", "点击数": "浏览次数", "点击次数": "浏览次数",
    "阅读次数": "浏览次数", "浏览量": "浏览次数", "阅读量": "浏览次数", "访问量": "浏览次数",
    "作者": "作者", "责任编辑": "编辑", "编辑": "编辑", "字体": "字体", "字号": "字体",
    "标题": "标题", "名称": "标题", "主题词": "主题词", "关键词": "主题词", "服务对象": "服务对象",
    "发布人": "作者", "日期": "日期", "时间": "日期",
    "信息名称": "标题", "文件名称": "标题", "发文日期": "成文日期", "成文时间": "成文日期", "发文时间": "成文日期",
    "信息类别": "信息分类", "公开类别": "信息分类", "所属分类": "信息分类", "所属主题": "主题分类", "文件类型": "体裁分类",
    "发布文号": "文件编号", "审核": "编辑", "校对": "编辑", "核稿": "编辑", "供稿": "作者", "撰稿": "作者",
    "记者": "作者", "通讯员": "作者", "摄影": "作者", "阅读数": "浏览次数", "浏览数": "浏览次数", "阅读": "浏览次数",
    "浏览": "浏览次数", "点击": "浏览次数",
}
_DATE_LABELS = {"生成日期", "成文日期", "发布日期", "更新日期", "日期"}
_LONG_VALUE_LABELS = {"标题", "发布机构", "发文机关", "主题词"}


def _label_pattern(label: str) -> str:
    return r"\s*".join(map(re.escape, label))  # 标　　题 arrives as 标 题 after NFKC


_LABEL_RE = re.compile(
    r"(?:^|(?<=[\s\d\]】\[【|>:,;]))(?P<label>"
    + "|".join(_label_pattern(label) for label in sorted(_LABELS, key=len, reverse=True))
    + r")\s*(?:[::]\s*|(?=\s|$|\d|\[))"
)
DATETIME = re.compile(r"(?P<y>(?:19|20)\d{2})\s*[-./年]\s*(?P<m>\d{1,2})\s*[-./月]\s*(?P<d>\d{1,2})\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?")
_LEADING_DATETIME = re.compile(r"^\s*" + DATETIME.pattern)


def parse_meta_line(line: str) -> dict[str, str] | None:
    """Label/value pairs when the whole line is a metadata row, else None.

    >>> parse_meta_line("发布日期:2024-03-26 14:59:34浏览次数: 来源:区委依法治区办 字体:[ ]")
    {'发布日期': '2024-03-26 14:59:34', '浏览次数': '', '来源': '区委依法治区办', '字体': '[ ]'}
    >>> parse_meta_line("来源于群众的意见建议,我们认真研究。") is None
    True
    """
    text = line.strip()
    if (text[:1], text[-1:]) in (("【", "】"), ("(", ")"), ("[", "]")):
        text = text[1:-1].strip()  # (责任编辑:张三)
    if not text or len(text) > 300:
        return None
    fields: dict[str, str] = {}
    position = 0
    leading = _LEADING_DATETIME.match(text)
    if leading and re.match(r"\s*(?:星期|周)[一二三四五六日天]", text[leading.end():]):
        return None  # 2023年3月21日 星期二 …: a header clock, not a publication date
    if leading:
        fields["日期"] = leading.group(0).strip()
        position = leading.end()
        if not text[position:].strip():
            return fields  # a bare date line (the date printed under a title)
    matches = list(_LABEL_RE.finditer(text, position))
    if not matches or text[position:matches[0].start()].strip(" |"):
        return None
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        label = _LABELS[re.sub(r"\s+", "", match.group("label"))]
        value = text[match.end():end].strip(" |:")
        limit = 150 if label in _LONG_VALUE_LABELS else 60
        if len(value) > limit or (value.endswith("。") and label != "标题"):
            return None
        if label in _DATE_LABELS and value and not DATETIME.match(value):
            return None
        if label == "浏览次数" and value and not re.fullmatch(r"[\d\s,\[\]次]*", value):
            return None
        fields.setdefault(label, value)
    return fields


_WIDGET_TOKENS = re.compile(
    r"分享到|分享|打印本页|打印此页|打印文章|打印|关闭窗口|关闭本页|关闭|返回顶部|回到顶部|返回|保存本页|收藏本页|收藏|"
    r"字体|字号|大\s*中\s*小|默认|扫一扫在手机打开当前页|扫一扫在手机上查看当前页面|扫一扫|手机打开|在手机打开|当前页|二维码|"
    r"无障碍浏览|无障碍|长者模式|关怀版|适老化|简体版?|繁體版?|繁体版?|简|繁|视力保护色|背景色|"
    r"微信|微博|新浪微博|腾讯微博|QQ空间|QQ|空间|人人网|豆瓣|朋友圈|我要纠错|我要打印|纠错|放大|缩小|还原|阅读模式|语音播报|播放|暂停|"
    r"上一篇|下一篇|上一页|下一页|首页|尾页|末页|第\s*\d+\s*页|共\s*\d+\s*页|返回列表|列表|跳转|"
    r"相关链接|相关文章|相关阅读|附件下载|附件|下载|\d+|[\[\]【】()|/:·.,>»›\-—\s]"
)
_BREADCRUMB = re.compile(r"^(?:您现在的位置|您当前的位置|您当前所在位置|当前位置|您的位置|所在位置|位置)\s*[::]|^首页\s*[>›»]|^[>›»]")
_CLOCK = re.compile(
    r"^(?:今天是|今日是|今天|今日)\s*[::]?\s*\d{4}\s*年|^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:星期|周)[一二三四五六日天]|农历"
)
_FOOTER = re.compile(
    r"版权所有|主办单位|承办单位|协办单位|网站标识码|政府网站标识码|ICP备|公网安备|技术支持|联系我们|网站地图|"
    r"建议使用|分辨率|网站声明|隐私声明|Copyright|©|运维单位|网站管理|维护单位|访问量统计"
)
_DOCSHARE = re.compile(
    r"由会员分享|可在线阅读|请在.{1,12}上搜索|原创力文档|人人文库|冰点文库|道客巴巴|豆丁网|文档格式|还剩\s*\d+\s*页未读|"
    r"阅读已结束|下载这份文档|展开阅读全文|点击查看更多|亲,该文档总共|本文档(?:由|为|共|内容)|免费下载|下载积分|VIP会员|侵权请联系"
)
_PREAMBLE = re.compile(r"小编|仅供参考|供大家参考|欢迎阅读|希望对(?:大家|您|你)有所帮助|欢迎借鉴|为大家(?:整理|收集|精心)|本站|本文由|推荐阅读")
# WeChat/app reposts end with calls to action and credits (编辑:… 审核:…, 阅读原文, 关注我们).
_SOCIAL = re.compile(
    r"阅读原文|点击上方|蓝字关注|长按(?:识别|扫描)?二维码|扫码关注|关注(?:我们|公众号)|点个?[“\"]?在看|"
    r"^\(?(?:责任编辑|责编|编辑|审核|校对|初审|复审|终审|审校|编审|监制|文字|图片|摄影|来源)\s*[::|]|"
    r"^[▲△▼]|^图为"  # image captions of a WeChat copy
)
# A table of contents: 目录, or headings with dot leaders and a page number (一、主要举措……1)
_TOC = re.compile(r"^目\s*录$|(?:\.{4,}|…{2,}|·{4,}|_{4,})\s*\d{1,3}\s*$")
_RELATED_INLINE = re.compile(r"^(?:相关链接|相关阅读|相关文章|相关解读|相关新闻|延伸阅读|原文链接)\s*[::]\s*\S")
_RELATED = re.compile(r"^(?:相关文章|相关阅读|相关链接|相关推荐|推荐阅读|猜你喜欢|热门文章|延伸阅读|更多相关|相关文档|相关信息|相关新闻|热门推荐)\s*[::]?$")
_URL_LINE = re.compile(r"^(?:(?:原文)?(?:链接|网址|地址|URL|url|来源网址|原文地址)\s*[::]?\s*)?(?P<url>https?://[^\s<>\"]+)$")
_PIPE_RUN = re.compile(r"(?:\s*[|│┃¦]\s*)+")
_DEBRIS = re.compile(r"^[\s|│┃¦\-=+_*·.。,,~#]*$")
_ATTACHMENT = re.compile(
    r"^(?:(?:相关)?附件\s*\d*\s*(?:下载)?\s*[::.、]?\s*)?(?P<name>[^。;;]{2,120}?\.(?:" + "|".join(e.lstrip(".") for e in ATTACHMENT_EXTENSIONS) + r"))\s*(?:\(\s*[\d.]+\s*[KMG]?B\s*\))?\s*$",
    re.IGNORECASE,
)
_DOC_NUMBER = re.compile(r"^[\u4e00-\u9fff]{1,12}\s*[〔\[【(]\s*(?:19|20)\d{2}\s*[〕\]】)]\s*第?\s*\d+\s*号$")
_WATERMARK_CUE = re.compile(r"范文|文库|文秘|文档|公文|作文|写作|秘书|资料|www\.", re.IGNORECASE)
_HOST = r"(?!gov\.cn)[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org)"
_DOMAIN = r"(?:www\.)?" + _HOST
# A template site's name after a separator or in brackets (… - 第一范文网 www.xxx.com), or
# its bare domain; never a plain word at the end of a sentence (…年度报告范文 stays).
_WATERMARK = re.compile(
    r"(?:(?:\s*[-_—|/]+\s*|\s*[(【\[]\s*)(?:本文来[自源]于?|来源[::]|出自[::]?|转载自?)?[\w\u4e00-\u9fff]{0,10}?"
    r"(?:范文|文库|文秘|文档|公文|作文|写作|秘书|资料)[\w\u4e00-\u9fff]{0,3}"
    rf"(?:\s*[(\[]?\s*{_DOMAIN}\s*[)\]]?)?\s*[)】\]]?"
    rf"|\s*[(\[]\s*www\.{_HOST}\s*[)\]])\s*$",
    re.IGNORECASE,
)


def _parse_meta_rows(line: str) -> dict[str, str] | None:
    """A metadata row, or a whole label/value table flattened into one line (rows split by ;)."""
    if line.startswith(TABLE_MARK):
        rows = [parse_meta_line(row) for row in line[len(TABLE_MARK):].split(ROW_SEPARATOR)]
        if rows and all(row is not None for row in rows):
            return {label: value for row in rows for label, value in row.items()}
        return None
    return parse_meta_line(line)


@dataclass
class Boilerplate:
    """The lines that survived, and what was learned from the ones that did not."""

    lines: list[str]
    fields: dict[str, str] = field(default_factory=dict)  # first value of each metadata label
    field_rows: list[dict[str, str]] = field(default_factory=list)  # every metadata row, in order
    attachments: list[str] = field(default_factory=list)
    document_numbers: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)  # lines that were nothing but a URL
    dropped: dict[str, int] = field(default_factory=dict)  # reason → count, for debugging


def is_widget_line(line: str) -> bool:
    """True when a line is nothing but share/print/font/accessibility controls."""
    if len(line) > 80 or not re.search(r"[\u4e00-\u9fffA-Za-z]", line):
        return False
    return not _WIDGET_TOKENS.sub("", line)


# A bracketed template-site name anywhere in a line (一、主要举措和成效【范文网】(一)…): such
# sites stamp every heading of a page that carries the whole report on one line.
_BRACKETED_WATERMARK = re.compile(
    r"\s*[【\[]\s*[\w\u4e00-\u9fff.]{0,10}?(?:范文|文库|文秘|文档|公文|作文|写作|秘书|资料)"
    r"[\w\u4e00-\u9fff.]{0,6}?(?:网|站|库|吧|大全|\.com|\.cn|\.net)\s*[】\]]\s*",
    re.IGNORECASE,
)


def strip_watermark(line: str) -> str:
    """Remove a template site's name (… - XX范文网 www.xxx.com, 【范文网】) from a line.

    >>> strip_watermark("一、主要举措和成效【范文网】(一)依法履职。")
    '一、主要举措和成效 (一)依法履职。'
    """
    if len(line) <= 4 or not _WATERMARK_CUE.search(line):
        return line
    line = _WATERMARK.sub("", line)
    return _BRACKETED_WATERMARK.sub(" ", line).strip()


def clean_pipes(line: str) -> str:
    """Flattened table rows: keep the cells, drop the | debris between them."""
    if "|" not in line and "│" not in line and "┃" not in line and "¦" not in line:
        return line
    return _PIPE_RUN.sub(" ", line).strip()


def _is_nav(line: str) -> bool:
    """首页 政务公开 政务服务 …: a menu flattened into one line."""
    words = line.split()
    return len(line) < 100 and len(words) >= 2 and words[0] == "首页" and all(len(word) <= 8 for word in words) \
        and not re.search(r"[。,;]", line)


def drop_reason(line: str) -> str | None:
    """Why a (normalised) line is page furniture, or None when it may be report text."""
    if _DEBRIS.match(line):
        return "debris"
    if line.count("。") >= 2 or len(line) > 200:
        return None  # prose: furniture is short and has at most one sentence
    if _BREADCRUMB.search(line) or _is_nav(line):
        return "breadcrumb"
    if _CLOCK.search(line) and len(line) < 80:
        return "clock"
    if is_widget_line(line) or (len(line) < 60 and re.search(r"浏览器不支持|请(?:升级|更换)浏览器|开启JavaScript", line)):
        return "widget"
    if len(line) < 160 and _FOOTER.search(line) and not line.endswith("。"):
        return "footer"
    if len(line) < 200 and _DOCSHARE.search(line):
        return "docshare_banner"
    if len(line) < 200 and _PREAMBLE.search(line):
        return "preamble"
    if len(line) < 80 and "。" not in line and _SOCIAL.search(line):
        return "credits"
    if _TOC.search(line) and len(line) < 120:
        return "contents"
    if _RELATED_INLINE.match(line) and len(line) < 100 and "。" not in line:
        return "related"
    if re.fullmatch(r"[\u4e00-\u9fff]{0,6}(?:上一篇|下一篇)[::].*", line):
        return "navigation"
    return None


def remove_boilerplate(lines: list[str]) -> Boilerplate:
    """Drop furniture lines; parse metadata rows, attachment names and document numbers."""
    result = Boilerplate(lines=[])

    def drop(reason: str) -> None:
        result.dropped[reason] = result.dropped.get(reason, 0) + 1

    in_related = False
    for raw in lines:
        line = strip_watermark(clean_pipes(raw)).strip()
        if not line:
            continue
        if _RELATED.match(line):
            in_related = True  # a list of links to other documents follows
            drop("related")
            continue
        if in_related:
            if len(line) <= 60 and "。" not in line:
                drop("related")
                continue
            in_related = False
        fields = _parse_meta_rows(line)
        if fields is not None:
            result.field_rows.append(fields)
            for label, value in fields.items():
                if value and label not in result.fields:
                    result.fields[label] = value
            drop("metadata")
            continue
        url = _URL_LINE.match(line)
        if url:
            result.urls.append(url.group("url"))  # a dump often records where it was saved from
            drop("url")
            continue
        attachment = _ATTACHMENT.match(line)
        if attachment:
            name = attachment_name(attachment.group("name"))
            if name not in result.attachments:
                result.attachments.append(name)
            drop("attachment")
            continue
        if _DOC_NUMBER.match(line):
            result.document_numbers.append(line)
            drop("document_number")
            continue
        if re.fullmatch(r"(?:相关)?附件\s*\d*\s*[::]?", line):
            drop("attachment")
            continue
        reason = drop_reason(line)
        if reason:
            drop(reason)
            continue
        result.lines.append(line)
    LOGGER.debug("boilerplate dropped: %s", result.dropped)
    return result
