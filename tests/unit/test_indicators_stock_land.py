"""批而未供与闲置土地 indicators: the published 玉溪 figures, the two sanctions, the disposal-rate definitions the
demo is calibrated to, hand-made ledgers and invariants.

Expected published values come from ``data/reference/yuxi_published_figures.toml`` (the same file the demo
generator reads), so each published figure is one parametrized case with its source beside it.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.demo import ledgers
from dashboard.demo.ledgers import LOW_DISPOSAL_COUNTY, LOW_SUPPLY_COUNTY
from dashboard.engine import Engine
from dashboard.indicators import FUNCTIONS, Context, compute, load_modules, registry
from dashboard.indicators.stock_land import AGE_BANDS, quarter_ends
from dashboard.policy import load_profile
from dashboard.reference import published_figures

FIGURES = published_figures()
AS_OF = date.fromisoformat(FIGURES["meta"]["data_date"])
CITY = FIGURES["meta"]["city_code"]
PROFILE = load_profile()
MINE = ("unsupplied_stock", "unsupplied_approvals", "unsupplied_aging", "supply_rate_5y", "disposal_rates_quarterly", "suspension_flags",
        "idle_cases")


@pytest.fixture(scope="module")
def ctx(demo_engine):
    return Context(engine=demo_engine, profile=PROFILE, as_of=AS_OF)


def row(frame: pd.DataFrame, code: str) -> pd.Series:
    match = frame[frame["region_code"] == code]
    assert len(match) == 1, code
    return match.iloc[0]


# ----------------------------------------------------------------------------------------------------------
# Declarations


def test_every_function_is_declared_and_every_declaration_implemented():
    load_modules()
    declared = {i for i, spec in registry().items() if spec.mechanism == "stock_land"}
    implemented = {i for i, f in FUNCTIONS.items() if f.__module__ == "dashboard.indicators.stock_land"}
    assert declared == implemented == set(MINE)


@pytest.mark.parametrize("ind_id", MINE)
def test_declared_params_exist_in_the_profile(ind_id):
    for key in registry()[ind_id].params:
        assert PROFILE.param(key).source


# ----------------------------------------------------------------------------------------------------------
# Published figures (seed 000)

SUPPLY = FIGURES["supply"]
PUBLISHED_SUPPLY = [
    pytest.param("supply_rate_pct", SUPPLY["supply_rate_pct"], 2, id="供地率 79.22%"),
    pytest.param("unsupplied_mu", SUPPLY["unsupplied_mu"], 2, id="批而未供 11616亩"),
    pytest.param("approved_mu", SUPPLY["approved_mu"], 2, id="approved (derived)"),
    pytest.param("supplied_mu", SUPPLY["supplied_mu"], 2, id="supplied (derived)"),
]


@pytest.mark.parametrize(("column", "expected", "decimals"), PUBLISHED_SUPPLY)
def test_city_supply_rate_reproduces_published_figures(ctx, column, expected, decimals):
    assert round(row(compute("supply_rate_5y", ctx), CITY)[column], decimals) == expected


def test_supply_window_is_the_published_filter(ctx):
    city = row(compute("supply_rate_5y", ctx), CITY)
    assert city["window_start"] == pd.Timestamp(SUPPLY["window_start"])
    assert city["window_end"] == pd.Timestamp(SUPPLY["window_end"])


def test_only_yuanjiang_is_below_the_supply_rate_floor(ctx):
    table = compute("supply_rate_5y", ctx)
    counties = table[table["level"] == "county"]
    assert set(counties.loc[counties["below_min"], "region_code"]) == {LOW_SUPPLY_COUNTY}
    yuanjiang = row(table, LOW_SUPPLY_COUNTY)
    assert yuanjiang["supply_rate_pct"] < 100 * PROFILE["supply_rate_min"]
    assert yuanjiang["gap_pp"] == pytest.approx(yuanjiang["supply_rate_pct"] - 100 * PROFILE["supply_rate_min"])
    assert yuanjiang["gap_pp"] < 0


# ----------------------------------------------------------------------------------------------------------
# Sanctions


@pytest.mark.parametrize(
    ("code", "supply_rule", "disposal_rule"),
    [
        pytest.param(LOW_SUPPLY_COUNTY, True, False, id="元江 supply rate < 40%"),
        pytest.param(LOW_DISPOSAL_COUNTY, False, True, id="华宁 both disposal rates < floor"),
        pytest.param("530402", False, False, id="红塔 clear"),
    ],
)
def test_suspension_flags(ctx, code, supply_rule, disposal_rule):
    flags = row(compute("suspension_flags", ctx), code)
    assert flags["suspended_supply_rate"] == supply_rule
    assert flags["suspended_disposal"] == disposal_rule
    assert flags["suspended"] == (supply_rule or disposal_rule)
    assert bool(flags["rule_zh"]) == flags["suspended"]
    if supply_rule:
        assert flags["shortfall_zh"].startswith(f"供地率 {flags['supply_rate_pct']:.1f}% < 40%")
        assert "暂停" in flags["rule_zh"]
    if disposal_rule:
        assert "批而未供处置率 0.0% < 7%" in flags["shortfall_zh"]
        assert "闲置土地处置率 0.0% < 7%" in flags["shortfall_zh"]


def test_only_the_two_designed_counties_are_suspended(ctx):
    flags = compute("suspension_flags", ctx)
    assert set(flags["level"]) == {"county"}
    assert set(flags.loc[flags["suspended"], "region_code"]) == {LOW_SUPPLY_COUNTY, LOW_DISPOSAL_COUNTY}


def test_no_disposal_suspension_in_the_first_quarter(demo_engine):
    q1 = Context(engine=demo_engine, profile=PROFILE, as_of=date(2026, 3, 31))
    flags = compute("suspension_flags", q1)
    assert flags["quarter"].eq(1).all()
    assert not flags["suspended_disposal"].any()
    assert flags["disposal_floor_pct"].isna().all()


def test_floors_come_from_the_profile(demo_engine):
    stricter = PROFILE.with_overrides({"supply_rate_min": 0.9})
    flags = compute("suspension_flags", Context(engine=demo_engine, profile=stricter, as_of=AS_OF))
    assert flags["suspended_supply_rate"].sum() > 1
    assert flags["shortfall_zh"].str.contains("< 90%").any()


# ----------------------------------------------------------------------------------------------------------
# Disposal rates: the definitions documented by the demo generator


def test_quarter_ends():
    assert quarter_ends(date(2026, 9, 30)) == [date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30)]
    assert quarter_ends(date(2026, 5, 10)) == [date(2026, 3, 31), date(2026, 5, 10)]
    assert quarter_ends(date(2025, 12, 31))[-1] == date(2025, 12, 31)


def reference_unsupplied_rate(approvals, supplies, code, end, year=2026):
    """ledgers.py docstring: supplied in [1 Jan, end] on approvals dated before the year ÷ their stock on 31 Dec."""
    y0 = pd.Timestamp(f"{year}-01-01")
    ap = approvals[(approvals["county_code"] == code) & (approvals["approval_date"] < y0)]
    sp = supplies[supplies["approval_id"].isin(ap["approval_id"])]
    stock = ap["approved_area_mu"].sum() - sp.loc[sp["supply_date"] < y0, "area_mu"].sum()
    done = sp.loc[(sp["supply_date"] >= y0) & (sp["supply_date"] <= pd.Timestamp(end)), "area_mu"].sum()
    return 100 * done / stock


@pytest.fixture(scope="module")
def demo_ledgers(demo_engine):
    return {name: demo_engine.to_pandas(name) for name in ("approvals", "supplies", "idle_land")}


@pytest.mark.parametrize("quarter", [1, 2, 3])
def test_disposal_rates_match_the_generator_definitions(ctx, demo_ledgers, quarter):
    table = compute("disposal_rates_quarterly", ctx)
    end = quarter_ends(AS_OF)[quarter - 1]
    for code in table.loc[table["level"] == "county", "region_code"].unique():
        got = table[(table["region_code"] == code) & (table["quarter"] == quarter)].iloc[0]
        idle = 100 * ledgers.idle_disposal_rate(demo_ledgers["idle_land"], code, end)
        unsupplied = reference_unsupplied_rate(demo_ledgers["approvals"], demo_ledgers["supplies"], code, end)
        assert got["idle_disposal_rate_pct"] == pytest.approx(idle, nan_ok=True, abs=1e-9)
        assert got["unsupplied_disposal_rate_pct"] == pytest.approx(unsupplied, abs=1e-9)


@pytest.mark.parametrize(("quarter", "at_least"), [(2, 5.0), (3, 10.0)])
def test_demo_design_other_counties_clear_the_floors(ctx, quarter, at_least):
    table = compute("disposal_rates_quarterly", ctx)
    others = table[(table["level"] == "county") & (table["quarter"] == quarter)
                   & (table["region_code"] != LOW_DISPOSAL_COUNTY)]
    assert (others["unsupplied_disposal_rate_pct"] >= at_least).all()
    assert (others["idle_disposal_rate_pct"] >= at_least).all()
    huaning = table[(table["region_code"] == LOW_DISPOSAL_COUNTY) & (table["quarter"] == quarter)].iloc[0]
    assert huaning["unsupplied_disposal_rate_pct"] == 0 and huaning["idle_disposal_rate_pct"] == 0
    assert huaning["both_below_floor"]


def test_disposal_rates_are_cumulative(ctx):
    table = compute("disposal_rates_quarterly", ctx)
    for _, group in table.groupby("region_code"):
        assert group["unsupplied_disposed_mu"].is_monotonic_increasing
        assert group["idle_disposed_mu"].is_monotonic_increasing
        assert group["unsupplied_stock_mu"].nunique() == 1
    floors = table.drop_duplicates("quarter").set_index("quarter")["disposal_floor_pct"]
    assert np.isnan(floors[1]) and floors[2] == pytest.approx(3) and floors[3] == pytest.approx(7)


# ----------------------------------------------------------------------------------------------------------
# Demo-wide invariants


@pytest.mark.parametrize(
    ("ind_id", "columns"),
    [
        ("unsupplied_stock", ["approved_mu", "supplied_mu", "unsupplied_mu", "approvals_count"]),
        ("supply_rate_5y", ["approved_mu", "supplied_mu", "unsupplied_mu"]),
    ],
)
def test_county_sums_equal_the_city(ctx, ind_id, columns):
    table = compute(ind_id, ctx)
    counties = table[table["level"] == "county"]
    for col in columns:
        assert counties[col].sum() == pytest.approx(row(table, CITY)[col])


def test_city_rates_are_recomputed_not_averaged(ctx):
    table = compute("supply_rate_5y", ctx)
    city = row(table, CITY)
    assert city["supply_rate_pct"] == pytest.approx(100 * city["supplied_mu"] / city["approved_mu"])


def test_aging_adds_up_to_the_stock(ctx):
    aging = compute("unsupplied_aging", ctx)
    stock = compute("unsupplied_stock", ctx)
    totals = aging.groupby("region_code")["unsupplied_mu"].sum()
    for code, value in totals.items():
        assert value == pytest.approx(row(stock, code)["unsupplied_mu"], abs=1e-6)
    assert set(aging["age_band"]) <= {label for label, _, _ in AGE_BANDS}
    assert (aging["unsupplied_mu"] >= 0).all()


def test_region_filter_keeps_one_county(demo_engine):
    one = Context(engine=demo_engine, profile=PROFILE, as_of=AS_OF, region=LOW_SUPPLY_COUNTY)
    for ind_id in MINE:
        table = compute(ind_id, one)
        assert set(table["region_code"]) == {LOW_SUPPLY_COUNTY}, ind_id


def test_idle_cases_demo(ctx):
    cases = compute("idle_cases", ctx)
    assert cases["case_id"].is_unique
    assert not cases["deadline"].isna().any()
    assert (cases.loc[cases["disposed"], "overdue_days"] == 0).all()
    open_late = cases[~cases["disposed"] & (cases["deadline"] < pd.Timestamp(AS_OF))]
    assert len(open_late) > 0  # the demo has overdue open cases
    assert (open_late["overdue_days"] == (pd.Timestamp(AS_OF) - open_late["deadline"]).dt.days).all()
    assert list(cases["overdue_days"]) == sorted(cases["overdue_days"], reverse=True)


# ----------------------------------------------------------------------------------------------------------
# Small hand-made ledgers

REGIONS = pd.DataFrame(
    {"code": ["530400", "530402", "530403"], "name": ["玉溪市", "红塔区", "江川区"],
     "level": ["city", "county", "county"], "parent_code": [None, "530400", "530400"]}
)


def small_engine(folder: Path, approvals, supplies, idle=None) -> Engine:
    """An demo_engine over tiny ledgers written as parquet to ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    REGIONS.to_parquet(folder / "regions.parquet")
    # Explicit types: an empty ledger must still have typed columns, as the contracts guarantee.
    approvals = pd.DataFrame(approvals, columns=["approval_id", "county_code", "approval_date", "approved_area_mu"])
    approvals = approvals.astype({"approval_id": str, "county_code": str, "approved_area_mu": float})
    approvals["approval_date"] = pd.to_datetime(approvals["approval_date"])
    approvals.to_parquet(folder / "approvals.parquet")
    supplies = pd.DataFrame(supplies, columns=["supply_id", "approval_id", "county_code", "supply_date", "area_mu"])
    supplies = supplies.astype({"supply_id": str, "approval_id": str, "county_code": str, "area_mu": float})
    supplies["supply_date"] = pd.to_datetime(supplies["supply_date"])
    supplies.to_parquet(folder / "supplies.parquet")
    if idle is not None:
        idle = pd.DataFrame(idle, columns=["case_id", "county_code", "area_mu", "identified_date", "status",
                                           "disposal_date", "deadline"])
        idle = idle.astype({"case_id": str, "county_code": str, "area_mu": float, "status": str})
        for col in ("identified_date", "disposal_date", "deadline"):
            idle[col] = pd.to_datetime(idle[col])
        idle.to_parquet(folder / "idle_land.parquet")
    return Engine.from_dir(folder)


