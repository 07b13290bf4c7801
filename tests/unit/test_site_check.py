"""选址预审: exact numbers on hand-made geometry drawn in CGCS2000 / 3-degree Gauss-Krüger CM 102°E (EPSG:4543).

The site is a 1000 m × 1000 m square (1,000,000 m² = 1500 亩).  Shapes are built in metres and converted to
lon-lat as the datasets store them; the check projects their vertices back, so every overlap below is exact up
to float rounding.
"""

from __future__ import annotations

import json
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from dashboard import site_check as sc
from dashboard.demo import DEMO_DIR
from dashboard.engine import Engine
from dashboard.errors import UserError
from dashboard.indicators import Context, compute
from dashboard.indicators.common import M2_PER_MU
from dashboard.io import read_dataset
from dashboard.policy import load_profile
from dashboard.views.arable import simulate_pools
from tests.unit.conftest import DEMO_AS_OF

GK = "EPSG:4543"
X0, Y0 = 500_000.0, 2_700_000.0  # ≈ 102.0°E, 24.4°N
SITE = shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)
COUNTY = "530402"


def lonlat(*geoms):
    """GK geometries → lon-lat geometries (vertex by vertex, as a projected upload is read)."""
    return list(gpd.GeoSeries(list(geoms), crs=GK).to_crs("EPSG:4326").values)


def footprint(geom=SITE) -> sc.Footprint:
    return sc.Footprint(lonlat(geom)[0], "draw")


def box(x0, x1, y0=Y0, y1=Y0 + 1000):
    return shapely.box(X0 + x0, y0, X0 + x1, y1)


@pytest.fixture(scope="module")
def lines():
    # Farmland covers the site's western half; the ecological red line misses it; the urban boundary covers the
    # eastern 300 m, in two overlapping polygons that must not be counted twice.
    geoms = lonlat(box(-1000, 500), box(2000, 3000), box(700, 1500), box(800, 1200))
    return gpd.GeoDataFrame({"line_id": ["F1", "E1", "U1", "U2"], "kind": ["farmland", "eco_redline", "ubg", "ubg"],
                             "county_code": COUNTY}, geometry=geoms, crs="EPSG:4326")


@pytest.fixture(scope="module")
def landuse():
    # 0101 水田 200 m wide, 0103 旱地 300 m, then a gap of 100 m, then 0601 工业用地 beyond the site's edge.
    geoms = lonlat(box(0, 200), box(200, 500), box(600, 1200), box(3000, 3100))
    return gpd.GeoDataFrame({"parcel_id": ["a", "b", "c", "far"], "dlbm": ["0101", "0103", "0601", "0101"],
                             "dlmc": ["水田", "旱地", "工业用地", "水田"]}, geometry=geoms, crs="EPSG:4326")


def balance_table(cultivated, paddy, grain):
    return pd.DataFrame({"region_code": COUNTY, "indicator": ["cultivated", "paddy", "grain"],
                         "balance": [cultivated, paddy, grain]})


def project(industrial=False, level="prefecture"):
    return sc.Project("测试项目", COUNTY, industrial, level, date(2026, 9, 25))


def test_control_line_overlaps_are_exact(lines):
    check = sc.check_site(footprint(), project(), sc.SiteLayers(control_lines=lines), load_profile(),
                          load_profile("qiannan"))
    assert check.area_m2 == pytest.approx(1_000_000, abs=1e-3)
    assert check.area_mu == pytest.approx(1500, abs=1e-6)
    rows = check.overlaps.set_index("kind")
    assert list(rows.index) == ["farmland", "eco_redline", "ubg"]
    assert rows.at["farmland", "overlap_m2"] == pytest.approx(500_000, abs=1e-3)
    assert rows.at["farmland", "overlap_mu"] == pytest.approx(750, abs=1e-6)
    assert rows.at["farmland", "share_pct"] == pytest.approx(50.0, abs=1e-6)
    assert rows.at["eco_redline", "overlap_m2"] == 0 and rows.at["eco_redline", "lines"] == ""
    assert rows.at["ubg", "overlap_m2"] == pytest.approx(300_000, abs=1e-3)  # U1 ∪ U2, not U1 + U2
    assert rows.at["ubg", "lines"] == "U1、U2"
    assert check.ubg_status == "partly"
    assert check.crs == GK


