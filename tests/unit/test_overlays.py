"""The map's overlays and the clicked-parcel detail, on the demo data."""

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon

from dashboard import overlays
from dashboard.geo import gauss_kruger_crs
from dashboard.io import read_dataset
from tests.conftest import ROOT

DEMO = ROOT / "data" / "demo"
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def landuse():
    return read_dataset("landuse", DEMO / "landuse.parquet")


@pytest.fixture(scope="module")
def lines():
    return read_dataset("control_lines", DEMO / "control_lines.parquet")


def test_parcel_detail_reports_surveyed_area_in_mu_and_m2(landuse):
    row = landuse.iloc[123]
    detail = overlays.parcel_detail(landuse, row["parcel_id"])
    assert detail.parcel_id == row["parcel_id"] and detail.dlbm == row["dlbm"]
    assert detail.area_m2 == pytest.approx(row["area_m2"])
    assert detail.area_mu == pytest.approx(row["area_m2"] * 15 / 10_000)
    assert detail.group_zh and detail.group_en
    assert overlays.parcel_detail(landuse, "no-such-parcel") is None


def test_control_line_overlaps_match_an_independent_overlay(landuse, lines):
    farmland = lines[lines["kind"] == "farmland"]
    shape = farmland.geometry.iloc[0]
    hits = landuse.iloc[landuse.sindex.query(shape, predicate="intersects")]
    partly = hits[(shapely.area(shapely.intersection(hits.geometry.values, shape)) > 0) & ~hits.within(shape)]
    row = partly.iloc[0]  # a parcel partly inside: the share is strictly between 0 and 100 %
    result = overlays.control_line_overlaps(row["geometry"], lines).set_index("kind")
    crs = gauss_kruger_crs(row["geometry"].centroid.x)
    parcel = gpd.GeoDataFrame(geometry=[row["geometry"]], crs="EPSG:4326").to_crs(crs)
    inside = gpd.overlay(parcel, farmland[["geometry"]].to_crs(crs).dissolve(), how="intersection")
    expected = inside.area.sum()
    assert result.loc["farmland", "overlap_m2"] == pytest.approx(expected, rel=1e-6)
    assert result.loc["farmland", "overlap_mu"] == pytest.approx(expected * 15 / 10_000, rel=1e-6)
    assert 0 < result.loc["farmland", "share_pct"] < 100.0


def test_no_overlap_gives_an_empty_table(lines):
    far_away = Polygon([(80, 30), (80.01, 30), (80.01, 30.01), (80, 30.01)])
    assert overlays.control_line_overlaps(far_away, lines).empty


def test_overlapping_lines_of_one_kind_do_not_count_twice():
    square = Polygon([(102.5, 24.3), (102.51, 24.3), (102.51, 24.31), (102.5, 24.31)])
    lines = gpd.GeoDataFrame({"line_id": ["a", "b"], "kind": ["ubg", "ubg"]}, geometry=[square, square],
                             crs="EPSG:4326")
    result = overlays.control_line_overlaps(square, lines)
    assert result["share_pct"].iloc[0] == pytest.approx(100.0)
    assert result["lines"].iloc[0] == "a、b"


def test_overlay_features_carry_tooltip_text_and_escape_nothing_into_markup(lines):
    parks = gpd.GeoDataFrame({"park_id": ["P1"], "name": [XSS]},
                             geometry=[Polygon([(102, 24), (102.1, 24), (102.1, 24.1)])], crs="EPSG:4326")
    feature = overlays.park_features(parks)["features"][0]
    assert feature["properties"]["name"] == XSS and feature["properties"]["id"] == "P1"
    kinds = {f["properties"]["kind"]: f["properties"]["name"] for f in overlays.control_line_features(lines)["features"]}
    assert kinds == {"farmland": "永久基本农田", "eco_redline": "生态保护红线", "ubg": "城镇开发边界"}
    en = overlays.control_line_features(lines, "en")["features"][0]["properties"]["name"]
    assert en in {"Permanent basic farmland", "Ecological red line", "Urban development boundary"}


def test_open_idle_cases_drop_disposed_ones():
    idle = gpd.GeoDataFrame({"case_id": ["c1", "c2"]}, geometry=[Polygon([(0, 0), (1, 0), (1, 1)])] * 2,
                            crs="EPSG:4326")
    cases = pd.DataFrame({"case_id": ["c1", "c2"], "disposed": [True, False], "area_mu": [1.0, 2.0],
                          "overdue_days": [0, 40]})
    open_cases = overlays.open_idle_cases(idle, cases)
    assert list(open_cases["case_id"]) == ["c2"]
    assert overlays.idle_features(open_cases)["features"][0]["properties"]["name"] == "闲置土地 2.00 亩，逾期 40 天"