def test_hand_made_stock_caps_oversupply_and_ignores_the_future(tmp_path):
    demo_engine = small_engine(
        tmp_path,
        approvals=[("A1", "530402", "2024-05-01", 100.0), ("A2", "530402", "2019-01-01", 50.0),
                   ("A3", "530403", "2026-12-01", 70.0)],  # A3 is after the data date
        supplies=[("S1", "A1", "530402", "2024-06-01", 60.0), ("S2", "A1", "530402", "2025-01-01", 70.0),
                  ("S3", "A2", "530402", "2027-01-01", 50.0),  # supplied after the data date
                  ("S4", "A9", "530403", "2024-01-01", 10.0)],  # no such approval
    )
    ctx = Context(engine=demo_engine, profile=PROFILE, as_of=date(2026, 9, 30))
    stock = compute("unsupplied_stock", ctx)
    hongta = row(stock, "530402")
    assert (hongta["approved_mu"], hongta["supplied_mu"], hongta["unsupplied_mu"]) == (150.0, 100.0, 50.0)
    assert row(stock, "530403")["approved_mu"] == 0
    rate = compute("supply_rate_5y", ctx)
    assert row(rate, "530402")["supply_rate_pct"] == 100.0  # A2 (2019) is outside the five years
    assert np.isnan(row(rate, "530403")["supply_rate_pct"]) and not row(rate, "530403")["below_min"]
    aging = compute("unsupplied_aging", ctx)
    hongta_aging = aging[aging["region_code"] == "530402"].set_index("approval_year")
    assert hongta_aging.loc[2019, "age_band"] == "5+" and hongta_aging.loc[2019, "unsupplied_mu"] == 50.0
    assert hongta_aging.loc[2024, "age_band"] == "2-3" and hongta_aging.loc[2024, "unsupplied_mu"] == 0.0