@pytest.mark.parametrize(("site", "status"), [
    (box(750, 1000), "inside"), (box(0, 1000), "partly"), (box(0, 600), "outside"),
])
def test_urban_boundary_status(lines, site, status):
    check = sc.check_site(footprint(site), project(), sc.SiteLayers(control_lines=lines), load_profile(),
                          load_profile("qiannan"))
    assert check.ubg_status == status


def test_classes_and_the_three_indicators_with_a_given_yield(landuse):
    profile = load_profile().with_overrides({"grain_yield_kg_per_mu": 600.0}, note="test")
    layers = sc.SiteLayers(landuse=landuse, balance=balance_table(1000.0, 100.0, -5000.0))
    check = sc.check_site(footprint(), project(), layers, profile, load_profile("qiannan"))
    classes = check.classes.set_index("dlbm")
    assert list(check.classes["dlbm"]) == ["0601", "0103", "0101", ""]  # largest first, the uncovered gap last
    assert classes.at["0101", "area_mu"] == pytest.approx(300, abs=1e-6)
    assert classes.at["0103", "area_mu"] == pytest.approx(450, abs=1e-6)
    assert classes.at["0601", "area_mu"] == pytest.approx(600, abs=1e-6)  # only the part inside the site
    assert classes.at["", "area_mu"] == pytest.approx(150, abs=1e-6)
    assert classes.at["0103", "dlmc"] == "旱地" and classes.at["0103", "group_zh"] == "耕地"
    assert check.classes["share_pct"].sum() == pytest.approx(100, abs=1e-9)
    need = check.need.set_index("indicator")
    assert need.at["cultivated", "need"] == pytest.approx(750, abs=1e-6)
    assert need.at["paddy", "need"] == pytest.approx(300, abs=1e-6)
    assert need.at["grain", "need"] == pytest.approx(750 * 600, abs=1e-3)
    assert need.at["grain", "unit"] == "kg"
    assert bool(need.at["cultivated", "covered"]) and need.at["cultivated", "gap"] == 0
    assert need.at["paddy", "gap"] == pytest.approx(200, abs=1e-6)
    assert need.at["grain", "available"] == 0 and need.at["grain", "gap"] == pytest.approx(450_000, abs=1e-3)
    assert not check.covered
    assert check.grain_yield == 600 and "test" in check.grain_yield_source


def test_default_yield_comes_from_the_profile(landuse):
    check = sc.check_site(footprint(), project(), sc.SiteLayers(landuse=landuse), load_profile(),
                          load_profile("qiannan"))
    yield_ = load_profile()["grain_yield_kg_per_mu"]
    assert check.need.set_index("indicator").at["grain", "need"] == pytest.approx(750 * yield_, abs=1e-3)


@pytest.fixture(scope="module")
def pool_ledger():
    return compute("pool_ledger", Context(Engine.from_dir(DEMO_DIR), load_profile("qiannan"), DEMO_AS_OF))


def test_a_gap_falls_back_to_the_regulation_pools_exactly_as_the_simulator(landuse, pool_ledger):
    prices = {"cultivated": 5.0, "paddy": 8.0, "grain": 1.5}
    layers = sc.SiteLayers(landuse=landuse, balance=balance_table(1000.0, 100.0, -5000.0), pool_ledger=pool_ledger,
                           pool_prices=prices)
    qiannan = load_profile("qiannan")
    check = sc.check_site(footprint(), project(level="prefecture"), layers, load_profile(), qiannan)
    gaps = {"paddy_mu": 200.0, "grain_kg": 750 * load_profile()["grain_yield_kg_per_mu"]}
    expected = simulate_pools(pool_ledger, COUNTY, gaps, prices, qiannan, year=2026, project_level="prefecture")
    assert check.pools is not None
    pd.testing.assert_frame_equal(check.pools.draws, expected.draws)
    assert check.pools.cost_wan == pytest.approx(expected.cost_wan)
    assert set(check.pools.draws["indicator"]) <= {"paddy", "grain"}  # the covered indicator is not drawn


