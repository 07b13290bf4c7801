"""Regulation pools (指标调节池, seed 003 附件3): contributions and the ledger on the demo data, and the three
allocation simulators on toy pools whose answers are written out by hand.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from dashboard.engine import Engine
from dashboard.indicators import FUNCTIONS, Context, compute, load_modules, pools, registry
from dashboard.indicators.arable import INDICATORS, PREFECTURE_OWNER, pool_prices
from dashboard.policy import load_profile

AS_OF = date(2026, 9, 30)
PROFILE = load_profile()

load_modules()


@pytest.fixture()
def demo(demo_engine):
    return Context(engine=demo_engine, profile=PROFILE, as_of=AS_OF)


def positions(rows, indicator="cultivated", unit="mu"):
    """Pool positions from ``(owner, contributed, drawn[, use_ratio])`` tuples."""
    frame = pd.DataFrame(
        [{"owner": r[0], "indicator": indicator, "unit": unit, "contributed": float(r[1]), "drawn": float(r[2]),
          "use_ratio": r[3] if len(r) > 3 else np.nan} for r in rows]
    )
    frame["available"] = frame["contributed"] - frame["drawn"]
    return frame[["owner", "indicator", "unit", "contributed", "drawn", "available", "use_ratio"]]


def drawn(allocation):
    """``[(source_owner, quantity), ...]`` in draw order, quantities rounded to 0.01."""
    return [(o, round(q, 2)) for o, q in zip(allocation.draws["source_owner"], allocation.draws["quantity"])]


# ------------------------------------------------------------------------------------------------------------
# arable pool simulator (第十一条, 第十四条)

#: Applicant A has 10 of its own in the pool; the prefecture holds 20; B has pooled 50 (30 left) and C 40 (all
#: left).  B comes before C because it has had more pooled, although C has more left.
ARABLE_TOY = positions([("A", 10, 0), (PREFECTURE_OWNER, 50, 30), ("B", 50, 20), ("C", 40, 0), ("D", 0, 15)])
PRICES = {"cultivated": 20.0, "paddy": 15.0, "grain": 18.0}


@pytest.mark.parametrize(
    "need, expected, cost, unmet",
    [
        (5, [("A", 5)], 0.0, 0.0),  # own indicators first, free
        (25, [("A", 10), (PREFECTURE_OWNER, 15)], 15 * 20.0, 0.0),
        (60, [("A", 10), (PREFECTURE_OWNER, 20), ("B", 30)], 50 * 20.0, 0.0),
        (100, [("A", 10), (PREFECTURE_OWNER, 20), ("B", 30), ("C", 40)], 90 * 20.0, 0.0),
        (120, [("A", 10), (PREFECTURE_OWNER, 20), ("B", 30), ("C", 40)], 90 * 20.0, 20.0),  # D is overdrawn
    ],
)
def test_arable_allocation_order_by_hand(need, expected, cost, unmet):
    got = pools.allocate_arable_pool(ARABLE_TOY, "A", {"cultivated_mu": need}, PRICES, PROFILE)
    assert got.eligible
    assert drawn(got) == expected
    assert got.cost_wan == pytest.approx(cost)
    assert got.unmet["cultivated_mu"] == pytest.approx(unmet)
    assert ("pool_insufficient" in got.reasons) == (unmet > 0)


def test_arable_allocation_payees_and_prices():
    got = pools.allocate_arable_pool(ARABLE_TOY, "A", {"cultivated_mu": 60}, PRICES, PROFILE)
    draws = got.draws.set_index("source_owner")
    assert draws.loc["A", "unit_price"] == 0.0 and pd.isna(draws.loc["A", "payee"])
    assert draws.loc[PREFECTURE_OWNER, "payee"] == "prefecture"  # 缴入州级财政
    assert draws.loc["B", "payee"] == "B"  # 缴入县级财政 of the owner
    assert draws.loc["B", "cost_wan"] == pytest.approx(30 * 20.0)


def test_arable_allocation_ledger_after():
    got = pools.allocate_arable_pool(ARABLE_TOY, "A", {"cultivated_mu": 60}, PRICES, PROFILE)
    after = got.ledger.set_index("owner")
    assert after.loc["A", "available"] == pytest.approx(0.0)
    assert after.loc[PREFECTURE_OWNER, "available"] == pytest.approx(0.0)
    assert after.loc["B", "available"] == pytest.approx(0.0)
    assert after.loc["C", "available"] == pytest.approx(40.0)
    assert after.loc["B", "drawn"] == pytest.approx(50.0)
    assert ARABLE_TOY.loc[ARABLE_TOY["owner"] == "A", "available"].iloc[0] == 10.0  # input untouched


def test_arable_allocation_grain_is_priced_per_kg():
    toy = positions([("A", 0, 0), (PREFECTURE_OWNER, 100000, 0)], indicator="grain", unit="kg")
    got = pools.allocate_arable_pool(toy, "A", {"grain_kg": 50000}, PRICES, PROFILE)
    assert drawn(got) == [(PREFECTURE_OWNER, 50000.0)]
    assert got.cost_wan == pytest.approx(50000 * 18.0 / 10000)  # 元/公斤 → 万元


def test_arable_allocation_indicators_are_separate():
    toy = pd.concat([ARABLE_TOY, positions([("A", 0, 0), ("B", 8, 0)], indicator="paddy")], ignore_index=True)
    got = pools.allocate_arable_pool(toy, "A", {"cultivated_mu": 5, "paddy_mu": 10}, PRICES, PROFILE)
    assert list(zip(got.draws["indicator"], got.draws["source_owner"], got.draws["quantity"])) == [
        ("cultivated", "A", 5.0), ("paddy", "B", 8.0)]
    assert got.unmet == {"cultivated_mu": 0.0, "paddy_mu": pytest.approx(2.0), "grain_kg": 0.0}


@pytest.mark.parametrize("level, eligible", [("national", True), ("provincial", True), ("five_plus_three", True),
                                             ("prefecture", True), ("county", False), (None, True)])
def test_arable_allocation_project_levels(level, eligible):
    got = pools.allocate_arable_pool(ARABLE_TOY, "A", {"cultivated_mu": 5}, PRICES, PROFILE, project_level=level)
    assert got.eligible == eligible
    if not eligible:
        assert got.reasons == ("project_level_ineligible",)
        assert got.draws.empty
        assert got.unmet["cultivated_mu"] == 5.0
        pd.testing.assert_frame_equal(got.ledger, ARABLE_TOY)


@pytest.mark.parametrize("applicant", ["A", "B", "C", "X"])
@pytest.mark.parametrize("need", [0.0, 7.5, 33.0, 95.0, 500.0])
def test_arable_allocation_invariants(applicant, need):
    got = pools.allocate_arable_pool(ARABLE_TOY, applicant, {"cultivated_mu": need}, PRICES, PROFILE)
    before = ARABLE_TOY.set_index("owner")["available"].clip(lower=0)
    taken = got.draws.groupby("source_owner")["quantity"].sum()
    assert all(taken[o] <= before[o] + 1e-9 for o in taken.index)  # never beyond what an owner has
    assert got.draws["quantity"].sum() + got.unmet["cultivated_mu"] == pytest.approx(need)
    order = pools.arable_draw_order(ARABLE_TOY, applicant, "cultivated")
    assert list(got.draws["source_owner"]) == [o for o in order if o in set(taken.index)]
    # an owner further down is only touched once everyone before it is exhausted
    for owner in list(got.draws["source_owner"])[:-1]:
        assert taken[owner] == pytest.approx(before[owner])
    assert (got.ledger["available"] >= ARABLE_TOY["available"].clip(upper=0) - 1e-9).all()


def test_arable_draw_order():
    assert pools.arable_draw_order(ARABLE_TOY, "C", "cultivated") == ["C", PREFECTURE_OWNER, "B", "A", "D"]


def test_arable_allocation_on_demo(demo):
    """元江 (530428) short on 水田: its own pooled paddy first, then the prefecture's reserve."""
    ledger = compute("pool_ledger", demo)
    arable_pool = pools.pool_positions(ledger, "arable")
    prices = pool_prices(demo).set_index("indicator")["unit_price"].to_dict()
    own = arable_pool[(arable_pool["owner"] == "530428") & (arable_pool["indicator"] == "paddy")]["available"].iloc[0]
    got = pools.allocate_arable_pool(arable_pool, "530428", {"paddy_mu": own + 100}, prices, PROFILE)
    assert drawn(got) == [("530428", round(own, 2)), (PREFECTURE_OWNER, 100.0)]
    assert got.cost_wan == pytest.approx(100 * prices["paddy"])