@pytest.mark.parametrize(
    ("approval_date", "band"),
    [("2026-09-30", "0-1"), ("2025-10-01", "0-1"), ("2025-09-30", "1-2"), ("2023-09-30", "3-5"),
     ("2021-10-01", "3-5"), ("2021-09-30", "5+")],
)
def test_age_band_boundaries(tmp_path, approval_date, band):
    demo_engine = small_engine(tmp_path, [("A1", "530402", approval_date, 10.0)], [])
    aging = compute("unsupplied_aging", Context(engine=demo_engine, profile=PROFILE, as_of=date(2026, 9, 30)))
    assert row(aging, "530402")["age_band"] == band


@pytest.mark.parametrize(
    ("approval_date", "band", "in_window"),
    [("2023-02-28", "1-2", True), ("2023-03-01", "0-1", True), ("2022-02-28 23:30", "2-3", True),
     ("2019-02-28", "5+", False), ("2019-03-01 08:00", "3-5", True)],
)
def test_age_and_window_on_a_leap_day(tmp_path, approval_date, band, in_window):
    # as_of − k years is 28 February in a common year (years_back): the engine's grouping must agree.
    ctx = Context(engine=small_engine(tmp_path, [("A1", "530402", approval_date, 10.0)], []), profile=PROFILE,
                  as_of=date(2024, 2, 29))
    assert row(compute("unsupplied_aging", ctx), "530402")["age_band"] == band
    assert row(compute("supply_rate_5y", ctx), "530402")["approvals_count"] == int(in_window)