def test_covered_needs_no_pool_and_an_ineligible_level_is_refused(landuse, pool_ledger):
    covered = sc.SiteLayers(landuse=landuse, balance=balance_table(1e6, 1e6, 1e9), pool_ledger=pool_ledger)
    check = sc.check_site(footprint(), project(), covered, load_profile(), load_profile("qiannan"))
    assert check.covered and check.pools is None
    short = sc.SiteLayers(landuse=landuse, balance=balance_table(0.0, 0.0, 0.0), pool_ledger=pool_ledger)
    check = sc.check_site(footprint(), project(level="county"), short, load_profile(), load_profile("qiannan"))
    assert not check.pools.outcomes["arable"].eligible  # 附件3 第十一条: county projects may not draw


def candidate_layers():
    # Distances east of the site's edge (m), unsupplied or idle 亩, park membership.
    def square(gap):
        return box(1000 + gap, 1000 + gap + 100, Y0 + 400, Y0 + 500)

    approvals = gpd.GeoDataFrame({"approval_id": ["A1", "A2", "A3", "A4", "A5"]},
                                 geometry=lonlat(square(2000), square(500), square(300), square(19_000), square(700)),
                                 crs="EPSG:4326")
    unsupplied = pd.DataFrame({"approval_id": ["A1", "A2", "A3", "A4", "A5"],
                               "region_code": [COUNTY, COUNTY, COUNTY, COUNTY, "530403"],
                               "unsupplied_mu": [1600.0, 3000.0, 1400.0, 2000.0, 1600.0]})
    idle_land = gpd.GeoDataFrame({"case_id": ["I1", "I2"]}, geometry=lonlat(square(1500), square(100)),
                                 crs="EPSG:4326")
    idle_cases = pd.DataFrame({"case_id": ["I1", "I2"], "region_code": COUNTY, "area_mu": [1550.0, 5000.0],
                               "disposed": [False, True]})
    parks = gpd.GeoDataFrame({"park_id": ["P1"], "name": ["测试园区"], "county_code": [COUNTY]},
                             geometry=lonlat(box(-1000, 10_000, Y0 - 1000, Y0 + 2000)), crs="EPSG:4326")
    return sc.SiteLayers(parks=parks, approvals=approvals, unsupplied=unsupplied, idle_land=idle_land,
                         idle_cases=idle_cases)


def test_candidates_are_ranked_by_area_fit_and_distance():
    check = sc.check_site(footprint(), project(industrial=True), candidate_layers(), load_profile(),
                          load_profile("qiannan"))
    c = check.candidates
    # A3 too small, A4 outside the park, A5 in another county, I2 disposed.  Fit ranks: I1 (3.33%), A1 (6.67%),
    # A2 (100%); distance ranks: A2 (500 m), I1 (1500 m), A1 (2000 m); means 1.5, 2, 2.5.
    assert list(c["candidate_id"]) == ["I1", "A2", "A1"]
    assert list(c["rank"]) == [1, 2, 3]
    assert list(c["kind"]) == ["idle", "unsupplied", "unsupplied"]
    assert c["distance_m"].to_numpy() == pytest.approx([1500, 500, 2000], abs=1e-3)
    assert c["fit_pct"].to_numpy() == pytest.approx([100 * 50 / 1500, 100.0, 100 * 100 / 1500])
    assert set(c["park_name"]) == {"测试园区"}


def test_non_industrial_projects_get_no_candidates():
    check = sc.check_site(footprint(), project(industrial=False), candidate_layers(), load_profile(),
                          load_profile("qiannan"))
    assert check.candidates.empty


def test_consultation_due_date_counts_working_days_from_the_profile():
    # Sent on Friday 2026-09-25: 09-28…09-30 count 3, the National Day holiday 10-01…10-07 none, 10-08…10-09 two,
    # the make-up working Saturday 10-10 one, then 10-12…10-15 four: the tenth working day is Thursday 10-15.
    check = sc.check_site(footprint(), project(), sc.SiteLayers(), load_profile(), load_profile("qiannan"))
    assert check.consultation_days == load_profile()["consultation_working_days"] == 10
    assert "黔南州《加强横向联动提高建设项目用地保障能力" in check.consultation_source  # the document, by title
    assert check.due_date == date(2026, 10, 15)
    assert set(check.skipped) == {"control_lines", "landuse", "arable_ledger"}


# ----------------------------------------------------------------------------------------------------------
# footprints


@pytest.fixture(scope="module")
def yuxi():
    return read_dataset("regions", DEMO_DIR / "regions.parquet")


def ring_rows(geom):
    return list(geom.exterior.coords)[:-1]