# ------------------------------------------------------------------------------------------------------------
# quota pool simulator (第十六条–第二十条)

#: 2026 quotas (own quota = 80% after the 20% pool share) and the 2025 stock-disposal task.
QUOTAS = pd.DataFrame(
    [
        # county, year, quota, used, stock task, stock disposed
        ("A", 2026, 100.0, 80.0, 0.0, 0.0),  # own 80 used up
        ("A", 2025, 100.0, 90.0, 10.0, 12.0),  # task done
        ("B", 2026, 100.0, 79.0, 0.0, 0.0),  # 1 亩 of its own left
        ("B", 2025, 100.0, 90.0, 10.0, 10.0),  # done exactly
        ("C", 2026, 50.0, 50.0, 0.0, 0.0),
        ("C", 2025, 50.0, 50.0, 10.0, 5.0),  # task missed
        ("D", 2026, 50.0, 45.0, 0.0, 0.0),  # no 2025 row
    ],
    columns=["county_code", "year", "quota_mu", "used_mu", "stock_task_mu", "stock_disposed_mu"],
)
QUOTA_POOL = positions([("A", 20, 0), ("B", 20, 0), ("C", 10, 0), ("D", 10, 0)], indicator="quota")


@pytest.mark.parametrize(
    "county, reasons",
    [
        ("A", ()),
        ("B", ("own_quota_not_used_up",)),
        ("C", ("stock_task_incomplete",)),
        ("D", ("no_stock_task_record",)),
        ("E", ("no_quota_record", "no_stock_task_record")),
    ],
)
def test_quota_eligibility_by_hand(county, reasons):
    assert pools.quota_pool_eligibility(QUOTAS, county, 2026, PROFILE) == reasons


