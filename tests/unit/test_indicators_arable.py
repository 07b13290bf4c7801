"""Arable-balance indicators (耕地占补平衡): hand-computed toy ledgers, the published 玉溪 figures against the demo
data, invariants, the Jiangsu split bands, and declarations ⇔ implementations.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from dashboard.engine import Engine
from dashboard.indicators import FUNCTIONS, Context, arable, compute, load_modules, registry
from dashboard.policy import load_profile
from dashboard.reference import published_figures

AS_OF = date(2026, 9, 30)
PROFILE = load_profile()
FIGURES = published_figures()
FLOWS = ["filed", "occupied", "bought", "sold", "debt_repaid", "pooled_in", "pooled_out", "balance", "shortfall"]

load_modules()


# ------------------------------------------------------------------------------------------------------------
# fixtures: the demo data and a toy city of three counties


@pytest.fixture()
def demo(demo_engine):
    return Context(engine=demo_engine, profile=PROFILE, as_of=AS_OF)


TOY_REGIONS = pd.DataFrame(
    {
        "code": ["990000", "990001", "990002", "990003"],
        "name": ["样例市", "甲县", "乙县", "丙县"],
        "level": ["city", "county", "county", "county"],
        "parent_code": [None, "990000", "990000", "990000"],
    }
)


def entry(county, day, kind, cult, paddy, grain, owner=None, name="项目"):
    return {"county_code": county, "date": pd.Timestamp(day), "kind": kind, "cultivated_mu": float(cult),
            "paddy_mu": float(paddy), "grain_kg": float(grain), "project_name": name, "owner": owner or county}


#: 甲: filed 100/50/40000, occupied 30/20/10000 (2026-06), pooled 10/5/4000 → balance 60/25/26000.
#: 乙: filed 20/0/8000, bought 10/10/2000, occupied 40/30/20000 (2025-08) → balance −10/−20/−10000, short on all.
#: 丙: surplus on 数量, short on 水田: filed 80/0/30000, occupied 30/15/12000 (2024-01) → 50/−15/18000.
#: One 甲 occupation after the as_of date must be ignored.
TOY_LEDGER = pd.DataFrame(
    [
        entry("990001", "2020-03-01", "filed", 100, 50, 40000),
        entry("990001", "2026-06-15", "occupied", 30, 20, 10000),
        entry("990001", "2024-05-01", "pooled_in", 10, 5, 4000),
        entry("990001", "2026-10-01", "occupied", 999, 999, 999999),
        entry("990002", "2021-01-01", "filed", 20, 0, 8000),
        entry("990002", "2022-02-02", "bought", 10, 10, 2000),
        entry("990002", "2025-08-20", "occupied", 40, 30, 20000),
        entry("990003", "2019-09-09", "filed", 80, 0, 30000),
        entry("990003", "2024-01-10", "occupied", 30, 15, 12000),
    ]
)
TOY_LEDGER.insert(0, "entry_id", [f"T{i:03d}" for i in range(len(TOY_LEDGER))])


def trade(day, indicator, price, unit):
    return {"trade_date": pd.Timestamp(day), "indicator": indicator, "unit_price": float(price), "price_unit": unit,
            "quantity": 1.0}


#: Window (2026-03-30, 2026-09-30]: cultivated 20 and 22 (mean 21; the 22 is on the as_of day, inside), paddy 15,
#: grain 18 元/公斤.  The 50 on 2026-03-30 is exactly six months back (outside); the 99 is after as_of.
TOY_TRADES = pd.DataFrame(
    [
        trade("2026-03-30", "cultivated", 50, "wan_per_mu"),
        trade("2026-04-10", "cultivated", 20, "wan_per_mu"),
        trade("2026-09-30", "cultivated", 22, "wan_per_mu"),
        trade("2026-05-10", "paddy", 15, "wan_per_mu"),
        trade("2026-07-10", "grain", 18, "yuan_per_kg"),
        trade("2026-10-01", "grain", 99, "yuan_per_kg"),
    ]
)


@pytest.fixture()
def toy(tmp_path):
    TOY_REGIONS.to_parquet(tmp_path / "regions.parquet")
    TOY_LEDGER.to_parquet(tmp_path / "arable_ledger.parquet")
    TOY_TRADES.to_parquet(tmp_path / "indicator_trades.parquet")
    return Context(engine=Engine.from_dir(tmp_path), profile=PROFILE, as_of=AS_OF)


def row(frame, region, indicator):
    picked = frame[(frame["region_code"] == region) & (frame["indicator"] == indicator)]
    assert len(picked) == 1, (region, indicator)
    return picked.iloc[0]


# ------------------------------------------------------------------------------------------------------------
# arable_balance


@pytest.mark.parametrize(
    "region, indicator, balance, shortfall",
    [
        ("990001", "cultivated", 60.0, 0.0),
        ("990001", "paddy", 25.0, 0.0),
        ("990001", "grain", 26000.0, 0.0),
        ("990002", "cultivated", -10.0, 10.0),
        ("990002", "paddy", -20.0, 20.0),
        ("990002", "grain", -10000.0, 10000.0),
        ("990003", "cultivated", 50.0, 0.0),
        ("990003", "paddy", -15.0, 15.0),
        ("990003", "grain", 18000.0, 0.0),
        # City: balances net, shortfalls add up county by county (no county covers another's gap).
        ("990000", "cultivated", 100.0, 10.0),
        ("990000", "paddy", -10.0, 35.0),
        ("990000", "grain", 34000.0, 10000.0),
    ],
)
def test_toy_balance_by_hand(toy, region, indicator, balance, shortfall):
    got = row(compute("arable_balance", toy), region, indicator)
    assert got["balance"] == pytest.approx(balance)
    assert got["shortfall"] == pytest.approx(shortfall)


def test_toy_balance_ignores_entries_after_as_of(toy):
    got = row(compute("arable_balance", toy), "990001", "cultivated")
    assert got["occupied"] == pytest.approx(30.0)


def test_toy_balance_layout(toy):
    table = compute("arable_balance", toy)
    assert list(table.columns[:5]) == ["region_code", "region_name", "level", "indicator", "unit"]
    assert list(table["level"][:3]) == ["city"] * 3
    assert list(table["indicator"][:3]) == ["cultivated", "paddy", "grain"]
    assert dict(zip(table["indicator"], table["unit"])) == {"cultivated": "mu", "paddy": "mu", "grain": "kg"}


def test_demo_yuanjiang_surplus_on_quantity_short_on_paddy(demo):
    """DOMAIN §2: each indicator balances on its own; the demo's 元江 is in surplus on 数量 and short on 水田."""
    table = compute("arable_balance", demo)
    assert row(table, "530428", "cultivated")["balance"] > 0
    assert row(table, "530428", "paddy")["balance"] < 0
    assert row(table, "530428", "paddy")["shortfall"] == pytest.approx(-row(table, "530428", "paddy")["balance"])