def test_gauss_kruger_geojson_lands_in_yuxi(tmp_path, yuxi):
    site = shapely.box(550_000, 2_700_000, 551_000, 2_701_000)  # ≈ 102.5°E: in Yuxi
    data = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4543"}},
            "features": [{"type": "Feature", "properties": {"名称": "<b>拟选址</b>"},
                          "geometry": shapely.geometry.mapping(site)}]}
    path = tmp_path / "upload"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    fp = sc.read_footprint(path, "site.geojson", region_bounds=yuxi.total_bounds)
    assert fp.crs == GK
    assert sc.projected_area_m2(fp.geometry) == pytest.approx(1_000_000, rel=1e-6)
    assert sc.county_of(fp.geometry, yuxi) in set(yuxi.loc[yuxi["level"] == "county", "code"])


def test_vertex_table_without_crs_needs_a_choice(tmp_path, yuxi):
    site = shapely.box(550_000, 2_700_000, 551_000, 2_701_000)
    rows = "\n".join(f"J{i + 1},{x:.3f},{y:.3f}" for i, (x, y) in enumerate(ring_rows(site)))
    path = tmp_path / "upload"
    path.write_text("点号,X,Y\n" + rows + "\n", encoding="utf-8")
    with pytest.raises(UserError) as err:
        sc.read_footprint(path, "界址点.csv", region_bounds=yuxi.total_bounds)
    assert err.value.key == "error.upload.crs_missing"
    assert GK in err.value.params["candidates"]
    fp = sc.read_footprint(path, "界址点.csv", crs=GK, region_bounds=yuxi.total_bounds)
    assert sc.projected_area_m2(fp.geometry) == pytest.approx(1_000_000, rel=1e-6)


def test_northing_first_table_is_caught_and_swapped(tmp_path, yuxi):
    site = shapely.box(550_000, 2_700_000, 551_000, 2_701_000)
    rows = "\n".join(f"{y:.3f},{x:.3f}" for x, y in ring_rows(site))  # X = 北坐标 as surveyors write it
    path = tmp_path / "upload"
    path.write_text("X,Y\n" + rows + "\n", encoding="utf-8")
    with pytest.raises(UserError) as err:
        sc.read_footprint(path, "pts.csv", crs=GK, region_bounds=yuxi.total_bounds)
    assert err.value.key == "error.upload.swapped_axes"
    fp = sc.read_footprint(path, "pts.csv", crs=GK, swap_axes=True, region_bounds=yuxi.total_bounds)
    assert sc.projected_area_m2(fp.geometry) == pytest.approx(1_000_000, rel=1e-6)


def test_lonlat_table_with_parts_and_gcj02(tmp_path, yuxi):
    a = shapely.box(102.50, 24.30, 102.51, 24.31)
    b = shapely.box(102.52, 24.30, 102.53, 24.31)
    lines = ["地块号,经度,纬度"] + [f"{p},{x},{y}" for p, g in (("1", a), ("2", b)) for x, y in ring_rows(g)]
    path = tmp_path / "upload"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fp = sc.read_footprint(path, "lonlat.csv", region_bounds=yuxi.total_bounds)
    assert fp.parts == 2 and fp.crs == "EPSG:4490"
    assert fp.geometry.bounds == pytest.approx((102.50, 24.30, 102.53, 24.31))
    shifted = sc.read_footprint(path, "lonlat.csv", source_is_gcj02=True, region_bounds=yuxi.total_bounds)
    dx = shifted.geometry.bounds[0] - 102.50
    assert -0.01 < dx < -0.001  # GCJ-02 → WGS84 moves west by a few hundred metres here


def test_kml_footprint(tmp_path):
    path = tmp_path / "upload"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark>'
        "<name>拟选址</name><Polygon><outerBoundaryIs><LinearRing><coordinates>102.50,24.30,0 102.51,24.30,0 "
        "102.51,24.31,0 102.50,24.31,0 102.50,24.30,0</coordinates></LinearRing></outerBoundaryIs></Polygon>"
        "</Placemark></Document></kml>", encoding="utf-8")
    fp = sc.read_footprint(path, "site.kml")
    assert fp.geometry.bounds == pytest.approx((102.50, 24.30, 102.51, 24.31))
    assert not shapely.has_z(fp.geometry)


