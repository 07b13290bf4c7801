"""The 土地利用 page: layers, a parcel link opening its detail, meeting mode, structure and published check."""

import json

import pytest

from dashboard.io import read_dataset
from dashboard.navigation import page_spec
from tests.app.helpers import open_app_page
from tests.conftest import ROOT

SPEC = page_spec("landuse")


@pytest.fixture(scope="module")
def landuse():
    return read_dataset("landuse", ROOT / "data" / "demo" / "landuse.parquet")



def open_landuse(query=None, state=None):
    return open_app_page(SPEC.file, query, state)


def test_parcel_link_opens_its_detail_with_area_in_mu_and_overlaps(landuse):
    row = landuse.iloc[500]
    at = open_landuse({"parcel": row["parcel_id"]})
    detail = next(tb.value for tb in at.table if "图斑编号" in tb.value.index)
    values = detail.iloc[:, 0].to_dict()
    assert values["图斑编号"] == row["parcel_id"]
    assert f"{row['area_m2'] * 15 / 10000:,.2f} 亩" in values["图斑面积"]
    assert "与三条控制线的关系" in " ".join(m.value for m in at.markdown)


def test_stale_parcel_link_says_so():
    at = open_landuse({"parcel": "no-such-parcel"})
    assert any("no-such-parcel" in i.value for i in at.info)


def test_the_page_opens_on_land_use_alone_with_every_overlay_one_click_away():
    at = open_landuse()
    layers = [layer["id"] for layer in json.loads(at.get("deck_gl_json_chart")[0].proto.json)["layers"]]
    assert layers == ["regions", "landuse-0", "region-outlines"]
    pills = at.get("button_group")[0]
    assert pills.value == ["landuse"] and len(pills.proto.options) == 5


def test_every_layer_and_meeting_mode_render():
    at = open_landuse(state={"landuse_layers": ["landuse", "control_lines", "parks", "unsupplied", "idle"],
                             "meeting_mode": True})
    charts = at.get("deck_gl_json_chart")
    assert len(charts) == 1
    spec = charts[0].proto.json
    for layer_id in ('"id":"control_lines"', '"id":"parks-0"', '"id":"unsupplied-0"', '"id":"idle-0"'):
        assert layer_id in spec
    # one vector-tile layer over the folder that merges the county tilesets
    tile_layers = [layer for layer in json.loads(spec)["layers"] if layer["@@type"] == "MVTLayer"]
    assert [layer["id"] for layer in tile_layers] == ["landuse-0"]
    assert "/app/static/tiles/landuse-all-" in tile_layers[0]["data"]
    html = " ".join(h.proto.body for h in at.get("html"))
    assert "font-size:18px" in html and "永久基本农田" in html and "闲置土地" in html


def test_structure_reproduces_the_published_city_groups_and_flags_other_land():
    at = open_landuse()
    check = next(tb.value for tb in at.table if "公布面积（万公顷）" in tb.value.columns)
    assert check.index.name == "三调一级地类"
    other = check.loc["其他土地"]
    assert other["公布面积（万公顷）"] == "0.06" and other["公布数据自洽"] == "否"
    assert check.loc["耕地", "公布数据自洽"] == "是"
    assert [b.proto.label for b in at.get("download_button")][-2:] == ["下载 Excel", "下载 CSV"]
    charts = at.get("vega_lite_chart")
    bars, labels = json.loads(charts[0].proto.spec)["layer"]
    assert "面积（万亩）" in bars["encoding"]["x"]["title"]
    # the figure beside a bar is the group's share, so it says "%" (the axis is in 万亩), and the caption says so
    assert labels["encoding"]["text"]["field"] == "share_label"
    assert "format(datum.share_pct, '.2f') + '%'" in json.dumps(json.loads(charts[0].proto.spec), ensure_ascii=False)
    assert any("占全域面积的比例（%）" in c.value for c in at.caption)
    assert bars["encoding"]["y"]["axis"]["labelLimit"] >= 200  # 水域及水利设施用地 in full


def test_county_view_and_english(landuse):
    at = open_landuse({"region": "530402", "lang": "en"})
    assert "Land-use structure — " in " ".join(s.value for s in at.subheader)
    assert not any("Published" in str(c) for tb in at.table for c in tb.value.columns)  # the check is city-wide
    english = open_landuse({"lang": "en"})
    check = next(tb.value for tb in english.table if "Published area (10,000 ha)" in tb.value.columns)
    assert set(check["Published figures consistent"]) == {"Yes", "No"}


def test_configured_tile_server_replaces_the_static_tiles(tmp_path, monkeypatch, landuse):
    url = "http://127.0.0.1:8600/landuse/{z}/{x}/{y}.pbf"
    config = tmp_path / "dashboard.toml"
    config.write_text(f'[map]\nlanduse_tiles_url = "{url}"\n', encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_CONFIG", str(config))
    at = open_landuse()
    layers = json.loads(at.get("deck_gl_json_chart")[0].proto.json)["layers"]
    tile_layers = [layer for layer in layers if layer["@@type"] == "MVTLayer"]
    assert [(layer["id"], layer["data"]) for layer in tile_layers] == [("landuse-0", url)]
    assert tile_layers[0]["extent"] == pytest.approx(list(landuse.total_bounds))


def test_a_click_on_a_parcel_shows_that_parcel_not_the_linked_one(landuse):
    linked, clicked = landuse.iloc[100], landuse.iloc[2000]
    at = open_landuse({"parcel": linked["parcel_id"]})
    assert any(linked["parcel_id"] in tb.value.iloc[:, 0].tolist() for tb in at.table)
    # what st.pydeck_chart(on_select="rerun") stores for a click on a parcel of the tiles
    at.session_state["landuse_map_city_0"] = {"selection": {"indices": {"landuse-0": [0]}, "objects": {
        "landuse-0": [{"properties": {"id": clicked["parcel_id"], "name": str(clicked["dlmc"])}}]}}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params["parcel"] == clicked["parcel_id"]
    detail = next(tb.value for tb in at.table if "图斑编号" in tb.value.index)
    assert detail.loc["图斑编号"].iloc[0] == clicked["parcel_id"]