def test_hand_made_disposal_rates_and_suspension(tmp_path):
    demo_engine = small_engine(
        tmp_path,
        approvals=[("A1", "530402", "2025-03-01", 200.0), ("A2", "530403", "2025-03-01", 100.0)],
        supplies=[("S1", "A1", "530402", "2025-06-01", 100.0),  # before the year: stock 100
                  ("S2", "A1", "530402", "2026-05-01", 2.0),  # 2% by Q2, < 3%
                  ("S3", "A2", "530403", "2026-02-01", 50.0)],  # 50% by Q1
        idle=[("X1", "530402", 40.0, "2025-01-01", "disposing", None, None),
              ("X2", "530402", 10.0, "2024-01-01", "disposed", "2025-06-01", None),  # closed before the year
              ("X3", "530402", 60.0, "2026-08-01", "identified", None, "2026-09-01"),  # enters the base in Q3
              ("X4", "530403", 30.0, "2025-01-01", "disposed", "2026-04-15", None)],
    )
    ctx = Context(engine=demo_engine, profile=PROFILE, as_of=date(2026, 9, 30))
    rates = compute("disposal_rates_quarterly", ctx).set_index(["region_code", "quarter"])
    assert rates.loc[("530402", 2), "unsupplied_disposal_rate_pct"] == pytest.approx(2.0)
    assert rates.loc[("530402", 2), "idle_open_mu"] == 40.0
    assert rates.loc[("530402", 3), "idle_open_mu"] == 100.0
    assert rates.loc[("530402", 2), "both_below_floor"]  # 2% and 0% < 3%
    assert rates.loc[("530403", 1), "unsupplied_disposal_rate_pct"] == pytest.approx(50.0)
    assert rates.loc[("530403", 2), "idle_disposal_rate_pct"] == pytest.approx(100.0)
    assert rates.loc[("530400", 3), "unsupplied_disposal_rate_pct"] == pytest.approx(100 * 52 / 200)
    flags = compute("suspension_flags", ctx).set_index("region_code")
    assert flags.loc["530402", "suspended_disposal"] and not flags.loc["530403", "suspended_disposal"]

    cases = compute("idle_cases", ctx).set_index("case_id")
    months = PROFILE["idle_disposal_deadline_months"]
    assert cases.loc["X1", "deadline"] == pd.Timestamp("2025-01-01") + pd.DateOffset(months=months)
    assert cases.loc["X1", "deadline_defaulted"] and not cases.loc["X3", "deadline_defaulted"]
    assert cases.loc["X3", "overdue_days"] == 29 and cases.loc["X3", "overdue"]
    assert cases.loc["X2", "disposed"] and cases.loc["X2", "overdue_days"] == 0
    assert cases.loc["X1", "overdue_days"] == 0  # deadline 2027-01-01 not reached