def test_demo_balance_invariants(demo):
    table = compute("arable_balance", demo)
    assert (table["shortfall"] >= 0).all()
    counties = table[table["level"] == "county"]
    assert np.allclose(counties["shortfall"], (-counties["balance"]).clip(lower=0))
    adds = table[["filed", "bought", "pooled_out"]].sum(axis=1)
    subtracts = table[["occupied", "sold", "debt_repaid", "pooled_in"]].sum(axis=1)
    assert np.allclose(table["balance"], adds - subtracts)
    for ind in arable.INDICATORS:
        city = table[(table["level"] == "city") & (table["indicator"] == ind)][FLOWS].iloc[0]
        total = counties[counties["indicator"] == ind][FLOWS].sum()
        assert np.allclose(city.to_numpy(float), total.to_numpy(float)), ind


def test_demo_region_filter(demo_engine):
    ctx = Context(engine=demo_engine, profile=PROFILE, as_of=AS_OF, region="530428")
    for ind_id in ("arable_balance", "arable_cover", "arable_shortfall_cost"):
        table = compute(ind_id, ctx)
        assert set(table["region_code"]) == {"530428"}, ind_id


# ------------------------------------------------------------------------------------------------------------
# arable_cover


@pytest.mark.parametrize(
    "region, indicator, per_month, cover",
    [
        ("990001", "cultivated", 30 / 12, 60 / (30 / 12)),  # occupied 2026-06 is inside the 12 months
        ("990001", "grain", 10000 / 12, 26000 / (10000 / 12)),
        ("990002", "paddy", 0.0, 0.0),  # short (and its 2025-08-20 occupation is outside the window): no cover
        ("990003", "cultivated", 0.0, np.nan),  # in surplus, last occupation 2024-01: rate undefined
        ("990000", "cultivated", 30 / 12, 100 / (30 / 12)),  # city from totals
    ],
)
def test_toy_cover_by_hand(toy, region, indicator, per_month, cover):
    got = row(compute("arable_cover", toy), region, indicator)
    assert got["occupied_per_month"] == pytest.approx(per_month)
    if np.isnan(cover):
        assert np.isnan(got["cover_months"])
    else:
        assert got["cover_months"] == pytest.approx(cover)