def test_quota_allocation_is_pro_rata_by_hand():
    got = pools.allocate_quota_pool(QUOTAS, QUOTA_POOL, "A", 30, 2026, PROFILE)
    assert got.eligible and got.reasons == ()
    assert drawn(got) == [("A", 10.0), ("B", 10.0), ("C", 5.0), ("D", 5.0)]
    assert got.unmet == {"quota_mu": 0.0}
    assert got.ledger["available"].sum() == pytest.approx(60 - 30)


def test_quota_allocation_takes_what_there_is():
    got = pools.allocate_quota_pool(QUOTAS, QUOTA_POOL, "A", 100, 2026, PROFILE)
    assert got.draws["quantity"].sum() == pytest.approx(60.0)
    assert got.unmet == {"quota_mu": pytest.approx(40.0)}
    assert got.reasons == ("pool_insufficient",)
    assert (got.ledger["available"] >= -1e-9).all()


@pytest.mark.parametrize(
    "county, kwargs, reasons",
    [
        ("C", {}, ("stock_task_incomplete",)),
        ("A", {"project_level": "provincial"}, ("project_level_ineligible",)),  # gets quota from the province
        ("A", {"project_level": "prefecture"}, ()),
        ("A", {"negative_list": {"A"}}, ("negative_list",)),
        ("B", {"negative_list": ["B"]}, ("own_quota_not_used_up", "negative_list")),
    ],
)
def test_quota_allocation_refusals(county, kwargs, reasons):
    got = pools.allocate_quota_pool(QUOTAS, QUOTA_POOL, county, 10, 2026, PROFILE, **kwargs)
    assert got.reasons == reasons
    assert got.eligible == (not reasons)
    if reasons:
        assert got.draws.empty
        pd.testing.assert_frame_equal(got.ledger, QUOTA_POOL)


def test_quota_eligibility_on_demo(demo):
    """The demo's 2026 design: 红塔, 江川, 澄江 may draw; 通海 used its quota but missed its 2025 task."""
    table = compute("pool_quota_contributions", demo)
    counties = table[table["level"] == "county"].set_index("region_code")
    assert set(counties.index[counties["may_draw"].astype(bool)]) == {"530402", "530403", "530481"}
    assert counties.loc["530423", "reasons"] == "stock_task_incomplete"
    assert np.allclose(counties["pooled_mu"], PROFILE["pool_quota_share"] * counties["quota_mu"])
    city = table[table["level"] == "city"].iloc[0]
    assert city["quota_mu"] == pytest.approx(counties["quota_mu"].sum())
    assert city["may_draw"] is None


# ------------------------------------------------------------------------------------------------------------
# boundary pool simulator (第五条, 第六条)

#: Applicant X has the most left but never gives to itself.  D1 has a lot left but uses 90% of its scale;
#: D2–D4 have less left and use little.
BOUNDARY_TOY = positions(
    [("X", 500, 0, 0.05), ("D1", 100, 0, 0.9), ("D2", 60, 0, 0.2), ("D3", 50, 0, 0.3), ("D4", 30, 0, 0.1)],
    indicator="ubg_scale",
)