def test_either_rate_suspends_under_the_ningxia_rule(tmp_path):
    """530403 disposes of all its idle land (100%) but supplies none of its old approvals (0% < 7% in Q3): the
    Yuxi rule (seed 000: both rates) does not suspend it, Ningxia's (seed 004 （十二）: either rate) does, and
    its rule text keeps only national and autonomous-region (provincial) key projects exempt."""
    engine = small_engine(
        tmp_path,
        approvals=[("A2", "530403", "2025-03-01", 100.0)],
        supplies=[],
        idle=[("X4", "530403", 30.0, "2025-01-01", "disposed", "2026-04-15", None)],
    )
    as_of = date(2026, 9, 30)
    yuxi = compute("suspension_flags", Context(engine=engine, profile=PROFILE, as_of=as_of)).set_index("region_code")
    assert not yuxi.loc["530403", "suspended_disposal"]
    ningxia = load_profile("ningxia")
    assert ningxia["disposal_suspension_both_required"] is False
    flags = compute("suspension_flags", Context(engine=engine, profile=ningxia, as_of=as_of)).set_index("region_code")
    county = flags.loc["530403"]
    assert county["suspended_disposal"] and county["suspended"]
    assert "任一项未达到7%" in county["rule_zh"] and "暂停除国家、省级重点项目和民生保障项目外" in county["rule_zh"]
    assert "市级" not in county["rule_zh"] and "(either)" in county["rule_en"]
    # the idle rate met the floor: only the unsupplied one is named (after the supply-rate shortfall, 0% < 40%)
    assert county["shortfall_zh"].endswith("；批而未供处置率 0.0% < 7%") and "闲置" not in county["shortfall_zh"]
    assert "国家、省级、市级重点项目" in yuxi.loc["530403", "rule_zh"]  # suspended by its supply rate


