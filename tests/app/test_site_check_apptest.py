"""The 选址预审 page through its upload path (AppTest cannot draw on the map): a GeoJSON site near the 玉溪高新区
gives the control-line table, the class table, the arable need and ranked park candidates in Chinese and English;
a coordinate table without a CRS asks for one and works once it is chosen; a bad file gets a message."""

from __future__ import annotations

import json

import pytest
import shapely

from dashboard.demo import DEMO_DIR
from dashboard.io import read_dataset
from dashboard.navigation import page_spec
from tests.app.helpers import frame_with, open_app_page

SPEC = page_spec("site_check")


@pytest.fixture(scope="module")
def site_bytes():
    """A ≈20 亩 square inside park P01 (玉溪高新技术产业开发区, 红塔区)."""
    parks = read_dataset("parks", DEMO_DIR / "parks.parquet")
    point = parks.loc[parks["park_id"] == "P01", "geometry"].iloc[0].representative_point()
    square = shapely.box(point.x - 0.00057, point.y - 0.00052, point.x + 0.00057, point.y + 0.00052)
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"名称": "<img src=x onerror=alert(1)>"},
         "geometry": shapely.geometry.mapping(square)}]}
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def upload(at, name, data, mime="application/geo+json"):
    at.file_uploader(key="site_check_file").set_value((name, data, mime))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_uploaded_site_in_chinese(site_bytes):
    at = open_app_page(SPEC.file)
    assert any("尚未提供用地范围" in i.value for i in at.info)
    at.text_input(key="site_check_name").set_value("测试项目").run()
    upload(at, "拟选址.geojson", site_bytes)
    assert at.selectbox(key="site_check_county").value == "530402"  # detected from the site
    assert "预审结果" in [h.value for h in at.subheader]
    lines = frame_with(at, "重叠面积（亩）")
    assert list(lines["控制线"]) == ["永久基本农田", "生态保护红线", "城镇开发边界"]
    classes = frame_with(at, "地类编码")
    assert len(classes) >= 1
    need = frame_with(at, "项目需求")
    assert list(need["指标"]) == ["耕地数量", "水田规模", "粮食产能"]
    candidates = frame_with(at, "面积富余（%）")
    assert list(candidates["排名"]) == list(range(1, len(candidates) + 1)) and len(candidates) >= 1
    assert set(candidates["园区"]) == {"玉溪高新技术产业开发区"}
    assert any("园区内有" in i.value for i in at.info)
    assert any("工作日" in i.value for i in at.info)
    labels = [b.label for b in at.get("download_button")]
    assert "下载预审报告（PDF）" in labels and "下载预审报告（Excel）" in labels
    # nothing from the file is rendered as markup
    assert not any("<img" in m.value for m in at.markdown)


def test_non_industrial_site_in_english(site_bytes):
    at = open_app_page(SPEC.file, {"lang": "en"})
    at.toggle(key="site_check_industrial").set_value(False).run()
    upload(at, "site.geojson", site_bytes)
    assert "Pre-check results" in [h.value for h in at.subheader]
    lines = frame_with(at, "Overlap (mu)")
    assert list(lines["Control line"]) == ["Permanent basic farmland", "Ecological red line",
                                           "Urban development boundary"]
    assert not any("Area left over" in d.value.columns for d in at.dataframe)
    labels = [b.label for b in at.get("download_button")]
    assert "Download the report (PDF)" in labels


def test_coordinate_table_needs_a_crs_choice():
    site = shapely.box(550_000, 2_700_000, 550_200, 2_700_100)  # EPSG:4543, 红塔区 area ≈ 30 亩
    rows = "\n".join(f"J{i + 1},{x:.2f},{y:.2f}" for i, (x, y) in enumerate(list(site.exterior.coords)[:-1]))
    at = open_app_page(SPEC.file)
    upload(at, "界址点.csv", ("点号,X,Y\n" + rows + "\n").encode("utf-8"), "text/csv")
    assert any("坐标系" in e.value for e in at.error)
    crs = at.selectbox(key="site_check_crs")
    assert "EPSG:4543" in crs.options
    crs.set_value("EPSG:4543").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "预审结果" in [h.value for h in at.subheader]


def test_a_file_without_polygons_gets_a_message():
    data = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [102.55, 24.35]}}]})
    at = open_app_page(SPEC.file, {"lang": "en"})
    upload(at, "points.geojson", data.encode())
    assert any("no polygon features" in e.value for e in at.error)
    assert "Pre-check results" not in [h.value for h in at.subheader]