@pytest.mark.parametrize(
    "need, expected",
    [
        (25, [("D4", 25)]),  # every county could give it alone: the one using least of its scale
        (55, [("D2", 55)]),  # D1 or D2 alone; D2 uses less
        (80, [("D1", 80)]),  # only D1 can cover it alone: one county beats two
        (105, [("D2", 60), ("D3", 45)]),  # two needed; D2+D3 avoids the busy D1; lowest use ratio gives first
        (120, [("D2", 60), ("D1", 60)]),  # every covering pair includes D1; then the pair with most left
        # Three needed; every covering triple includes D1, so the one with most left, which spares D1 most.
        (170, [("D2", 60), ("D3", 50), ("D1", 60)]),
    ],
)
def test_boundary_allocation_by_hand(need, expected):
    got = pools.allocate_boundary_pool(BOUNDARY_TOY, "X", need, PROFILE)
    assert drawn(got) == expected
    assert got.unmet == {"ubg_scale_mu": 0.0}
    assert got.eligible and got.reasons == ()


def test_boundary_allocation_insufficient_takes_everyone():
    got = pools.allocate_boundary_pool(BOUNDARY_TOY, "X", 300, PROFILE)
    assert drawn(got) == [("D4", 30), ("D2", 60), ("D3", 50), ("D1", 100)]
    assert got.unmet == {"ubg_scale_mu": pytest.approx(60.0)}
    assert got.reasons == ("pool_insufficient",)


@pytest.mark.parametrize("need", [1.0, 30.0, 31.0, 90.0, 160.0, 161.0, 239.0, 240.0])
def test_boundary_allocation_uses_as_few_counties_as_possible(need):
    got = pools.allocate_boundary_pool(BOUNDARY_TOY, "X", need, PROFILE)
    donors = BOUNDARY_TOY[BOUNDARY_TOY["owner"] != "X"]["available"].sort_values(ascending=False)
    fewest = int(np.searchsorted(np.cumsum(donors), need)) + 1
    assert len(got.draws) == fewest
    assert got.draws["quantity"].sum() == pytest.approx(need)
    before = BOUNDARY_TOY.set_index("owner")["available"]
    assert all(q <= before[o] + 1e-9 for o, q in zip(got.draws["source_owner"], got.draws["quantity"]))
    assert "X" not in set(got.draws["source_owner"])


@pytest.mark.parametrize("level, eligible", [("national", True), ("provincial", True), ("prefecture", True),
                                             ("county", False)])
def test_boundary_allocation_project_levels(level, eligible):
    got = pools.allocate_boundary_pool(BOUNDARY_TOY, "X", 10, PROFILE, project_level=level)
    assert got.eligible == eligible
    assert got.draws.empty != eligible


def test_boundary_allocation_on_demo(demo):
    """The demo's remote counties (华宁, 峨山, 元江) use little of their scale: the pool takes from them."""
    boundary = pools.pool_positions(compute("pool_ledger", demo), "boundary")
    got = pools.allocate_boundary_pool(boundary, "530402", 2000, PROFILE)
    assert drawn(got) == [("530424", 2000.0)]


# ------------------------------------------------------------------------------------------------------------
# contributions and the ledger on the demo data


def test_arable_contributions_on_demo(demo):
    table = compute("pool_arable_contributions", demo)
    assert sorted(table["year"].unique()) == list(range(PROFILE["pool_arable_start_year"], AS_OF.year + 1))
    assert np.allclose(table["due"], PROFILE["pool_arable_share"] * table["filed"])
    assert np.allclose(table["outstanding"], table["due"] - table["pooled"])
    counties = table[table["level"] == "county"].groupby(["year", "indicator"])[["filed", "pooled"]].sum()
    city = table[table["level"] == "city"].set_index(["year", "indicator"])[["filed", "pooled"]]
    assert np.allclose(city.loc[counties.index], counties)


def test_arable_contributions_count_only_pooling_that_keeps_ownership(demo):
    """Pre-2019 transfers to the city reserve (owner ``pool``) are not the 10% share."""
    ctx = Context(engine=demo.engine, profile=PROFILE.with_overrides({"pool_arable_start_year": 2016}), as_of=AS_OF)
    table = compute("pool_arable_contributions", ctx)
    city = table[(table["level"] == "city") & (table["indicator"] == "cultivated")].set_index("year")
    assert city.loc[[2017, 2018], "pooled"].sum() == 0.0


def test_boundary_contributions_on_demo(demo):
    table = compute("pool_boundary_contributions", demo)
    assert (table["pooled_mu"] >= 0).all()
    city = table[table["level"] == "city"].iloc[0]
    counties = table[table["level"] == "county"]
    assert city["pooled_mu"] == pytest.approx(counties["pooled_mu"].sum())
    assert city["use_ratio"] == pytest.approx(counties["ubg_used_mu"].sum() / counties["ubg_scale_mu"].sum())