def test_demo_cover_is_never_negative(demo):
    cover = compute("arable_cover", demo)["cover_months"].dropna()
    assert (cover >= 0).all()


# ------------------------------------------------------------------------------------------------------------
# prices and arable_shortfall_cost


def test_platform_prices_window_is_months_before_as_of():
    prices = arable.platform_prices(TOY_TRADES, AS_OF, 6).set_index("indicator")
    assert prices.loc["cultivated", "unit_price"] == pytest.approx(21.0)  # 20 and 22; not the 50 on 03-30
    assert prices.loc["cultivated", "trades"] == 2
    assert prices.loc["grain", "unit_price"] == pytest.approx(18.0)  # not the 99 after as_of
    assert prices.loc["grain", "price_unit"] == "yuan_per_kg"


def test_platform_prices_without_trades_are_nan():
    prices = arable.platform_prices(TOY_TRADES, date(2020, 1, 1), 6)
    assert prices["unit_price"].isna().all()
    assert (prices["trades"] == 0).all()


@pytest.mark.parametrize(
    "quantity, price, unit, wan",
    [(10.0, 21.0, "wan_per_mu", 210.0), (10000.0, 18.0, "yuan_per_kg", 18.0), (0.0, 5.0, "yuan_per_kg", 0.0)],
)
def test_to_wan(quantity, price, unit, wan):
    assert arable.to_wan(quantity, price, unit) == pytest.approx(wan)


def test_to_wan_rejects_unknown_unit():
    with pytest.raises(ValueError):
        arable.to_wan(1.0, 1.0, "yuan_per_mu")


@pytest.mark.parametrize(
    "region, indicator, cost",
    [
        ("990002", "cultivated", 10 * 21.0),
        ("990002", "paddy", 20 * 15.0),
        ("990002", "grain", 10000 * 18.0 / 10000),
        ("990002", "total", 210.0 + 300.0 + 18.0),
        ("990003", "paddy", 15 * 15.0),
        ("990003", "total", 225.0),
        ("990001", "total", 0.0),
        ("990000", "total", 528.0 + 225.0),
    ],
)
def test_toy_shortfall_cost_by_hand(toy, region, indicator, cost):
    assert row(compute("arable_shortfall_cost", toy), region, indicator)["cost_wan"] == pytest.approx(cost)


def test_demo_shortfall_cost_totals(demo):
    table = compute("arable_shortfall_cost", demo)
    parts = table[table["indicator"] != "total"].groupby("region_code")["cost_wan"].sum()
    totals = table[table["indicator"] == "total"].set_index("region_code")["cost_wan"]
    assert np.allclose(parts.sort_index(), totals.sort_index())
    city = totals[table.loc[table["level"] == "city", "region_code"].iloc[0]]
    assert city == pytest.approx(totals[table.loc[table["level"] == "county", "region_code"].unique()].sum())
    assert (table["cost_wan"] >= 0).all()


# ------------------------------------------------------------------------------------------------------------
# published 玉溪 figures (seed 000), read from data/reference/yuxi_published_figures.toml

PUBLISHED_CASES = [
    pytest.param(fig["id"], ind, id=f"{fig['id']}-{ind}")
    for fig in FIGURES["arable"]["figure"]
    for ind in [*arable.INDICATORS, *(["count"] if "count" in fig else [])]
]


@pytest.fixture(scope="module")
def published_check(demo_engine):
    return compute("arable_published_check", Context(engine=demo_engine, profile=PROFILE, as_of=AS_OF))


@pytest.mark.parametrize("figure, indicator", PUBLISHED_CASES)
def test_published_figure_reproduced(published_check, figure, indicator):
    got = published_check[(published_check["figure"] == figure) & (published_check["indicator"] == indicator)]
    assert len(got) == 1
    fig = next(f for f in FIGURES["arable"]["figure"] if f["id"] == figure)
    published = fig["count"] if indicator == "count" else fig[arable.INDICATORS[indicator][0]]
    assert got["published"].iloc[0] == published
    assert got["computed"].iloc[0] == pytest.approx(published, abs=0.005)
    assert bool(got["matches"].iloc[0])


def test_published_check_covers_every_figure(published_check):
    assert len(published_check) == len(PUBLISHED_CASES)


