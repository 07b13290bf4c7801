"""数据管理 page in AppTest: upload → mapping → validation → preview → save and publish → versions, rollback."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import store
from dashboard.io import conform
from dashboard.navigation import page_spec

APP = str(Path(__file__).resolve().parents[2] / "app.py")
SPEC = page_spec("data_manager")
HEADER = "供地编号,批准文号,县区代码,供地日期,供地面积(亩),供地方式\n"
GOOD = (HEADER + "GD-T-001,云政地〔2026〕1号,530402,2026-03-01,12.5,出让\n"
        "GD-T-002,云政地〔2026〕2号,530427,2026-04-02,3.25,划拨\n").encode("gbk")
BAD = (HEADER + "GD-T-001,云政地〔2026〕1号,99,2026-13-01,-1,出让\n").encode("gbk")


@pytest.fixture(autouse=True)
def _tmp_store(tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_STORE", str(tmp_path / "store"))


def open_page(lang=None):
    at = AppTest.from_file(APP, default_timeout=120)
    if lang:
        at.query_params["lang"] = lang
    at.run()
    at.switch_page(SPEC.file)
    at.run()
    return at


def upload(at, name, data):
    at.selectbox(key="dm_dataset").set_value("supplies").run()
    at.file_uploader(key="dm_file").set_value((name, data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at):
    parts = [e.value for kind in ("success", "error", "info", "warning", "caption", "markdown", "text")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def test_page_without_file_shows_versions_and_audit_sections():
    at = open_page()
    assert not at.exception
    assert at.file_uploader(key="dm_file") is not None
    assert "版本与审计" in [s.value for s in at.subheader]


def test_upload_validate_preview_and_publish():
    at = upload(open_page(), "<img src=x onerror=alert(1)>.csv", GOOD)
    assert "<img src=x onerror=alert(1)>.csv" in [t.value for t in at.text]  # shown as text, escaped by Streamlit
    assert at.success and "2" in at.success[0].value
    assert "新增 2 行" in texts(at)
    # The indicators publishing would change: the demo's 386 supplies become 2, so the supply rates collapse.
    assert "发布后会变化的指标" in texts(at) and "项指标数值会变化" in texts(at)
    (changes,) = [d.value for d in at.dataframe if "指标" in d.value.columns]
    rate = changes[(changes["指标"] == "五年供地率") & (changes["数值项（带单位后缀）"] == "supply_rate_pct")]
    assert len(changes) == 50 and len(rate) and (rate["上传后"] < rate["当前版本"]).all()
    assert at.button(key="dm_publish").disabled  # data date and source are required
    at.date_input(key="dm_data_date").set_value(dt.date(2026, 10, 31))
    at.text_input(key="dm_source").set_value("测试台账").run()
    assert not at.button(key="dm_publish").disabled
    at.button(key="dm_publish").click().run()
    assert not at.exception, [e.value for e in at.exception]
    versions = store.list_versions("supplies")
    assert len(versions) == 1 and versions[0].is_current and versions[0].data_date == "2026-10-31"
    assert f"当前版本：{versions[0].version}" in texts(at)
    assert [e["event"] for e in store.read_audit("supplies")] == ["accepted", "publish"]
    assert at.button(key="dm_rollback") is not None


def test_indicator_preview_that_fails_leaves_the_page_working(monkeypatch):
    import components.data_upload as du

    def broken(*args, **kwargs):
        raise RuntimeError("engine down")

    monkeypatch.setattr(du, "indicator_changes", broken)
    at = upload(open_page(), "ok.csv", GOOD)
    assert "暂时无法计算指标变化" in [w.value for w in at.warning][-1]
    at.date_input(key="dm_data_date").set_value(dt.date(2026, 10, 31))
    at.text_input(key="dm_source").set_value("测试台账").run()
    at.button(key="dm_publish").click().run()
    assert not at.exception and store.current_version("supplies").rows == 2


def test_bad_file_shows_problems_and_no_save_button():
    at = upload(open_page(), "bad.csv", BAD)
    assert at.error and not at.success
    problems = [d.value for d in at.dataframe if "说明" in d.value.columns]  # display frames carry no key in AppTest
    assert problems and len(problems[0]) >= 3
    with pytest.raises(KeyError):
        at.button(key="dm_publish")


def test_unreadable_file_is_rejected_and_audited():
    at = upload(open_page(), "empty.csv", b"\xff\xfe\x00")
    assert at.error
    assert store.read_audit("supplies")[-1]["event"] == "rejected"


def test_english_page():
    at = upload(open_page("en"), "ok.csv", GOOD)
    assert "Compared with the current version: 2 rows added" in texts(at)
    assert "Indicators publishing would change" in texts(at) and "indicator values would change" in texts(at)
    assert any("Relative change (%)" in d.value.columns for d in at.dataframe)
    assert "Versions and audit" in [s.value for s in at.subheader]


def test_rollback_to_an_earlier_version_after_confirmation(tmp_path):
    df = pd.read_csv(io.BytesIO(GOOD), encoding="gbk", dtype=str)
    first = store.write_version("supplies", conform(df, "supplies"), uploader="t", original_name="a.csv",
                                data_date="2026-09-30", source="测试")
    store.publish("supplies", first.version, user="t")
    second = store.write_version("supplies", conform(df.head(1), "supplies"), uploader="t", original_name="b.csv",
                                 data_date="2026-10-31", source="测试")
    store.publish("supplies", second.version, user="t")
    at = open_page()
    at.selectbox(key="dm_dataset").set_value("supplies").run()
    assert at.button(key="dm_rollback").disabled  # nothing happens without the confirmation
    at.selectbox(key="dm_rollback_to").set_value(first.version)
    at.checkbox(key="dm_rollback_confirm").check().run()
    at.button(key="dm_rollback").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert store.current_version("supplies").version == first.version
    assert [e["event"] for e in store.read_audit("supplies")][-1] == "rollback"


# ------------------------------------------------------------------------------------- sheets, layers, CRS

SUPPLY_ROWS = [["GD-T-001", "云政地〔2026〕1号", "530402", "2026-03-01", 12.5, "出让"],
               ["GD-T-002", "云政地〔2026〕2号", "530427", "2026-04-02", 3.25, "划拨"]]


def upload_as(at, dataset, name, data, mime="application/octet-stream"):
    at.selectbox(key="dm_dataset").set_value(dataset).run()
    at.file_uploader(key="dm_file").set_value((name, data, mime)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def save(at):
    """Fill in the data date and source, press 保存为新版本, and return the stored frame."""
    at.date_input(key="dm_data_date").set_value(dt.date(2026, 10, 31))
    at.text_input(key="dm_source").set_value("测试").run()
    at.button(key="dm_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (version,) = store.list_versions(at.selectbox(key="dm_dataset").value)
    return store.load_version(version)


def xlsx_two_sheets() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    first.title = "填报说明"
    first.append(["说明", "本表为供地台账"])
    first.append(["填报单位", "玉溪市自然资源和规划局"])
    second = book.create_sheet("供地台账")
    second.append(HEADER.strip().split(","))
    for row in SUPPLY_ROWS:
        second.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_user_picks_the_second_sheet():
    at = upload_as(open_page(), "supplies", "供地台账.xlsx", xlsx_two_sheets())
    assert at.selectbox(key="dm_sheet").value == "填报说明"  # the first non-empty sheet, which is not the table
    assert at.error and not at.success
    at.selectbox(key="dm_sheet").set_value("供地台账").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success and "新增 2 行" in texts(at)
    stored = save(at)
    assert sorted(stored["supply_id"]) == ["GD-T-001", "GD-T-002"] and stored["area_mu"].sum() == 15.75


def parks_frame(crs="EPSG:4490", lon=102.55, lat=24.35):
    import geopandas as gpd
    from shapely.geometry import box

    return gpd.GeoDataFrame(
        {"园区编号": ["P-T-01", "P-T-02"], "园区名称": ["测试园区一", "测试园区二"], "所在县区代码": ["530402", "530427"]},
        geometry=[box(lon, lat, lon + 0.01, lat + 0.01), box(lon + 0.05, lat, lon + 0.06, lat + 0.01)], crs=crs,
    )


def test_geopackage_user_picks_the_layer(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    path = tmp_path / "园区.gpkg"
    gpd.GeoDataFrame({"备注": ["图例"]}, geometry=[Point(102.5, 24.3)], crs="EPSG:4490").to_file(
        path, layer="a_legend", driver="GPKG")
    parks_frame().to_file(path, layer="parks", driver="GPKG")
    at = upload_as(open_page(), "parks", "园区.gpkg", path.read_bytes())
    assert at.selectbox(key="dm_layer").value == "a_legend" and at.error
    at.selectbox(key="dm_layer").set_value("parks").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success
    stored = save(at)
    assert sorted(stored["park_id"]) == ["P-T-01", "P-T-02"]
    assert stored.crs.to_epsg() == 4326
    assert stored.geometry.iloc[0].bounds == pytest.approx((102.55, 24.35, 102.56, 24.36))


def zipped_shapefile_without_prj(tmp_path) -> bytes:
    """三调-style parcels (BSM, ZLDWDM, DLBM, TBMJ) in CGCS2000 3° Gauss-Krüger CM 102°E, with no .prj."""
    import zipfile

    import geopandas as gpd
    from shapely.geometry import box

    parcels = gpd.GeoDataFrame(
        {"BSM": ["0001", "0002"], "ZLDWDM": ["530402001001", "530427100200"], "DLBM": ["0101", "0301"],
         "DLMC": ["水田", "乔木林地"], "TBMJ": [1234.5, 20.0]},
        geometry=[box(102.55, 24.35, 102.551, 24.351), box(102.6, 24.3, 102.601, 24.301)], crs="EPSG:4490",
    ).to_crs("EPSG:4543")
    folder = tmp_path / "shp"
    folder.mkdir()
    parcels.to_file(folder / "三调图斑.shp", encoding="utf-8")
    (folder / "三调图斑.prj").unlink()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for part in sorted(folder.iterdir()):
            zf.write(part, part.name)
    return out.getvalue()


def test_zipped_shapefile_without_prj_needs_an_explicit_crs(tmp_path):
    at = upload_as(open_page(), "landuse", "三调图斑.zip", zipped_shapefile_without_prj(tmp_path), "application/zip")
    assert at.error and "坐标系" in at.error[0].value  # no .prj: refused until the user says which CRS
    with pytest.raises(KeyError):
        at.button(key="dm_save")
    options = at.selectbox(key="dm_crs").options
    assert "EPSG:4543" in options and at.selectbox(key="dm_crs").value == ""
    at.selectbox(key="dm_crs").set_value("EPSG:4543").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success and at.selectbox(key="dm_crs").value == "EPSG:4543"
    stored = save(at)
    assert sorted(stored["parcel_id"]) == ["0001", "0002"] and set(stored["county_code"]) == {"530402", "530427"}
    assert stored.crs.to_epsg() == 4326
    # Back in lon-lat where it was drawn (to a millimetre).
    assert stored.sort_values("parcel_id").geometry.iloc[0].bounds == pytest.approx(
        (102.55, 24.35, 102.551, 24.351), abs=1e-8)


def test_gcj02_input_is_converted_on_request():
    import numpy as np

    from dashboard.geo import wgs84_to_gcj02

    data = parks_frame(crs="EPSG:4326").to_json().encode("utf-8")
    at = upload_as(open_page(), "parks", "高德园区.geojson", data, "application/geo+json")
    assert at.success
    at.checkbox(key="dm_gcj02").check().run()
    assert not at.exception, [e.value for e in at.exception]
    stored = save(at).sort_values("park_id")
    lon, lat = np.array(stored.geometry.iloc[0].exterior.coords).T
    given_lon, given_lat = np.array(parks_frame().geometry.iloc[0].exterior.coords).T
    # Stored in WGS84: shifted by the GCJ-02 offset, a few hundred metres around Yuxi...
    metres = np.hypot((given_lon - lon) * 111_320 * np.cos(np.radians(lat)), (given_lat - lat) * 110_574)
    assert ((metres > 100) & (metres < 1000)).all()
    # ...and exactly the point that GCJ-02 encodes to what was uploaded.
    back_lon, back_lat = wgs84_to_gcj02(lon, lat)
    assert np.allclose(back_lon, given_lon, atol=1e-7) and np.allclose(back_lat, given_lat, atol=1e-7)
