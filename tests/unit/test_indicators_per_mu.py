"""亩均论英雄 indicators: the published park figures, benchmark flags, grading (indicator = pure helper), 标准地
checks, the parks' share inside the urban development boundary, hand-made cases and invariants.

Expected published values come from ``data/reference/yuxi_published_figures.toml``.
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.demo.ledgers import FORMULA_ENTERPRISE_NAME, XSS_ENTERPRISE_NAME
from dashboard.geo import gauss_kruger_crs
from dashboard.indicators import FUNCTIONS, Context, compute, load_modules, registry
from dashboard.indicators.common import M2_PER_MU
from dashboard.indicators.per_mu import METRICS, grade_enterprises, park_ubg_areas, per_mu_year
from dashboard.policy import load_profile
from dashboard.reference import published_figures

FIGURES = published_figures()
AS_OF = date.fromisoformat(FIGURES["meta"]["data_date"])
CITY = FIGURES["meta"]["city_code"]
PROFILE = load_profile()
MINE = ("per_mu_enterprise", "per_mu_park", "per_mu_county", "enterprise_grades", "standard_land_checks",
        "park_ubg_share")
INVEST_BENCH = PROFILE["invest_intensity_benchmark_wan_per_mu"]
OUTPUT_BENCH = PROFILE["output_benchmark_wan_per_mu"]


@pytest.fixture(scope="module")
def ctx(demo_engine):
    return Context(engine=demo_engine, profile=PROFILE, as_of=AS_OF)


# ----------------------------------------------------------------------------------------------------------
# Declarations


def test_every_function_is_declared_and_every_declaration_implemented():
    load_modules()
    declared = {i for i, spec in registry().items() if spec.mechanism == "per_mu"}
    implemented = {i for i, f in FUNCTIONS.items() if f.__module__ == "dashboard.indicators.per_mu"}
    assert declared == implemented == set(MINE)


@pytest.mark.parametrize("ind_id", MINE)
def test_declared_params_exist_in_the_profile(ind_id):
    for key in registry()[ind_id].params:
        assert PROFILE.param(key).source


def test_every_benchmark_is_declared_by_the_metric_indicators():
    keys = {m.benchmark for m in METRICS if m.benchmark}
    assert keys <= set(registry()["per_mu_enterprise"].params)


# ----------------------------------------------------------------------------------------------------------
# Published park figures (seed 000)


def park_cases():
    for spec in FIGURES["parks"]["park"]:
        yield pytest.param(spec["name"], "invest_per_mu_wan", spec["invest_per_mu_wan"],
                           id=f"{spec['short_zh']} 投资强度 {spec['invest_per_mu_wan']}")
        kind = "published" if spec["output_published"] else "demo calibration"
        yield pytest.param(spec["name"], "output_per_mu_wan", spec["output_per_mu_wan"],
                           id=f"{spec['short_zh']} 亩均产值 {spec['output_per_mu_wan']} ({kind})")


@pytest.mark.parametrize(("park_name", "column", "expected"), list(park_cases()))
def test_park_figures(ctx, park_name, column, expected):
    parks = compute("per_mu_park", ctx).set_index("park_name")
    assert round(parks.loc[park_name, column], 1) == expected
    assert parks.loc[park_name, column] == pytest.approx(expected, abs=0.005)  # the demo is exact to 0.01


def test_park_year_is_the_published_year(ctx):
    assert per_mu_year(ctx) == FIGURES["parks"]["year"]
    assert set(compute("per_mu_park", ctx)["year"]) == {FIGURES["parks"]["year"]}


@pytest.mark.parametrize("spec", FIGURES["parks"]["park"], ids=lambda s: s["short_zh"])
def test_park_benchmark_flags(ctx, spec):
    park = compute("per_mu_park", ctx).set_index("park_name").loc[spec["name"]]
    assert park["invest_below_benchmark"] == (spec["invest_per_mu_wan"] < INVEST_BENCH)
    assert park["output_below_benchmark"] == (spec["output_per_mu_wan"] < OUTPUT_BENCH)


def test_seed_000_names_the_parks_below_the_standards(ctx):
    parks = compute("per_mu_park", ctx)
    short = {s["name"]: s["short_zh"] for s in FIGURES["parks"]["park"]}
    below_invest = {short[n] for n in parks.loc[parks["invest_below_benchmark"], "park_name"]}
    below_output = {short[n] for n in parks.loc[parks["output_below_benchmark"], "park_name"]}
    assert below_invest == {"高新区", "易门", "通海", "澄江"}
    assert below_output == {"易门", "澄江"}


def test_county_table_is_sums_over_sums(ctx):
    county = compute("per_mu_county", ctx)
    parks = compute("per_mu_park", ctx)
    city = county[county["level"] == "city"].iloc[0]
    assert city["invest_per_mu_wan"] == pytest.approx(parks["invest_wan"].sum() / parks["area_mu"].sum())
    assert city["enterprises_count"] == parks["enterprises_count"].sum()
    for _, park in parks.iterrows():  # one park per county in the demo
        same = county[county["region_code"] == park["region_code"]].iloc[0]
        for m in METRICS:
            assert same[m.column] == pytest.approx(park[m.column], nan_ok=True)
    counties = county[county["level"] == "county"]
    assert counties["area_mu"].sum() == pytest.approx(city["area_mu"])
    assert counties.loc[counties["enterprises_count"] == 0, "invest_per_mu_wan"].isna().all()


# ----------------------------------------------------------------------------------------------------------
# Enterprise metrics


def test_enterprise_metrics_by_hand(ctx, demo_engine):
    table = compute("per_mu_enterprise", ctx)
    raw = demo_engine.to_pandas("park_parcels")
    raw = raw[raw["year"] == per_mu_year(ctx)].set_index("parcel_id")
    got = table.set_index("parcel_id").loc[raw.index]
    land_m2 = raw["area_mu"] * M2_PER_MU
    expected = {
        "invest_per_mu_wan": raw["invest_wan"] / raw["area_mu"],
        "output_per_mu_wan": raw["output_wan"] / raw["area_mu"],
        "tax_per_mu_wan": raw["tax_wan"] / raw["area_mu"],
        "value_added_per_mu_wan": raw["value_added_wan"] / raw["area_mu"],
        "revenue_per_mu_wan": raw["revenue_wan"] / raw["area_mu"],
        "floor_area_ratio": raw["floor_area_m2"] / land_m2,
        "building_density_pct": 100 * raw["footprint_m2"] / land_m2,
        "energy_productivity_wan_per_tce": raw["value_added_wan"] / raw["energy_tce"].replace(0, np.nan),
        "emission_productivity_wan_per_t": raw["value_added_wan"] / raw["emission_t"].replace(0, np.nan),
        "labour_productivity_wan_per_person": raw["value_added_wan"] / raw["employees"].astype(float).replace(0, np.nan),
        "rd_intensity_pct": 100 * raw["rd_wan"] / raw["revenue_wan"].replace(0, np.nan),
    }
    for column, values in expected.items():
        np.testing.assert_allclose(got[column].astype(float), values.astype(float), rtol=1e-12, err_msg=column)
    np.testing.assert_allclose(got["invest_per_mu_to_benchmark"], got["invest_per_mu_wan"] / INVEST_BENCH)
    assert (got["invest_below_benchmark"] == (got["invest_per_mu_wan"] < INVEST_BENCH)).all()


@pytest.mark.parametrize("ind_id", ["per_mu_enterprise", "enterprise_grades", "standard_land_checks"])
@pytest.mark.parametrize("name", [XSS_ENTERPRISE_NAME, FORMULA_ENTERPRISE_NAME], ids=["html", "formula"])
def test_hostile_names_pass_through_unchanged(ctx, ind_id, name):
    # Escaping is the UI's and the exporter's job; the indicators carry data as it is.
    table = compute(ind_id, ctx)
    assert (table["enterprise_name"] == name).sum() == 1


def test_region_filter(demo_engine):
    one = Context(engine=demo_engine, profile=PROFILE, as_of=AS_OF, region="530425")
    for ind_id in MINE:
        table = compute(ind_id, one)
        assert set(table["region_code"]) == {"530425"}, ind_id


def test_earlier_year_through_as_of(demo_engine):
    earlier = Context(engine=demo_engine, profile=PROFILE, as_of=date(2024, 12, 31))
    assert per_mu_year(earlier) == 2024
    table = compute("per_mu_enterprise", earlier)
    assert set(table["year"]) == {2024}
    before = Context(engine=demo_engine, profile=PROFILE, as_of=date(2020, 6, 30))
    assert compute("per_mu_park", before).empty


# ----------------------------------------------------------------------------------------------------------
# Grading


OVERRIDES = {
    "grade_weights_above": {"tax_per_mu": 50, "value_added_per_mu": 25, "energy_productivity": 25},
    "grade_weights_below": {"tax_per_mu": 60, "labour_productivity": 40},
    "grade_bands": {"A": 0.1, "B": 0.5, "C": 0.9, "D": 1.0},
    "grade_score_cap": 1.5,
    "tax_benchmark_wan_per_mu": 25.0,
}


@pytest.mark.parametrize("overrides", [{}, OVERRIDES], ids=["default", "what-if"])
def test_indicator_equals_the_pure_helper(demo_engine, overrides):
    profile = PROFILE.with_overrides(overrides) if overrides else PROFILE
    ctx = Context(engine=demo_engine, profile=profile, as_of=AS_OF)
    graded = compute("enterprise_grades", ctx)
    helper = grade_enterprises(compute("per_mu_enterprise", ctx), profile)[graded.columns]
    pd.testing.assert_frame_equal(graded.reset_index(drop=True), helper.reset_index(drop=True), check_dtype=False)


def test_a_county_view_keeps_the_city_wide_grades(demo_engine, ctx):
    city = compute("enterprise_grades", ctx).set_index("parcel_id")
    county = compute("enterprise_grades", Context(engine=demo_engine, profile=PROFILE, as_of=AS_OF, region="530425"))
    assert 0 < len(county) < len(city)
    assert list(county["rank"]) == sorted(county["rank"])
    expected = city.loc[county["parcel_id"], ["rank", "rank_share", "grade"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(county[["rank", "rank_share", "grade"]], expected)


def test_what_if_changes_some_grades(demo_engine):
    base = compute("enterprise_grades", Context(engine=demo_engine, profile=PROFILE, as_of=AS_OF))
    metrics = compute("per_mu_enterprise", Context(engine=demo_engine, profile=PROFILE, as_of=AS_OF))
    what_if = grade_enterprises(metrics, PROFILE.with_overrides(OVERRIDES))
    before = base.set_index("parcel_id")["grade"]
    after = what_if.set_index("parcel_id")["grade"].reindex(before.index)
    assert (before != after).any()


def test_demo_grades_partition_by_band(ctx):
    graded = compute("enterprise_grades", ctx)
    n = len(graded)
    assert list(graded["rank"]) == list(range(1, n + 1))
    assert graded["parcel_id"].is_unique
    assert graded["score"].is_monotonic_decreasing
    counts = graded["grade"].value_counts()
    edges = [0] + [int(np.floor(bound * n + 1e-9)) for bound in PROFILE["grade_bands"].values()]
    for (grade, _), lo, hi in zip(PROFILE["grade_bands"].items(), edges, edges[1:]):
        assert counts.get(grade, 0) == hi - lo
    assert graded["score"].between(0, 100).all()


def five_enterprises() -> pd.DataFrame:
    """Five 规上 units: at the cap everywhere, at the benchmark everywhere, tax only (2×), tax only (1×), nothing."""
    bench = {m.key: PROFILE[m.benchmark] * m.benchmark_scale for m in METRICS if m.benchmark}
    rows = []
    for pid, factor, only_tax in [("E1", 2.0, False), ("E2", 1.0, False), ("E3", 2.0, True),
                                  ("E4", 1.0, True), ("E5", 0.0, False)]:
        row = {"parcel_id": pid, "year": 2025, "scale": "above", "enterprise_name": pid}
        for m in METRICS:
            if m.benchmark:
                row[m.column] = bench[m.key] * (factor if (not only_tax or m.key == "tax_per_mu") else 0.0)
        rows.append(row)
    return pd.DataFrame(rows)


def test_five_enterprises_known_scores_and_grades():
    graded = grade_enterprises(five_enterprises(), PROFILE).set_index("parcel_id")
    # 100 × Σ w·min(x/b, 2) ÷ (2 × Σw): all at the cap → 100; all at the benchmark → 50; tax (w 30) at 2× → 30.
    assert graded["score"].to_dict() == pytest.approx({"E1": 100.0, "E2": 50.0, "E3": 30.0, "E4": 15.0, "E5": 0.0})
    # Rank shares 0.2, 0.4, 0.6, 0.8, 1.0 against A ≤ 0.2, B ≤ 0.8, C ≤ 0.95, D ≤ 1.
    assert graded["grade"].to_dict() == {"E1": "A", "E2": "B", "E3": "B", "E4": "B", "E5": "D"}
    wider = PROFILE.with_overrides({"grade_bands": {"A": 0.4, "B": 0.6, "C": 0.8, "D": 1.0}})
    assert list(grade_enterprises(five_enterprises(), wider)["grade"]) == ["A", "A", "B", "C", "D"]


def test_below_size_weights_and_missing_values():
    frame = five_enterprises().iloc[[1]].assign(scale="below")
    frame.loc[:, "emission_productivity_wan_per_t"] = np.nan  # not weighted for 规下 anyway
    frame.loc[:, "rd_intensity_pct"] = np.nan  # weight 5 of 100 → 0 points
    graded = grade_enterprises(frame, PROFILE)
    assert graded["score"].iloc[0] == pytest.approx(50.0 * 95 / 100)
    assert graded["points_emission_productivity"].iloc[0] == 0


def test_ties_are_broken_by_parcel_id():
    frame = pd.concat([five_enterprises().iloc[[1]]] * 3, ignore_index=True)
    frame["parcel_id"] = ["P3", "P1", "P2"]
    graded = grade_enterprises(frame, PROFILE)
    assert list(graded["parcel_id"]) == ["P1", "P2", "P3"]
    assert list(graded["rank"]) == [1, 2, 3]


@settings(max_examples=60, deadline=None)
@given(scores=st.lists(st.floats(0, 3), min_size=1, max_size=80), above=st.lists(st.booleans(), min_size=80,
                                                                                   max_size=80))
def test_bands_partition_any_population(scores, above):
    n = len(scores)
    bench = PROFILE["tax_benchmark_wan_per_mu"]
    frame = pd.DataFrame({"parcel_id": [f"P{i:03d}" for i in range(n)], "year": 2025,
                          "scale": np.where(above[:n], "above", "below")})
    for m in METRICS:
        if m.benchmark:
            frame[m.column] = np.nan
    frame["tax_per_mu_wan"] = np.array(scores) * bench
    graded = grade_enterprises(frame, PROFILE)
    assert len(graded) == n and graded["grade"].isin(list(PROFILE["grade_bands"])).all()
    order = {g: i for i, g in enumerate(PROFILE["grade_bands"])}
    assert graded["grade"].map(order).is_monotonic_increasing  # better rank, never a worse grade
    assert graded["score"].is_monotonic_decreasing
    assert ((graded["rank_share"] > 0) & (graded["rank_share"] <= 1)).all()
    top = int(np.floor(PROFILE["grade_bands"]["A"] * n + 1e-9))
    assert (graded["grade"] == "A").sum() == top


def test_unknown_weight_key_is_refused():
    bad = PROFILE.with_overrides({"grade_weights_below": {"tax_per_mu": 50, "revenue_per_mu": 50}})
    with pytest.raises(ValueError, match="revenue_per_mu"):
        grade_enterprises(five_enterprises(), bad)


# ----------------------------------------------------------------------------------------------------------
# 标准地 checks (seed 004)


def test_standard_land_checks_demo(ctx):
    checks = compute("standard_land_checks", ctx)
    land_max = 100 * PROFILE["admin_land_share_max"]
    floor_max = 100 * PROFILE["admin_floor_share_max"]
    land_fail = checks[checks["admin_land_ok"].eq(False)]  # nullable: NA is neither
    floor_fail = checks[checks["admin_floor_ok"].eq(False)]
    assert len(land_fail) >= 5 and len(floor_fail) >= 5  # the demo plants violators in every park
    assert (land_fail["admin_land_share_pct"] > land_max).all()
    assert (floor_fail["admin_floor_share_pct"] > floor_max).all()
    passing = checks[checks["admin_land_ok"].eq(True)]
    assert (passing["admin_land_share_pct"] <= land_max).all()
    assert (checks["scale_review"] == (checks["area_mu"] >= PROFILE["scale_review_min_mu"])).all()
    assert checks["scale_review"].sum() >= 5
    assert (checks.loc[checks["passes"].eq(False), "parcel_id"].isin(
        pd.concat([land_fail["parcel_id"], floor_fail["parcel_id"]]))).all()


def test_unbuilt_parcel_floor_share_is_unknown(ctx):
    checks = compute("standard_land_checks", ctx)
    unbuilt = checks[checks["floor_area_m2"] == 0]
    assert len(unbuilt) > 0
    assert unbuilt["admin_floor_ok"].isna().all()


# ----------------------------------------------------------------------------------------------------------
# Parks inside the urban development boundary (seed 000: 8496.88 ÷ 18947.08 ha = 44.85%)

UBG_PUBLISHED_INSIDE_HA = FIGURES["parks_ubg"]["in_ubg_ha"]
UBG_PUBLISHED_TOTAL_HA = FIGURES["parks_ubg"]["area_ha"]
UBG_PUBLISHED_PCT = FIGURES["parks_ubg"]["ubg_share_pct"]


def test_published_pair_as_geometry():
    """Two parks whose areas and inside parts add up to the published pair; the boundary overlaps itself."""
    crs = gauss_kruger_crs(102.5)
    x0, y0 = 500_000.0, 2_700_000.0
    total_m2, inside_m2 = UBG_PUBLISHED_TOTAL_HA * 1e4, UBG_PUBLISHED_INSIDE_HA * 1e4
    height = 10_000.0
    width_a = 0.6 * total_m2 / height
    width_b = total_m2 / height - width_a
    park_a = shapely.box(x0, y0, x0 + width_a, y0 + height)
    park_b = shapely.box(x0 + 50_000, y0, x0 + 50_000 + width_b, y0 + height)
    cut = inside_m2 / height  # all of the inside area in park A
    boundary = gpd.GeoDataFrame(
        geometry=[shapely.box(x0 - 1000, y0 - 1000, x0 + cut, y0 + height + 1000),
                  shapely.box(x0 + cut / 2, y0 - 500, x0 + cut, y0 + height + 500)],  # overlaps the first
        crs=crs,
    ).to_crs("EPSG:4326")
    parks = gpd.GeoDataFrame({"park_id": ["A", "B"]}, geometry=[park_a, park_b], crs=crs).to_crs("EPSG:4326")
    areas = park_ubg_areas(parks, boundary).set_index("park_id")
    assert areas["area_ha"].sum() == pytest.approx(UBG_PUBLISHED_TOTAL_HA, rel=1e-6)
    assert areas["in_ubg_ha"].sum() == pytest.approx(UBG_PUBLISHED_INSIDE_HA, rel=1e-6)
    assert areas.loc["B", "in_ubg_ha"] == 0 and areas.loc["B", "ubg_share_pct"] == 0
    share = 100 * areas["in_ubg_ha"].sum() / areas["area_ha"].sum()
    assert round(share, 2) == UBG_PUBLISHED_PCT


def test_demo_parks_inside_the_boundary(ctx):
    table = compute("park_ubg_share", ctx)
    total = table[table["level"] == "city"].iloc[0]
    parks = table[table["level"] == "park"]
    assert total["ubg_share_pct"] == pytest.approx(UBG_PUBLISHED_PCT, abs=0.01)
    assert total["planned_area_ha"] == pytest.approx(UBG_PUBLISHED_TOTAL_HA)
    assert total["in_ubg_ha"] == pytest.approx(parks["in_ubg_ha"].sum())
    assert parks["ubg_share_pct"].between(0, 100).all()
    assert len(parks) == len(FIGURES["parks"]["park"])
