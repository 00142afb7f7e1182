"""Report pages written for the coverage tests: one province (浙江) where some governments
published and others did not, with known dates, a department's report and a late one."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

LAW_SECTIONS = ("一、主要举措和成效", "二、存在的不足和原因", "三、党政主要负责人履行推进法治建设第一责任人职责情况",
                "四、{next}年主要安排")
DISCLOSURE_SECTIONS = ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                       "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项")


@dataclass(frozen=True)
class Page:
    name: str
    issuer: str
    site_code: str  # 6-digit administrative code of the portal
    year: int
    kind: str = "fz"  # fz | xxgk
    publish_date: str | None = None
    skip: tuple[int, ...] = ()  # section numbers (0-based) left out

    def html(self) -> str:
        kind = "法治政府建设年度报告" if self.kind == "fz" else "政府信息公开工作年度报告"
        title = f"{self.issuer}{self.year}年{kind}"
        sections = LAW_SECTIONS if self.kind == "fz" else DISCLOSURE_SECTIONS
        body = [f"<p>{self.year}年,{self.issuer}认真贯彻落实上级部署,扎实推进各项工作。现将有关情况报告如下。</p>"]
        for number, heading in enumerate(sections):
            if number in self.skip:
                continue
            body.append(f"<p>{heading.format(next=self.year + 1)}</p>")
            body.append(f"<p>本部分内容:全年依法办理各类事项{number + 12}件,依法依规推进相关工作。</p>")
        date = f'<meta name="PubDate" content="{self.publish_date} 09:30">' if self.publish_date else ""
        return (f'<!doctype html><html><head><meta charset="utf-8">'
                f'<meta name="SiteIDCode" content="{self.site_code}0001">'
                f'<meta name="ArticleTitle" content="{title}">{date}'
                f'<meta name="ContentSource" content="{self.issuer}">'
                f'<title>{title}</title></head><body><div id="zoom">{"".join(body)}</div></body></html>')


# 湖州市 (330500) and its five counties: some published for 2023, some did not.
PAGES = (
    Page("huzhou_2023", "湖州市人民政府", "330500", 2023, publish_date="2024-03-25"),  # on time
    Page("wuxing_2023", "湖州市吴兴区人民政府", "330502", 2023, publish_date="2024-04-12"),  # 12 days late
    Page("nanxun_2023", "湖州市南浔区人民政府", "330503", 2023, publish_date=None),  # no printed date
    Page("deqing_sfj_2023", "德清县司法局", "330521", 2023, publish_date="2024-03-01"),  # a department: not the government
    Page("changxing_2022", "长兴县人民政府", "330522", 2022, publish_date="2023-03-30"),  # another year
    Page("anji_2023", "安吉县人民政府", "330523", 2023, publish_date="2024-03-15", skip=(2,)),  # lacks 第一责任人
    # 信息公开: a department (1月31日) late, a government (3月31日) on time, same date.
    Page("huzhou_gov_xxgk_2023", "湖州市人民政府", "330500", 2023, kind="xxgk", publish_date="2024-02-20"),
    Page("huzhou_fgw_xxgk_2023", "湖州市发展和改革委员会", "330500", 2023, kind="xxgk", publish_date="2024-02-20"),
)


def write_pages(folder: Path, pages=PAGES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for page in pages:
        (folder / f"{page.name}.html").write_text(page.html(), encoding="utf-8")
    return folder