def test_kml_with_entities_is_refused(tmp_path):
    path = tmp_path / "upload"
    path.write_text('<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    "<kml><Document><name>&x;</name></Document></kml>", encoding="utf-8")
    with pytest.raises(UserError) as err:
        sc.read_footprint(path, "evil.kml")
    assert err.value.key == "error.upload.unsafe_kml"


@pytest.mark.parametrize(("content", "name", "key"), [
    (json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [102.5, 24.3]}}]}),
     "p.geojson", "site_check.error.no_polygon"),
    ("经度,纬度\n102.5,24.3\n102.6,abc\n102.6,24.4\n", "a.csv", "site_check.error.bad_coordinate"),
    ("经度,纬度\n102.5,24.3\n102.6,24.3\n", "a.csv", "site_check.error.too_few_vertices"),
    ("名称,面积\n甲,1\n", "a.csv", "site_check.error.no_coordinate_columns"),
    ("经度,纬度\n100,20\n106,20\n106,28\n100,28\n", "a.csv", "site_check.error.too_large"),
])
def test_bad_footprints_get_a_message(tmp_path, content, name, key):
    path = tmp_path / "upload"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UserError) as err:
        sc.read_footprint(path, name)
    assert err.value.key == key
    assert err.value.message("zh") and err.value.message("en")


def test_drawn_polygon_and_markers():
    feature = {"type": "Feature", "properties": {},
               "geometry": {"type": "Polygon", "coordinates": [[[102.5, 24.3], [102.51, 24.3], [102.51, 24.31],
                                                                [102.5, 24.3]]]}}
    fp = sc.footprint_from_drawing([feature])
    assert fp.source == "draw" and fp.geometry.area > 0
    with pytest.raises(UserError) as err:
        sc.footprint_from_drawing([{"type": "Feature", "geometry": {"type": "Point", "coordinates": [102.5, 24.3]}}])
    assert err.value.key == "site_check.error.no_polygon"
    with pytest.raises(UserError) as err:
        sc.footprint_from_drawing([{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": "x"}}])
    assert err.value.key == "site_check.error.bad_drawing"


def test_landuse_lookup_uses_the_spatial_index(landuse, monkeypatch):
    calls = []
    original = type(landuse.sindex).query

    def spy(self, geometry, *args, **kwargs):
        calls.append(kwargs.get("predicate"))
        return original(self, geometry, *args, **kwargs)

    monkeypatch.setattr(type(landuse.sindex), "query", spy)
    sc.occupied_classes(footprint().geometry, landuse, GK, 1_000_000.0)
    assert calls == ["intersects"]


def test_areas_use_mu_conversion():
    assert M2_PER_MU == pytest.approx(10_000 / 15)
    assert np.isclose(sc.projected_area_m2(footprint().geometry) / M2_PER_MU, 1500)


def test_the_map_loads_nothing_from_outside_and_escapes_names(lines):
    from dashboard import offline
    from dashboard.views import site_check as views

    parks = candidate_layers().parks.assign(name="<img src=x onerror=alert(1)>")
    check = sc.check_site(footprint(), project(industrial=True), candidate_layers(), load_profile(),
                          load_profile("qiannan"))
    fmap = views.base_map(None, "zh")
    for group in views.overlay_groups(COUNTY, lines, parks, check, None, "zh"):
        group.add_to(fmap)
    assert offline.external_assets(fmap) == []
    html = fmap.get_root().render()
    assert "leaflet.draw.js" in html
    i = html.find("<img src=x")
    assert i < 0, html[i - 200:i + 60]
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html  # escaped, then JSON-encoded
    centre, zoom = views.map_view(views.map_bounds(None, None, check))
    assert 3 <= zoom <= 18 and 24 < centre[0] < 25


def test_site_map_scale_is_metric_only_and_its_legend_names_every_colour():
    from dashboard.legend import legend_html
    from dashboard.views import site_check as views

    page = views.base_map(None, "zh").get_root().render()
    assert "L.control.scale({imperial: false, metric: true})" in page
    colours = {item.rgb for group in views.map_legend("zh") for item in group.items}
    expected = [*views.KIND_COLOURS.values(), views.PARK_COLOUR, *views.CANDIDATE_COLOURS.values(),
                views.FOOTPRINT_COLOUR, views.REGION_COLOUR]
    assert colours == {views._rgb(c) for c in expected}
    text = legend_html(views.map_legend("en"))
    assert "Idle land" in text and "Three control lines" in text and "（" not in text
