"""The printable 选址预审 report: the PDF's text extracted back has the Chinese headings, the project name and the
figures of the check; the Excel workbook has the same tables, escaped cells and the metadata sheet; the map is
rendered offline."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import geopandas as gpd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from dashboard import site_check as sc
from dashboard import site_check_report as report
from dashboard.charts import chart_png, cjk_font_available
from dashboard.errors import UserError
from dashboard.policy import load_profile
from dashboard.views import site_check as views
from tests.unit.test_site_check import COUNTY, box, candidate_layers, footprint, lonlat

pytestmark = pytest.mark.skipif(not cjk_font_available(), reason="fonts-noto-cjk not installed (make fonts)")

NAME = "玉溪某新材料产业园项目"


class _Version:
    def __init__(self, version, data_date):
        self.version, self.data_date = version, data_date

    def source(self, lang):
        return "示例数据" if lang == "zh" else "demo data"


@pytest.fixture(scope="module")
def check():
    lines = gpd.GeoDataFrame({"line_id": ["F1", "U1"], "kind": ["farmland", "ubg"], "county_code": COUNTY},
                             geometry=lonlat(box(-1000, 500), box(700, 1500)), crs="EPSG:4326")
    landuse = gpd.GeoDataFrame({"dlbm": ["0101", "0103", "0601"], "dlmc": ["水田", "旱地", "工业用地"]},
                               geometry=lonlat(box(0, 200), box(200, 500), box(500, 1000)), crs="EPSG:4326")
    layers = candidate_layers()
    layers = sc.SiteLayers(**{**layers.__dict__, "control_lines": lines, "landuse": landuse})
    project = sc.Project(NAME, COUNTY, True, "prefecture", date(2026, 9, 25))
    return sc.check_site(footprint(), project, layers, load_profile(), load_profile("qiannan"))


def context(check, lang="zh", with_map=True):
    png = None
    if with_map:
        png = chart_png(views.report_map_chart(check, check_lines(), candidate_layers().parks, None, lang))
    return report.ReportContext(
        names={COUNTY: "红塔区"}, versions={"landuse": _Version("v20260930", "2026-09-30"), "parks": None},
        titles={"landuse": "土地利用现状", "parks": "园区"}, profile_name="云南省·玉溪市（默认）",
        pool_profile_name="贵州省·黔南州", data_date="2026-09-30", map_png=png,
        generated_at=datetime(2026, 11, 22, 9, 30, tzinfo=UTC))


def check_lines():
    return gpd.GeoDataFrame({"line_id": ["F1"], "kind": ["farmland"], "county_code": COUNTY},
                            geometry=lonlat(box(-1000, 500)), crs="EPSG:4326")


def pdf_text(data: bytes) -> str:
    """The PDF's text as pypdf extracts it, without whitespace (and the NULs pypdf leaves between the two-byte
    character codes of an embedded CID font)."""
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"[\s\x00]+", "", "".join(page.extract_text() for page in reader.pages))


def test_pdf_has_the_chinese_headings_and_figures(check):
    data = report.to_pdf_bytes(check, context(check), "zh")
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    for heading in ("建设项目选址预审报告", "一、基本情况", "三、与三条控制线关系", "四、占用地类", "五、耕地占补平衡需求",
                    "七、可优先使用的园区存量用地", "八、部门会商", "十、数据版本"):
        assert heading in text, heading
    assert NAME in text
    assert "1,500.00亩" in text  # site area
    assert "永久基本农田F1750.00500,000.0050.00" in text  # farmland: line, 亩, m², share of the site (%)
    assert "城镇开发边界U1450.00300,000.0030.00" in text
    assert "2026-10-15" in text  # the tenth working day after 2026-09-25
    assert "I1" in text and "测试园区" in text  # the best candidate
    assert "v20260930" in text and "加强横向联动" in text  # the clause cites its document by title


def test_pdf_embeds_the_cjk_font_subset_and_the_map(check):
    data = report.to_pdf_bytes(check, context(check), "zh")
    reader = PdfReader(io.BytesIO(data))
    fonts = [f.get_object() for page in reader.pages for f in page["/Resources"]["/Font"].values()]
    assert any("NotoSansCJKSC" in str(f["/BaseFont"]) for f in fonts)
    assert any(page.images for page in reader.pages)  # the map
    assert len(data) < 2_000_000  # a subset, not the 20 MB collection


def test_pdf_in_english_without_map(check):
    text = pdf_text(report.to_pdf_bytes(check, context(check, "en", with_map=False), "en"))
    assert "Sitepre-checkreport" in text and "3.Threecontrollines" in text
    assert "(themapcouldnotbedrawn)" in text
    assert NAME in text  # data stay as they are


def test_missing_font_is_a_user_error(check, monkeypatch, tmp_path):
    report.cjk_fonts.cache_clear()
    monkeypatch.setattr(report, "CJK_FONT_DIRS", (tmp_path,))
    try:
        with pytest.raises(UserError) as err:
            report.to_pdf_bytes(check, context(check, with_map=False), "zh")
        assert err.value.key == "site_check.error.no_font"
    finally:
        report.cjk_fonts.cache_clear()


def test_excel_has_the_same_tables_and_the_metadata_sheet(check):
    data = report.to_xlsx_bytes(check, context(check), "zh")
    book = load_workbook(io.BytesIO(data))
    assert {"预审报告", "基本情况", "三条控制线", "占用地类", "占补平衡需求", "候选存量用地", "数据版本", "元数据"} <= set(
        book.sheetnames)
    lines = list(book["三条控制线"].values)
    assert lines[0][:3] == ("控制线", "涉及控制线编号", "重叠面积（亩）")
    assert lines[1][0] == "永久基本农田" and lines[1][2] == pytest.approx(750)
    candidates = list(book["候选存量用地"].values)
    assert [r[2] for r in candidates[1:4]] == ["I1", "A2", "A1"]
    meta = {r[0]: r[1] for r in book["元数据"].values}
    assert meta["数据截止日期"] == "2026-09-30"
    assert meta["数据版本"] == "landuse=v20260930"
    assert any(isinstance(v, str) and NAME in v for v in meta.values())
    assert book["预审报告"]._images  # the map


def test_excel_escapes_formula_like_names(check):
    evil = sc.SiteCheck(**{**check.__dict__, "project": sc.Project("=HYPERLINK(\"http://x\")", COUNTY, True,
                                                                   "prefecture", date(2026, 9, 25))})
    book = load_workbook(io.BytesIO(report.to_xlsx_bytes(evil, context(evil, with_map=False), "zh")))
    cells = [c for sheet in book for row in sheet.values for c in row if isinstance(c, str) and "HYPERLINK" in c]
    assert cells and all(c.startswith("'") or not c.lstrip().startswith("=") for c in cells)


def test_file_stem_is_path_safe(check):
    assert report.file_stem(check, "zh") == f"建设项目选址预审报告-{NAME}"
    odd = sc.SiteCheck(**{**check.__dict__, "project": sc.Project("../a/b<c>", COUNTY, True, "prefecture",
                                                                  date(2026, 9, 25))})
    assert "/" not in report.file_stem(odd, "en") and "<" not in report.file_stem(odd, "en")
