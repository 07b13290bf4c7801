"""Land-use indicators: the published 玉溪 三调 structure from the demo parcels, invariants, the published-figure
check (the misprinted 其他土地 row) and unit conversions.

Published figures (DOMAIN.md §1, seed 000): 耕地 20.08万ha (301.21万亩, 13.44%), 园地 8.94 (5.98%), 林地 98.77
(66.11%), 草地 2.81 (1.88%), 湿地 0.18 (0.12%), 城镇村及工矿用地 4.98 (3.33%), 交通运输用地 2.68 (1.79%),
水域及水利设施用地 4.56 (3.05%), 其他土地 printed "0.06万ha, 4.29%" (the remainder, 6.4156万ha, is 4.29%);
total 14941.56 km².
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.engine import Engine
from dashboard.indicators import FUNCTIONS, Context, compute, load_modules, registry
from dashboard.indicators.common import ha_to_mu, m2_to_mu, mu_to_ha, mu_to_m2
from dashboard.indicators.landuse import area_columns, check_published_structure
from dashboard.policy import load_profile

AS_OF = date(2026, 9, 30)
CITY = "530400"
#: (group, published 万ha, published share %).
PUBLISHED = [
    ("耕地", 20.08, 13.44),
    ("园地", 8.94, 5.98),
    ("林地", 98.77, 66.11),
    ("草地", 2.81, 1.88),
    ("湿地", 0.18, 0.12),
    ("城镇村及工矿用地", 4.98, 3.33),
    ("交通运输用地", 2.68, 1.79),
    ("水域及水利设施用地", 4.56, 3.05),
    ("其他土地", 6.42, 4.29),  # the consistent remainder, not the printed 0.06
]


@pytest.fixture()
def ctx(demo_engine):
    return Context(engine=demo_engine, profile=load_profile(), as_of=AS_OF)


@pytest.fixture()
def structure(ctx):
    return compute("landuse_structure", ctx)


@pytest.fixture()
def by_class(ctx):
    return compute("landuse_by_class", ctx)


def city_row(frame: pd.DataFrame, group: str) -> pd.Series:
    rows = frame[(frame["region_code"] == CITY) & (frame["group_zh"] == group)]
    assert len(rows) == 1
    return rows.iloc[0]


# -- published figures ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("group", "wan_ha", "share_pct"), PUBLISHED)
def test_city_structure_reproduces_published_figures(structure, group, wan_ha, share_pct):
    row = city_row(structure, group)
    assert round(row["area_wan_ha"], 2) == pytest.approx(wan_ha)
    # The published shares come from unrounded areas (林地 98.77 / 149.4156 = 66.104%, printed 66.11%): they
    # agree within the rounding of the share (±0.005%) plus that of the area (±0.005万ha ÷ total).
    assert abs(row["share_pct"] - share_pct) <= 0.005 + 100 * 0.005 / 149.4156
    assert row["level"] == "city" and row["region_name"] == "玉溪市"


def test_cultivated_20_08_wan_ha_is_301_2_wan_mu(structure):
    row = city_row(structure, "耕地")
    # 20.08万ha × 15 = 301.2万亩; the published 301.21万亩 comes from the unrounded hectares, so it agrees within
    # the rounding of 20.08 (±0.005万ha = ±0.075万亩).
    assert row["area_wan_mu"] == pytest.approx(301.2)
    assert abs(row["area_wan_mu"] - 301.21) <= 0.005 * 15
    assert row["area_mu"] == pytest.approx(ha_to_mu(row["area_ha"]))


def test_city_total_is_published_land_area(structure):
    city = structure[structure["region_code"] == CITY]
    assert city["area_km2"].sum() == pytest.approx(14941.56, abs=1e-6)
    assert city.iloc[0]["region_code"] == CITY  # city rows first


# -- invariants ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ind_id", ["landuse_structure", "landuse_by_class"])
def test_counties_sum_to_the_city(ctx, ind_id):
    frame = compute(ind_id, ctx)
    key = "group_zh" if ind_id == "landuse_structure" else "dlbm"
    city = frame[frame["level"] == "city"].set_index(key)["area_m2"]
    counties = frame[frame["level"] == "county"].groupby(key)["area_m2"].sum()
    pd.testing.assert_series_equal(counties.reindex(city.index), city, check_names=False, rtol=1e-12)
    # Every region has every key.
    assert frame.groupby("region_code")[key].nunique().eq(len(city)).all()
    assert frame["region_code"].nunique() == 10


@pytest.mark.parametrize("ind_id", ["landuse_structure", "landuse_by_class"])
def test_shares_sum_to_100(ctx, ind_id):
    totals = compute(ind_id, ctx).groupby("region_code")["share_pct"].sum()
    assert totals.to_numpy() == pytest.approx(100.0, abs=1e-9)


def test_classes_add_up_to_groups(structure, by_class):
    per_group = by_class.groupby(["region_code", "group_zh"])["area_m2"].sum()
    groups = structure.set_index(["region_code", "group_zh"])["area_m2"]
    pd.testing.assert_series_equal(per_group.sort_index(), groups.sort_index(), check_names=False, rtol=1e-12)


def test_area_units_agree(structure):
    assert (structure["area_ha"] * 1e4).to_numpy() == pytest.approx(structure["area_m2"].to_numpy())
    assert (structure["area_mu"] / 15).to_numpy() == pytest.approx(structure["area_ha"].to_numpy())
    assert (structure["area_km2"] * 100).to_numpy() == pytest.approx(structure["area_ha"].to_numpy())


def test_region_filter_keeps_one_county(demo_engine, structure):
    county = Context(engine=demo_engine, profile=load_profile(), as_of=AS_OF, region="530403")
    frame = compute("landuse_structure", county)
    assert set(frame["region_code"]) == {"530403"}
    expected = structure[structure["region_code"] == "530403"].reset_index(drop=True)
    pd.testing.assert_frame_equal(frame, expected)


def test_unknown_codes_and_empty_counties(tmp_path):
    """A code missing from the class table is kept as 未归类, and a county without parcels gets zeros."""
    pd.DataFrame(
        {
            "code": ["530400", "530402", "530403"],
            "name": ["玉溪市", "红塔区", "江川区"],
            "level": ["city", "county", "county"],
        }
    ).to_parquet(tmp_path / "regions.parquet")
    pd.DataFrame(
        {
            "parcel_id": ["1", "2", "3"],
            "county_code": ["530402"] * 3,
            "dlbm": ["0101", "0103", "0999"],  # 0999 is not a 三调 class: it falls into 未归类
            "dlmc": ["水田", "旱地", "自定义地类"],
            "area_m2": [600.0, 400.0, 1000.0],
        }
    ).to_parquet(tmp_path / "landuse.parquet")
    ctx = Context(engine=Engine.from_dir(tmp_path), profile=load_profile(), as_of=AS_OF)
    frame = compute("landuse_structure", ctx).set_index(["region_code", "group_zh"])
    assert frame.loc[("530400", "耕地"), "area_m2"] == 1000.0
    assert frame.loc[("530400", "未归类"), "area_m2"] == 1000.0
    assert frame.loc[("530400", "未归类"), "share_pct"] == pytest.approx(50.0)
    assert frame.loc[("530403", "耕地"), "area_m2"] == 0.0
    assert frame.loc[("530403", "耕地"), "parcels"] == 0
    classes = compute("landuse_by_class", ctx).set_index(["region_code", "dlbm"])
    assert classes.loc[("530402", "0999"), "dlmc"] == "自定义地类"
    assert classes.loc[("530402", "0999"), "group_zh"] == "未归类"


# -- published-figure check ----------------------------------------------------------------------------------


@pytest.fixture()
def check(ctx):
    return compute("landuse_published_check", ctx).set_index("group")


def test_misprinted_other_row_is_flagged(check):
    other = check.loc["其他土地"]
    assert not other["consistent"]
    assert other["published_area_wan_ha"] == 0.06
    assert other["implied_share_pct"] == pytest.approx(0.06 / 149.4156 * 100)
    assert other["remainder_area_wan_ha"] == pytest.approx(149.4156 - 143.00)
    assert round(other["remainder_area_wan_ha"], 2) == 6.42
    assert other["computed_area_wan_ha"] == pytest.approx(6.4156)
    assert "笔误" in other["note_zh"] and "misprint" in other["note_en"]
    assert "万" not in other["note_en"] and "0.06 × 10,000 ha" in other["note_en"]  # English without 万
    assert "6.42" in other["note_zh"]


@pytest.mark.parametrize("group", [g for g, _, _ in PUBLISHED if g != "其他土地"])
def test_other_groups_are_consistent_and_match_the_data(check, group):
    row = check.loc[group]
    assert row["consistent"] and row["matches_computed"]
    assert pd.isna(row["remainder_area_wan_ha"])
    assert row["note_zh"] == "" and row["note_en"] == ""


def test_total_row_reports_the_gap(check):
    total = check.loc["合计"]
    assert not total["consistent"]  # the printed groups add up to 143.06, not 149.4156
    assert total["matches_computed"]
    assert "143.06" in total["note_zh"] and "6.36" in total["note_en"]
    assert list(check.columns[:7]) == [
        "group_en", "published_area_wan_ha", "published_share_pct", "implied_share_pct", "remainder_area_wan_ha",
        "computed_area_wan_ha", "consistent",
    ]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # A consistent table: 1.00 + 3.00 = 4.00; 25.00% and 75.00%.
        ([("A", "1.00", "25.00"), ("B", "3.00", "75.00"), ("合计", "4.00", "100.00")], [True, True, True]),
        # Rounding is tolerated: 1/3 printed as 33.33%.
        ([("A", "1.00", "33.33"), ("B", "2.00", "66.67"), ("合计", "3.00", "100.00")], [True, True, True]),
        # B misprinted as 0.30 (should be 3.00): B and the total are flagged.
        ([("A", "1.00", "25.00"), ("B", "0.30", "75.00"), ("合计", "4.00", "100.00")], [True, False, False]),
    ],
)
def test_check_published_structure(rows, expected):
    published = pd.DataFrame(rows, columns=["group_zh", "area_wan_ha", "share_pct"]).assign(group_en="")
    checked = check_published_structure(published)
    assert checked["consistent"].tolist() == expected
    flagged = checked[~checked["consistent"] & (checked["group_zh"] != "合计")]
    for _, row in flagged.iterrows():
        assert row["remainder_area_wan_ha"] == pytest.approx(3.0)


# -- units ---------------------------------------------------------------------------------------------------

areas = st.floats(min_value=0.0, max_value=1e12, allow_nan=False, allow_infinity=False)


@given(areas)
def test_m2_mu_round_trip(m2):
    assert mu_to_m2(m2_to_mu(m2)) == pytest.approx(m2, rel=1e-12, abs=1e-9)


@given(areas)
def test_ha_mu_round_trip(ha):
    assert mu_to_ha(ha_to_mu(ha)) == pytest.approx(ha, rel=1e-12, abs=1e-9)


@given(areas)
def test_m2_to_ha_via_mu(m2):
    assert mu_to_ha(m2_to_mu(m2)) == pytest.approx(m2 / 1e4, rel=1e-12, abs=1e-9)
    converted = area_columns(pd.Series([m2]))
    assert converted["area_wan_mu"].iloc[0] * 1e4 == pytest.approx(converted["area_mu"].iloc[0], rel=1e-12, abs=1e-9)


# -- declarations ------------------------------------------------------------------------------------------


def test_declared_and_registered_match():
    load_modules()
    declared = {i for i, spec in registry().items() if spec.mechanism == "landuse"}
    registered = {i for i, f in FUNCTIONS.items() if f.__module__ == "dashboard.indicators.landuse"}
    assert declared == registered == {"landuse_structure", "landuse_by_class", "landuse_published_check"}
    for ind_id in declared:
        assert FUNCTIONS[ind_id].__doc__ and "Source" in FUNCTIONS[ind_id].__doc__
        for key in registry()[ind_id].params:
            load_profile().param(key)


def test_class_names_come_from_the_table_when_parcels_have_none(tmp_path):
    pd.DataFrame({"code": ["530400", "530402"], "name": ["市", "甲"], "level": ["city", "county"]}).to_parquet(
        tmp_path / "regions.parquet"
    )
    pd.DataFrame({"parcel_id": ["1"], "county_code": ["530402"], "dlbm": ["0101"], "area_m2": [5.0]}).to_parquet(
        tmp_path / "landuse.parquet"
    )
    ctx = Context(engine=Engine.from_dir(tmp_path), profile=load_profile(), as_of=AS_OF)
    frame = compute("landuse_by_class", ctx)
    assert frame["dlmc"].tolist() == ["水田", "水田"] and frame["group_zh"].tolist() == ["耕地", "耕地"]
