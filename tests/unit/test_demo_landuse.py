"""Demo land use, parks and control lines: shapes, contracts, determinism and the published 玉溪 figures.

Published figures (DOMAIN.md §1, §5, §6; seed 000): the 三调 structure of the city, the five development zones'
18947.08 ha with 8496.88 ha (44.85%) inside the urban development boundary, and the 224.71万亩 farmland task.
Areas are measured here in the local Gauss-Krüger projection (EPSG:4543), independently of the generator.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from dashboard.contracts import get_dataset
from dashboard.demo import landuse as lu
from dashboard.demo.regions import COUNTY_CODES, build_regions
from dashboard.geo import gauss_kruger_crs
from dashboard.io import conform

SEED = 20261122
GK = gauss_kruger_crs(102.5)
CLASSES = lu.load_landuse_classes().set_index("dlbm")
PUBLISHED = pd.read_csv(lu.PUBLISHED_CSV, dtype={"group_zh": str}).set_index("group_zh")
TARGETS = lu.published_group_targets()
#: The contract's dlbm pattern (三调 codes such as 0101, 05H1 and the two-digit 09).
DLBM_PATTERN = get_dataset("landuse").column("dlbm").pattern
SQ_M_PER_HA = 1e4


def gk_area(frame_or_geoms) -> np.ndarray:
    geoms = gpd.GeoSeries(np.asarray(frame_or_geoms, dtype=object), crs="EPSG:4326")
    return geoms.to_crs(GK).area.to_numpy()


@pytest.fixture(scope="module")
def regions():
    return build_regions()


@pytest.fixture(scope="module")
def counties(regions):
    county_rows = regions[regions["level"] == "county"]
    return county_rows.set_index("code")["geometry"]


@pytest.fixture(scope="module")
def landuse(regions):
    return lu.build_landuse(regions, np.random.default_rng(SEED))


@pytest.fixture(scope="module")
def parks(regions):
    return lu.build_parks(regions, np.random.default_rng(SEED))


@pytest.fixture(scope="module")
def lines(regions, parks, landuse):
    return lu.build_control_lines(regions, parks, landuse, np.random.default_rng(SEED))


@pytest.fixture(scope="module")
def groups(landuse):
    return landuse["dlbm"].map(CLASSES["group_zh"])


# --- reference tables --------------------------------------------------------------------------------------


def test_class_table_covers_the_nine_groups_with_hex_colours():
    assert set(CLASSES["group_zh"]) == set(lu.GROUPS)
    assert CLASSES.index.is_unique
    assert CLASSES["color"].str.fullmatch(r"#[0-9A-F]{6}").all()
    assert all(re.fullmatch(DLBM_PATTERN, code) for code in CLASSES.index)


def test_published_table_keeps_the_misprint_flagged():
    other = PUBLISHED.loc["其他土地"]
    assert other["area_wan_ha"] == 0.06 and other["share_pct"] == 4.29
    assert "misprint" in other["note"]
    assert PUBLISHED.loc["合计", "area_wan_ha"] * 100 == pytest.approx(14941.56)  # 万ha → km²


def test_other_land_is_the_remainder_of_the_published_total():
    total_m2 = 14941.56e6
    assert TARGETS.sum() == total_m2
    assert TARGETS["其他土地"] == total_m2 - TARGETS.drop("其他土地").sum()
    assert round(TARGETS["其他土地"] / total_m2 * 100, 2) == 4.29
    assert TARGETS["其他土地"] / 1e8 == pytest.approx(6.4156)


@pytest.mark.parametrize("group", [g for g in lu.GROUPS if g != "其他土地"])
def test_targets_are_the_published_areas_and_shares(group):
    assert TARGETS[group] == round(PUBLISHED.loc[group, "area_wan_ha"] * 1e8)  # 万ha → m²
    # Published shares are rounded from unrounded areas (林地 98.77/149.4156 = 66.104% is printed 66.11%).
    assert TARGETS[group] / TARGETS.sum() * 100 == pytest.approx(PUBLISHED.loc[group, "share_pct"], abs=0.011)


# --- landuse -----------------------------------------------------------------------------------------------


def test_landuse_has_the_contract_columns_and_50k_parcels(landuse):
    assert list(landuse.columns) == ["parcel_id", "county_code", "dlbm", "dlmc", "area_m2", "czcsxm", "geometry"]
    assert len(landuse) >= 50_000
    assert landuse.crs.to_epsg() == 4326
    assert landuse["parcel_id"].is_unique
    assert landuse["parcel_id"].str.fullmatch(r"\d{12}").all()
    assert (landuse["parcel_id"].str[:6] == landuse["county_code"]).all()
    assert set(landuse["county_code"]) == set(COUNTY_CODES)
    assert (landuse["area_m2"] > 0).all()


def test_parcels_spread_over_counties_in_proportion_to_area(landuse, counties):
    counts = landuse["county_code"].value_counts()
    area = pd.Series(gk_area(counties.to_numpy()), index=counties.index)
    per_km2 = counts / (area / 1e6)
    assert per_km2.max() / per_km2.min() < 1.5


def test_classes_and_town_codes_follow_the_class_table(landuse, groups):
    assert landuse["dlbm"].isin(CLASSES.index).all()
    assert (landuse["dlmc"] == landuse["dlbm"].map(CLASSES["dlmc"])).all()
    assert landuse["dlbm"].str.fullmatch(DLBM_PATTERN).all()
    built = groups == "城镇村及工矿用地"
    assert landuse.loc[built, "czcsxm"].isin(["201", "202", "203", "204", "205"]).all()
    assert landuse.loc[~built, "czcsxm"].isna().all()
    assert set(landuse.loc[built, "czcsxm"]) == {"201", "202", "203", "204", "205"}


def test_landuse_geometry_is_valid_polygons(landuse):
    geoms = landuse.geometry.to_numpy()
    assert (shapely.get_type_id(geoms) == 3).all()  # Polygon
    assert shapely.is_valid(geoms).all()
    assert not shapely.is_empty(geoms).any()


def test_every_parcel_lies_in_its_county(landuse, counties):
    for code, county in counties.items():
        # 1e-6° (0.1 m): parcels are stored on a 1e-6° grid, the county outlines on 1e-7°.
        tolerant = shapely.buffer(county, 1e-6)
        shapely.prepare(tolerant)
        assert shapely.covered_by(landuse.geometry[landuse["county_code"] == code].to_numpy(), tolerant).all(), code


def test_parcels_of_a_county_do_not_overlap(landuse):
    parcels = landuse.geometry[landuse["county_code"] == "530423"].to_numpy()  # 通海: lake, roads, rail, towns
    overlap_m2 = gk_area(parcels).sum() - gk_area([shapely.union_all(parcels)])[0]
    assert overlap_m2 < 100.0  # 0.01 ha of rounding slivers over 740 km²


@pytest.mark.parametrize("group", lu.GROUPS)
def test_city_total_per_group_is_the_published_figure(landuse, groups, group):
    total = landuse.loc[groups == group, "area_m2"].sum()
    assert abs(total - TARGETS[group]) < 1.0
    assert round(total, 2) == round(TARGETS[group], 2)


def test_tbmj_stays_close_to_the_geometry(landuse, groups):
    # area_m2 is the surveyed area: the per-group calibration must not drift far from what the map shows.
    ratio = landuse["area_m2"].groupby(groups).sum() / pd.Series(gk_area(landuse.geometry), index=landuse.index).groupby(
        groups
    ).sum()
    assert ratio.between(0.95, 1.05).all(), ratio


def test_other_land_share_is_4_29_percent(landuse, groups):
    share = landuse.loc[groups == "其他土地", "area_m2"].sum() / landuse["area_m2"].sum() * 100
    assert round(share, 2) == 4.29


def test_paddy_is_about_a_quarter_of_cultivated_land(landuse, groups):
    cultivated = landuse[groups == "耕地"]
    paddy = cultivated.loc[cultivated["dlbm"] == "0101", "area_m2"].sum() / cultivated["area_m2"].sum()
    assert 0.2 < paddy < 0.3


@pytest.mark.parametrize(("group", "codes", "share"), lu.PUBLISHED_COUNTY_SHARES)
def test_published_county_shares(landuse, groups, group, codes, share):
    rows = landuse[groups == group]
    got = rows.loc[rows["county_code"].isin(codes), "area_m2"].sum() / rows["area_m2"].sum()
    assert got == pytest.approx(share, abs=0.015)


def test_city_land_is_7_46_percent_of_built_up_land(landuse, groups):
    built = landuse[groups == "城镇村及工矿用地"]
    share = built.loc[built["czcsxm"] == "201", "area_m2"].sum() / built["area_m2"].sum()
    assert share == pytest.approx(0.0746, abs=0.005)


def test_lakes_lie_in_the_lake_counties(landuse):
    lakes = landuse[landuse["dlbm"] == "1102"]
    assert set(lakes["county_code"]) <= {"530403", "530423", "530424", "530481"}
    assert {"530403", "530423", "530481"} <= set(lakes["county_code"])


def test_forest_dominates_the_south_west(landuse, groups):
    for code in ("530427", "530428"):  # 新平, 元江
        county = landuse["county_code"] == code
        forest = landuse.loc[county & (groups == "林地"), "area_m2"].sum() / landuse.loc[county, "area_m2"].sum()
        assert forest > 0.6, code


@pytest.mark.skipif(
    not re.fullmatch(get_dataset("landuse").column("dlbm").pattern, "05H1"),
    reason="contracts.toml landuse.dlbm pattern does not accept 三调 codes such as 05H1 yet (requested: "
    + DLBM_PATTERN
    + ")",
)
def test_landuse_conforms_to_its_contract(landuse):
    conformed = conform(landuse, "landuse")
    assert len(conformed) == len(landuse)
    assert conformed["parcel_id"].tolist() == landuse["parcel_id"].tolist()


# --- parks -------------------------------------------------------------------------------------------------


def test_parks_are_the_five_published_zones(parks):
    assert len(parks) == 5
    assert parks["park_id"].is_unique
    assert dict(zip(parks["name"], parks["park_id"])) == lu.PARK_IDS
    assert round(parks["planned_area_ha"].sum(), 2) == 18947.08
    assert parks["level"].value_counts().to_dict() == {"provincial": 4, "national": 1}
    gx = parks.set_index("name").loc["玉溪高新技术产业开发区"]
    assert gx["county_code"] == "530402" and gx["planned_area_ha"] == parks["planned_area_ha"].max()
    conformed = conform(parks, "parks")
    assert conformed["park_id"].tolist() == parks["park_id"].tolist()


def test_park_outlines_match_planned_area_inside_their_county(parks, counties):
    area_ha = gk_area(parks.geometry) / SQ_M_PER_HA
    np.testing.assert_allclose(area_ha, parks["planned_area_ha"], rtol=0.005)
    for geom, code in zip(parks.geometry, parks["county_code"]):
        assert geom.is_valid and geom.geom_type in ("Polygon", "MultiPolygon")
        assert shapely.covered_by(geom, shapely.buffer(counties[code], 1e-6))
    union = shapely.union_all(parks.geometry.to_numpy())
    assert gk_area([union])[0] == pytest.approx(gk_area(parks.geometry).sum(), rel=1e-9)  # no overlaps


# --- control lines -----------------------------------------------------------------------------------------


def test_control_lines_one_per_county_and_kind(lines):
    assert len(lines) == 27
    assert lines["line_id"].is_unique
    assert set(zip(lines["county_code"], lines["kind"])) == {
        (code, kind) for code in COUNTY_CODES for kind in ("farmland", "eco_redline", "ubg")
    }
    assert shapely.is_valid(lines.geometry.to_numpy()).all()
    conformed = conform(lines, "control_lines")
    assert conformed["line_id"].tolist() == lines["line_id"].tolist()


@pytest.mark.parametrize("code", COUNTY_CODES)
def test_lines_of_a_county_do_not_overlap_and_stay_inside(lines, counties, code):
    rows = lines[lines["county_code"] == code].set_index("kind").geometry
    for a, b in (("farmland", "eco_redline"), ("farmland", "ubg"), ("eco_redline", "ubg")):
        overlap_ha = gk_area([shapely.intersection(rows[a], rows[b])])[0] / SQ_M_PER_HA
        assert overlap_ha < 0.01, (a, b, overlap_ha)
    tolerant = shapely.buffer(counties[code], 1e-6)
    assert shapely.covered_by(rows.to_numpy(), tolerant).all()


def test_farmland_line_is_the_published_task(lines):
    farmland_ha = gk_area(lines.geometry[lines["kind"] == "farmland"]).sum() / SQ_M_PER_HA
    assert farmland_ha == pytest.approx(224.71e4 / 15, rel=0.05)  # 224.71万亩 = 149806.67 ha


def test_eco_redline_covers_a_fifth_to_a_third_of_each_county(lines, counties):
    eco = lines[lines["kind"] == "eco_redline"].set_index("county_code").geometry
    share = pd.Series(gk_area(eco.to_numpy()), index=eco.index) / pd.Series(
        gk_area(counties[eco.index].to_numpy()), index=eco.index
    )
    assert share.between(0.18, 0.35).all(), share


def test_parks_inside_the_urban_boundary_is_44_85_percent(parks, lines):
    park_union = shapely.union_all(parks.geometry.to_numpy())
    ubg_union = shapely.union_all(lines.geometry[lines["kind"] == "ubg"].to_numpy())
    inside_ha = gk_area([shapely.intersection(park_union, ubg_union)])[0] / SQ_M_PER_HA
    planned_ha = gk_area([park_union])[0] / SQ_M_PER_HA
    assert inside_ha / planned_ha * 100 == pytest.approx(44.85, abs=0.01)
    assert inside_ha == pytest.approx(8496.88, rel=0.005)


# --- determinism -------------------------------------------------------------------------------------------


def assert_same_frame(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> None:
    pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry")))
    assert (shapely.to_wkb(a.geometry.to_numpy()) == shapely.to_wkb(b.geometry.to_numpy())).all()


def test_same_seed_same_layers(regions, landuse, parks, lines):
    again = lu.build_landuse(regions, np.random.default_rng(SEED))
    assert_same_frame(landuse, again)
    parks_again = lu.build_parks(regions, np.random.default_rng(SEED))
    assert_same_frame(parks, parks_again)
    assert_same_frame(lines, lu.build_control_lines(regions, parks_again, again, np.random.default_rng(SEED)))


def test_other_seed_other_parks(regions, parks):
    other = lu.build_parks(regions, np.random.default_rng(SEED + 1))
    assert not (shapely.to_wkb(other.geometry.to_numpy()) == shapely.to_wkb(parks.geometry.to_numpy())).all()
