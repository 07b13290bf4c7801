"""Economical-use evaluation: published province-level figures as pure-function cases, hand-made tables through
the indicator functions, and the demo's designed outcomes.

Published figures (DOMAIN.md §7): Jiangsu (seed 001) 地均GDP 19.2 → 28.8 万元/亩 (+50%), 单位GDP建设用地 −31% over
2011–15 and −33% over 2016–20; Hefei (seed 002) 单位GDP建设用地使用面积年下降率 ≥ 5%.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.demo import DEMO_DIR
from dashboard.engine import Engine
from dashboard.indicators import FUNCTIONS, Context, compute, load_modules, registry
from dashboard.indicators.evaluation import average_yearly_decline, decline_rate, growth_rate, intensity_cap
from dashboard.policy import load_profile

AS_OF = date(2026, 9, 30)
CITY = "530400"
INDICATORS = ["gdp_per_land", "land_per_gdp", "development_intensity", "urban_industrial_land_per_capita",
              "stock_supply_share"]

# -- published figures: pure functions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "start", "end", "growth"),
    [
        ("Jiangsu 地均GDP 十三五: 19.2 → 28.8 万元/亩 = +50%", 19.2, 28.8, 0.50),
        ("flat", 10.0, 10.0, 0.0),
    ],
)
def test_growth_rate(case, start, end, growth):
    assert growth_rate(start, end) == pytest.approx(growth)


@pytest.mark.parametrize(
    ("case", "previous", "current", "decline", "meets_hefei"),
    [
        ("Hefei target exactly: 100 → 95 亩/亿元 = 5%", 100.0, 95.0, 0.05, True),
        ("Hefei missed: 100 → 96 = 4%", 100.0, 96.0, 0.04, False),
        ("Jiangsu 十二五 period: 100 → 69 = −31%", 100.0, 69.0, 0.31, True),
        ("Jiangsu 十三五 period: 100 → 67 = −33%", 100.0, 67.0, 0.33, True),
        ("land per GDP rising", 100.0, 102.0, -0.02, False),
    ],
)
def test_decline_rate(case, previous, current, decline, meets_hefei):
    assert decline_rate(previous, current) == pytest.approx(decline)
    target = load_profile()["land_per_gdp_decline_min"]
    assert (decline_rate(previous, current) >= target - 1e-9) is meets_hefei


def test_zero_denominators_are_undefined():
    assert pd.isna(decline_rate(0.0, 5.0)) and pd.isna(growth_rate(0.0, 5.0))


@pytest.mark.parametrize(
    ("total", "years", "yearly"),
    [
        # Jiangsu −31% over 2011–15 is 1 − 0.69^(1/5) ≈ 7.15% a year (above Hefei's 5%).
        (0.31, 5, 0.07152),
        (0.33, 5, 0.07698),
        # Five years at exactly 5% compound to 1 − 0.95^5 = 22.62%.
        (1 - 0.95**5, 5, 0.05),
    ],
)
def test_average_yearly_decline(total, years, yearly):
    assert average_yearly_decline(total, years) == pytest.approx(yearly, abs=5e-5)


def test_jiangsu_decline_and_growth_are_consistent():
    # Land per GDP and GDP per land are reciprocal: −33% in land per GDP is +49.25% in 地均GDP, which Jiangsu
    # rounds to its published +50% (19.2 → 28.8).
    assert growth_rate(1.0, 1.0 / (1.0 - 0.33)) == pytest.approx(growth_rate(19.2, 28.8), abs=0.01)


@pytest.mark.parametrize(
    ("profile", "region_code", "cap"),
    [
        # Jiangsu (seed 001): 苏南 29.3%, 苏中 21%, 苏北 19.2%; outside the zones the strictest cap.
        ("jiangsu", "320505", 0.293),  # 苏州 虎丘区
        ("jiangsu", "321002", 0.21),  # 扬州 广陵区
        ("jiangsu", "320302", 0.192),  # 徐州 鼓楼区
        ("jiangsu", "530402", 0.192),
        ("yunnan_yuxi", "530402", 0.15),  # one cap for the whole city
    ],
)
def test_intensity_cap_by_zone(profile, region_code, cap):
    params = load_profile(profile)
    zones, default = params["development_intensity_zone_max"], params["development_intensity_max"]
    assert intensity_cap(region_code, zones, default) == pytest.approx(cap)


# -- hand-made tables through the indicators -----------------------------------------------------------------


@pytest.fixture()
def hand_ctx(tmp_path):
    """Two counties, two years (and a third county with no rows), total areas 1500 亩 and 3000 亩."""
    pd.DataFrame(
        {"code": ["530400", "530402", "530403", "530423"], "name": ["市", "甲", "乙", "丙"],
         "level": ["city", "county", "county", "county"]}
    ).to_parquet(tmp_path / "regions.parquet")
    pd.DataFrame(
        {
            "county_code": ["530402", "530402", "530403", "530403"],
            "year": [2024, 2025, 2024, 2025],
            # 甲: land per GDP 100 → 95 亩/亿元 (−5%, meets); 乙: 100 → 96 (−4%, misses).
            "gdp_wan": [10_000.0, 20_000.0, 30_000.0, 25_000.0],
            "construction_land_mu": [100.0, 190.0, 300.0, 240.0],
            "population": [1000, 1000, 3000, 3000],
            "urban_industrial_land_m2": [60_000.0, 60_000.0, 420_000.0, 420_000.0],
            "urban_population": [500, 500, 3000, 3000],
            "stock_supply_mu": [7.0, 1.0, 3.0, 0.0],
            "total_supply_mu": [10.0, 10.0, 10.0, 0.0],
        }
    ).to_parquet(tmp_path / "economy.parquet")
    mu = 10000.0 / 15.0
    pd.DataFrame(
        {"parcel_id": ["1", "2"], "county_code": ["530402", "530403"], "dlbm": ["0103", "0301"],
         "dlmc": ["旱地", "乔木林地"], "area_m2": [1500 * mu, 3000 * mu]}
    ).to_parquet(tmp_path / "landuse.parquet")
    return Context(engine=Engine.from_dir(tmp_path), profile=load_profile(), as_of=AS_OF)


def rows(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    return frame[frame["year"] == year].set_index("region_code")


def test_gdp_per_land_city_from_sums(hand_ctx):
    frame = rows(compute("gdp_per_land", hand_ctx), 2024)
    assert frame.loc["530402", "gdp_per_land_wan_per_mu"] == pytest.approx(100.0)
    # City: (10000 + 30000) / (100 + 300) = 100, not the mean of the county ratios.
    assert frame.loc[CITY, "gdp_per_land_wan_per_mu"] == pytest.approx(100.0)
    assert frame.loc[CITY, "level"] == "city"
    assert pd.isna(frame.loc["530423", "gdp_per_land_wan_per_mu"])  # no data: undefined, not zero
    assert bool(frame.loc[CITY, "meets_target"]) is True  # 100 ≥ the 28.8 万元/亩 reference line
    assert pd.isna(frame.loc["530423", "meets_target"])


def test_land_per_gdp_decline_against_the_profile_target(hand_ctx):
    frame = compute("land_per_gdp", hand_ctx)
    first, second = rows(frame, 2024), rows(frame, 2025)
    assert second.loc["530402", "land_per_gdp_mu_per_yi"] == pytest.approx(95.0)
    assert second.loc["530402", "decline_pct"] == pytest.approx(5.0)
    assert bool(second.loc["530402", "meets_target"]) is True
    assert second.loc["530403", "decline_pct"] == pytest.approx(4.0)
    assert bool(second.loc["530403", "meets_target"]) is False
    # City: 2024 400 亩 / 4 亿元 = 100; 2025 430 / 4.5 = 95.56 → 4.44% decline.
    assert second.loc[CITY, "decline_pct"] == pytest.approx(100 * (1 - (430 / 4.5) / 100))
    assert pd.isna(first.loc[CITY, "meets_target"])  # no previous year
    assert (frame["target_decline_pct"] == 5.0).all()
    # The target is a policy parameter: a stricter profile changes the verdict.
    strict = Context(engine=hand_ctx.engine, profile=load_profile().with_overrides({"land_per_gdp_decline_min": 0.06}),
                     as_of=AS_OF)
    assert bool(rows(compute("land_per_gdp", strict), 2025).loc["530402", "meets_target"]) is False


def test_development_intensity_uses_parcel_areas(hand_ctx):
    frame = rows(compute("development_intensity", hand_ctx), 2025)
    assert frame.loc["530402", "total_area_mu"] == pytest.approx(1500.0)
    assert frame.loc["530402", "development_intensity_pct"] == pytest.approx(100 * 190 / 1500)
    assert frame.loc[CITY, "development_intensity_pct"] == pytest.approx(100 * 430 / 4500)
    assert not frame["exceeds_max"].fillna(False).any()
    tight = Context(engine=hand_ctx.engine, profile=load_profile().with_overrides({"development_intensity_max": 0.10}),
                    as_of=AS_OF)
    flags = rows(compute("development_intensity", tight), 2025)["exceeds_max"]
    assert bool(flags["530402"]) is True and bool(flags["530403"]) is False


def test_per_capita_and_stock_share(hand_ctx):
    per_capita = rows(compute("urban_industrial_land_per_capita", hand_ctx), 2025)
    assert per_capita.loc["530402", "per_capita_m2"] == pytest.approx(120.0)
    assert per_capita.loc["530403", "per_capita_m2"] == pytest.approx(140.0)
    assert per_capita.loc[CITY, "per_capita_m2"] == pytest.approx(480_000 / 3500)
    assert per_capita["exceeds_max"].loc[["530402", "530403", CITY]].tolist() == [False, True, True]
    share = compute("stock_supply_share", hand_ctx)
    first, second = rows(share, 2024), rows(share, 2025)
    assert first.loc["530402", "stock_share_pct"] == pytest.approx(70.0)
    assert bool(first.loc["530402", "meets_target"]) is True  # exactly the 70% target
    assert first.loc[CITY, "stock_share_pct"] == pytest.approx(50.0)
    assert pd.isna(second.loc["530403", "stock_share_pct"]) and pd.isna(second.loc["530403", "meets_target"])


def test_missing_optional_columns_give_undefined_rates(tmp_path, hand_ctx):
    folder = tmp_path / "minimal"
    folder.mkdir()
    for name in ("regions", "landuse"):
        (folder / f"{name}.parquet").write_bytes(hand_ctx.engine.paths[name].read_bytes())
    economy = pd.read_parquet(hand_ctx.engine.paths["economy"])
    economy[["county_code", "year", "gdp_wan", "construction_land_mu"]].to_parquet(folder / "economy.parquet")
    ctx = Context(engine=Engine.from_dir(folder), profile=load_profile(), as_of=AS_OF)
    share = compute("stock_supply_share", ctx)
    assert share["stock_share_pct"].isna().all() and share["meets_target"].isna().all()
    assert compute("gdp_per_land", ctx)["gdp_per_land_wan_per_mu"].notna().any()


def test_years_end_at_the_data_date(hand_ctx):
    early = Context(engine=hand_ctx.engine, profile=hand_ctx.profile, as_of=date(2024, 12, 31))
    assert compute("gdp_per_land", early)["year"].unique().tolist() == [2024]


# -- the demo ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_ctx():
    return Context(engine=Engine.from_dir(DEMO_DIR), profile=load_profile(), as_of=AS_OF)


@pytest.mark.parametrize("ind_id", INDICATORS)
def test_demo_tables_have_every_region_and_year(demo_ctx, ind_id):
    frame = compute(ind_id, demo_ctx)
    assert frame.iloc[0]["region_code"] == CITY
    assert frame.groupby("year")["region_code"].nunique().eq(10).all()
    assert frame["year"].max() <= AS_OF.year


def test_demo_city_rows_are_sums(demo_ctx):
    frame = compute("gdp_per_land", demo_ctx)
    city = frame[frame["level"] == "city"].set_index("year")
    counties = frame[frame["level"] == "county"].groupby("year")[["gdp_wan", "construction_land_mu"]].sum()
    assert city["gdp_wan"].to_numpy() == pytest.approx(counties["gdp_wan"].to_numpy())
    assert city["gdp_per_land_wan_per_mu"].to_numpy() == pytest.approx(
        (counties["gdp_wan"] / counties["construction_land_mu"]).to_numpy()
    )


def test_demo_total_area_is_the_published_land_area(demo_ctx):
    frame = compute("development_intensity", demo_ctx)
    city = frame[frame["level"] == "city"]
    assert city["total_area_mu"].to_numpy() == pytest.approx(14941.56 * 1500)


def names_flagged(frame: pd.DataFrame, column: str, year: int) -> set[str]:
    latest = frame[(frame["year"] == year) & (frame["level"] == "county")]
    return set(latest.loc[latest[column].fillna(False).astype(bool), "region_code"])


def test_demo_design_land_per_gdp_misses(demo_ctx):
    # dashboard/demo/ledgers.py designs 华宁, 峨山, 新平 and 元江 to miss Hefei's 5% yearly decline.
    frame = compute("land_per_gdp", demo_ctx).assign(misses=lambda f: ~f["meets_target"])
    assert names_flagged(frame, "misses", 2025) == {"530424", "530426", "530427", "530428"}


def test_demo_design_per_capita_above_125(demo_ctx):
    # ... and 江川, 华宁, 易门, 新平 and 元江 above 125 m² of urban-industrial land per urban resident.
    frame = compute("urban_industrial_land_per_capita", demo_ctx)
    assert names_flagged(frame, "exceeds_max", 2025) == {"530403", "530424", "530425", "530427", "530428"}


def test_demo_stock_share_below_target(demo_ctx):
    # The demo keeps the stock share between 30% and 70%: no county reaches the 70% target.
    frame = compute("stock_supply_share", demo_ctx)
    assert frame["stock_share_pct"].between(30, 70).all()
    assert not frame["meets_target"].any()


# -- declarations ------------------------------------------------------------------------------------------


def test_declared_and_registered_match():
    load_modules()
    declared = {i for i, spec in registry().items() if spec.mechanism == "evaluation"}
    registered = {i for i, f in FUNCTIONS.items() if f.__module__ == "dashboard.indicators.evaluation"}
    assert declared == registered == set(INDICATORS)
    for ind_id in declared:
        assert FUNCTIONS[ind_id].__doc__ and "Source" in FUNCTIONS[ind_id].__doc__
        for key in registry()[ind_id].params:
            load_profile().param(key)