def test_published_check_is_cut_at_as_of(demo_engine):
    """Before the reporting year ends the 2022 figures are not reached yet."""
    ctx = Context(engine=demo_engine, profile=PROFILE, as_of=date(2022, 6, 30))
    table = compute("arable_published_check", ctx)
    assert not table.loc[table["figure"] == "filed_2022", "matches"].any()


def test_published_check_is_empty_for_another_city(toy):
    table = compute("arable_published_check", toy)
    assert table.empty
    assert "matches" in table.columns


# ------------------------------------------------------------------------------------------------------------
# Jiangsu province:county split (seed 001)


@pytest.mark.parametrize(
    "new_mu, scale_mu, province_mu, county_mu",
    [
        (0.0, 100.0, 0.0, 0.0),
        (4.0, 100.0, 4.0, 0.0),
        (5.0, 100.0, 5.0, 0.0),  # 5%（含）以内: exactly 5% is all the province's
        (3.0, 60.0, 3.0, 0.0),  # 5% as an inexact float quotient
        (5.01, 100.0, 5.01 * 0.8, 5.01 * 0.2),  # just above 5%: 8:2
        (8.0, 100.0, 6.4, 1.6),
        (10.0, 100.0, 8.0, 2.0),  # exactly 10%: the "5%~10%" band (8:2)
        (10.01, 100.0, 10.01 * 0.6, 10.01 * 0.4),  # above 10%: 6:4
        (50.0, 100.0, 30.0, 20.0),
        (150.0, 100.0, 90.0, 60.0),  # a share beyond the last band uses the last band
    ],
)
def test_jiangsu_split_bands(new_mu, scale_mu, province_mu, county_mu):
    province, county = arable.jiangsu_split(new_mu, scale_mu, PROFILE)
    assert province == pytest.approx(province_mu)
    assert county == pytest.approx(county_mu)
    assert province + county == pytest.approx(new_mu)


@pytest.mark.parametrize("new_mu, scale_mu", [(1.0, 0.0), (1.0, -5.0), (-1.0, 100.0)])
def test_jiangsu_split_rejects_bad_input(new_mu, scale_mu):
    with pytest.raises(ValueError):
        arable.jiangsu_split(new_mu, scale_mu, PROFILE)


def test_jiangsu_split_reads_the_profile():
    bands = [{"max_share": 0.5, "province": 0.5}, {"max_share": 1.0, "province": 0.0}]
    profile = PROFILE.with_overrides({"jiangsu_split_bands": bands})
    assert arable.jiangsu_split(40.0, 100.0, profile) == pytest.approx((20.0, 20.0))
    assert arable.jiangsu_split(60.0, 100.0, profile) == pytest.approx((0.0, 60.0))


# ------------------------------------------------------------------------------------------------------------
# declarations ⇔ implementations ⇔ parameters


class RecordingProfile:
    """A profile that remembers which parameters a calculation read."""

    def __init__(self, profile):
        self.profile, self.read = profile, set()

    def __getitem__(self, key):
        self.read.add(key)
        return self.profile[key]

    def param(self, key):
        self.read.add(key)
        return self.profile.param(key)


def declared(mechanism):
    return {ind_id for ind_id, spec in registry().items() if spec.mechanism == mechanism}


def implemented(mechanism):
    return {ind_id for ind_id, f in FUNCTIONS.items() if f.__module__ == f"dashboard.indicators.{mechanism}"}


def test_every_arable_indicator_is_declared_and_implemented():
    assert declared("arable") == implemented("arable") == {
        "arable_balance", "arable_cover", "arable_shortfall_cost", "arable_published_check"}


@pytest.mark.parametrize("ind_id", sorted(declared("arable")))
def test_arable_declaration_complete(ind_id):
    spec = registry()[ind_id]
    for name in ("zh", "en", "unit", "formula_zh", "formula_en", "source"):
        assert getattr(spec, name).strip(), name
    assert "seed" in spec.source or "产品约定" in spec.source
    assert FUNCTIONS[ind_id].__doc__ and "Source" in FUNCTIONS[ind_id].__doc__
    for key in spec.params:
        PROFILE.param(key)  # raises when the profile lacks it


@pytest.mark.parametrize("ind_id", sorted(declared("arable")))
def test_arable_params_read_are_the_params_declared(demo_engine, ind_id):
    profile = RecordingProfile(PROFILE)
    FUNCTIONS[ind_id](Context(engine=demo_engine, profile=profile, as_of=AS_OF))
    assert profile.read == set(registry()[ind_id].params)