def test_idle_cases_identified_after_the_data_date_are_left_out(tmp_path):
    demo_engine = small_engine(
        tmp_path, [], [],
        idle=[("X1", "530402", 5.0, "2026-01-01", "identified", None, None),
              ("X2", "530402", 5.0, "2026-12-01", "identified", None, None)],
    )
    cases = compute("idle_cases", Context(engine=demo_engine, profile=PROFILE, as_of=date(2026, 9, 30)))
    assert list(cases["case_id"]) == ["X1"]


# ----------------------------------------------------------------------------------------------------------
# Property: any ledger gives non-negative stock, rates within [0, 100] and counties that add up to the city

approval_st = st.tuples(st.sampled_from(["530402", "530403"]), st.integers(0, 3000), st.integers(1, 100_000))
supply_st = st.tuples(st.integers(0, 19), st.integers(-400, 3000), st.integers(1, 100_000))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(approvals=st.lists(approval_st, min_size=1, max_size=20), supplies=st.lists(supply_st, max_size=30))
def test_stock_invariants(approvals, supplies):
    as_of = date(2026, 9, 30)
    base = pd.Timestamp(as_of)
    ap_rows = [(f"A{i}", county, base - pd.Timedelta(days=age), area / 100)
               for i, (county, age, area) in enumerate(approvals)]
    sp_rows = []
    for j, (i, after, area) in enumerate(supplies):
        if i < len(ap_rows):
            ap_id, county, approved_on, _ = ap_rows[i]
            sp_rows.append((f"S{j}", ap_id, county, approved_on + pd.Timedelta(days=after), area / 100))
    with tempfile.TemporaryDirectory() as folder:
        ctx = Context(engine=small_engine(Path(folder), ap_rows, sp_rows), profile=PROFILE, as_of=as_of)
        stock = compute("unsupplied_stock", ctx)
        rate = compute("supply_rate_5y", ctx)
        aging = compute("unsupplied_aging", ctx)
    assert (stock["unsupplied_mu"] >= 0).all()
    assert (stock["supplied_mu"] <= stock["approved_mu"] + 1e-9).all()
    counties = stock[stock["level"] == "county"]
    for col in ("approved_mu", "supplied_mu", "unsupplied_mu"):
        assert counties[col].sum() == pytest.approx(row(stock, CITY)[col], abs=1e-6)
    defined = rate["supply_rate_pct"].dropna()
    assert ((defined >= 0) & (defined <= 100)).all()
    assert aging["unsupplied_mu"].sum() == pytest.approx(2 * row(stock, CITY)["unsupplied_mu"], abs=1e-6)


def test_unsupplied_approvals_add_up_to_the_county_stock(demo_ctx):
    from dashboard.indicators import compute

    per = compute("unsupplied_approvals", demo_ctx)
    stock = compute("unsupplied_stock", demo_ctx).set_index("region_code")
    assert per["approval_id"].is_unique and (per["unsupplied_mu"] >= 0).all()
    assert (per["supplied_mu"] <= per["approved_mu"] + 1e-9).all()
    sums = per.groupby("region_code")["unsupplied_mu"].sum()
    for code, value in sums.items():
        assert value == pytest.approx(stock.loc[code, "unsupplied_mu"], abs=1e-3)
    assert per["unsupplied_mu"].sum() == pytest.approx(stock.loc["530400", "unsupplied_mu"], abs=1e-3)
