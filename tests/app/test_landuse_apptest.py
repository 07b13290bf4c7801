"""The 土地利用 page: layers, a parcel link opening its detail, meeting mode, structure and published check."""

import json

import pandas as pd
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


def _frames(at) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


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
    check = next(f for f in _frames(at) if "公布面积（万公顷）" in f.columns)
    other = check[check["三调一级地类"] == "其他土地"].iloc[0]
    assert other["公布面积（万公顷）"] == pytest.approx(0.06) and not other["公布数据自洽"]
    charts = at.get("vega_lite_chart")
    assert charts and "面积（万亩）" in json.loads(charts[0].proto.spec)["layer"][0]["encoding"]["x"]["title"]


def test_county_view_and_english(landuse):
    at = open_landuse({"region": "530402", "lang": "en"})
    assert "Land-use structure — " in " ".join(s.value for s in at.subheader)
    assert not any("公布面积" in c for f in _frames(at) for c in f.columns)  # the published check is city-wide


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