def test_boundary_contributions_only_closed_years(tmp_path):
    """Unused 2021–2025 scale rolls in (negative years count as 0); 2026 is not over; 2020 is before 十四五."""
    pd.DataFrame({"code": ["990000", "990001"], "name": ["样例市", "甲县"], "level": ["city", "county"]}).to_parquet(
        tmp_path / "regions.parquet")
    pd.DataFrame(
        {"county_code": ["990001"] * 4, "year": [2020, 2024, 2025, 2026], "quota_mu": [100.0] * 4,
         "used_mu": [0.0] * 4, "stock_task_mu": [0.0] * 4, "stock_disposed_mu": [0.0] * 4,
         "ubg_scale_mu": [100.0, 100.0, 100.0, 100.0], "ubg_used_mu": [0.0, 40.0, 120.0, 0.0]}
    ).to_parquet(tmp_path / "plan_quotas.parquet")
    ctx = Context(engine=Engine.from_dir(tmp_path), profile=PROFILE, as_of=AS_OF)
    county = compute("pool_boundary_contributions", ctx).set_index("region_code").loc["990001"]
    assert county["pooled_mu"] == pytest.approx(60.0)
    assert county["use_ratio"] == pytest.approx(160.0 / 200.0)


def test_pool_ledger_on_demo(demo):
    table = compute("pool_ledger", demo)
    assert set(table["pool"]) == set(pools.POOLS)
    assert np.allclose(table["available"], table["contributed"] - table["drawn"])
    for (pool, ind), block in table.groupby(["pool", "indicator"]):
        assert block.iloc[0]["level"] == "city", (pool, ind)
        owners = block[block["level"] != "city"]
        for col in ("contributed", "drawn", "available"):
            assert block.iloc[0][col] == pytest.approx(owners[col].sum()), (pool, ind, col)
    ledger = demo.engine.to_pandas("arable_ledger")
    reserve = table[(table["pool"] == "arable") & (table["owner"] == PREFECTURE_OWNER)].set_index("indicator")
    for ind, (column, _) in INDICATORS.items():
        moves = ledger[ledger["owner"] == PREFECTURE_OWNER].groupby("kind")[column].sum()
        assert reserve.loc[ind, "contributed"] == pytest.approx(moves["pooled_in"])
        assert reserve.loc[ind, "drawn"] == pytest.approx(moves["pooled_out"])
    quota = table[(table["pool"] == "quota") & (table["level"] == "city")].iloc[0]
    assert quota["contributed"] == pytest.approx(compute("pool_quota_contributions", demo)["pooled_mu"].iloc[0])


def test_pool_ledger_region_filter(demo_engine):
    table = compute("pool_ledger", Context(engine=demo_engine, profile=PROFILE, as_of=AS_OF, region="530424"))
    assert set(table["region_code"]) == {"530424"}
    assert set(table["pool"]) == set(pools.POOLS)


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


def declared():
    return {ind_id for ind_id, spec in registry().items() if spec.mechanism == "pools"}


def test_every_pool_indicator_is_declared_and_implemented():
    implemented = {ind_id for ind_id, f in FUNCTIONS.items() if f.__module__ == "dashboard.indicators.pools"}
    assert declared() == implemented == {
        "pool_arable_contributions", "pool_quota_contributions", "pool_boundary_contributions", "pool_ledger"}


@pytest.mark.parametrize("ind_id", sorted(declared()))
def test_pool_declaration_complete(ind_id):
    spec = registry()[ind_id]
    for name in ("zh", "en", "unit", "formula_zh", "formula_en", "source"):
        assert getattr(spec, name).strip(), name
    assert "seed 003" in spec.source
    assert FUNCTIONS[ind_id].__doc__ and "Source" in FUNCTIONS[ind_id].__doc__
    for key in spec.params:
        PROFILE.param(key)


@pytest.mark.parametrize("ind_id", sorted(declared()))
def test_pool_params_read_are_the_params_declared(demo_engine, ind_id):
    profile = RecordingProfile(PROFILE)
    FUNCTIONS[ind_id](Context(engine=demo_engine, profile=profile, as_of=AS_OF))
    assert profile.read == set(registry()[ind_id].params)


def test_simulator_profile_params_exist():
    for key in ("pool_arable_eligible_levels", "pool_quota_eligible_levels", "pool_boundary_eligible_levels"):
        assert isinstance(PROFILE[key], list) and PROFILE.param(key).source.startswith("seed 003")
