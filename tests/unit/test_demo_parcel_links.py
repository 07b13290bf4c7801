"""The demo's park-parcel links (``park_parcels.supply_id``, 供地编号): each names an existing supply of the park's
county, on industrial land, dated near the parcel's own supply date, with the parcels on a supply never larger in
total than it; and with them some approval chains 批 → 供 → 用 reach a graded enterprise."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.demo import DEMO_DIR
from dashboard.demo.ledgers import PARCEL_LINK_DAYS, PARCELS_PER_SUPPLY
from dashboard.indicators import Context, compute
from dashboard.policy import load_profile
from dashboard.views.stock_land import parcel_chain

AS_OF = date(2026, 9, 30)


@pytest.fixture(scope="module")
def demo():
    return {name: pd.read_parquet(DEMO_DIR / f"{name}.parquet")
            for name in ("park_parcels", "parks", "approvals", "supplies", "idle_land")}


@pytest.fixture(scope="module")
def linked(demo):
    """Latest year of each parcel that carries a supply id, beside its supply's record (suffix ``_s``)."""
    pp = demo["park_parcels"].sort_values("year").drop_duplicates("parcel_id", keep="last")
    pp = pp.merge(demo["parks"][["park_id", "county_code"]], on="park_id")
    return pp.dropna(subset=["supply_id"]).merge(demo["supplies"], on="supply_id", how="left", suffixes=("", "_s"))


def test_every_link_names_a_supply_of_the_parks_county_near_the_parcels_date(demo, linked):
    assert len(linked) >= 50
    assert linked["approval_id"].notna().all()  # the supply exists
    assert (linked["county_code"] == linked["county_code_s"]).all()
    assert (linked["land_use_s"] == "工业用地").all()
    gap = (pd.to_datetime(linked["supply_date"]) - pd.to_datetime(linked["supply_date_s"])).dt.days.abs()
    assert (gap <= PARCEL_LINK_DAYS).all()
    approved = linked["approval_id"].map(demo["approvals"].set_index("approval_id")["approval_date"])
    assert (pd.to_datetime(approved) <= pd.to_datetime(linked["supply_date"])).all()


def test_a_parcel_keeps_one_supply_id_across_years(demo):
    ids = demo["park_parcels"].groupby("parcel_id")["supply_id"].nunique(dropna=False)
    assert (ids == 1).all()


def test_parcels_on_a_supply_fit_in_it(demo, linked):
    idle = demo["idle_land"]
    idle_only = idle[idle["parcel_id"].isna()].groupby("supply_id")["area_mu"].sum()
    per_supply = linked.groupby("supply_id").agg(n=("parcel_id", "size"), mu=("area_mu", "sum"),
                                                 supplied=("area_mu_s", "first"))
    room = per_supply["supplied"] - per_supply.index.map(idle_only).fillna(0.0)
    assert (per_supply["mu"] <= room + 1e-6).all()
    assert (per_supply["n"] <= PARCELS_PER_SUPPLY).all() and (per_supply["n"] > 1).any()


def test_idle_cases_and_links_agree(demo, linked):
    idle = demo["idle_land"]
    by_parcel = linked.set_index("parcel_id")["supply_id"]
    both = idle.dropna(subset=["parcel_id", "supply_id"])
    both = both[both["parcel_id"].isin(by_parcel.index)]
    assert (by_parcel.loc[both["parcel_id"]].to_numpy() == both["supply_id"].to_numpy()).all()
    # Idle parcels (the parcel-based cases) mostly reach a supply, so their approval's chain reaches the case.
    named = set(idle["parcel_id"].dropna())
    assert len(named & set(by_parcel.index)) >= len(named) // 2


def test_some_approval_chains_reach_a_graded_enterprise(demo, demo_engine, linked):
    ctx = Context(engine=demo_engine, profile=load_profile(), as_of=AS_OF)
    grades = compute("enterprise_grades", ctx)
    cases = compute("idle_cases", ctx)
    approval_ids = linked["approval_id"].drop_duplicates()
    reached, with_case = 0, 0
    for approval_id in approval_ids:
        chain = parcel_chain(approval_id, demo["approvals"], demo["supplies"], AS_OF, demo["park_parcels"],
                             demo["parks"], grades, cases)
        assert chain.parcel_link == "supply_id"
        assert set(chain.parcels["supply_id"]) <= set(chain.supplies["supply_id"])
        reached += bool(chain.parcels["grade"].notna().any())
        with_case += bool(chain.cases["parcel_id"].notna().any())
    assert reached == len(approval_ids) >= 10
    assert with_case >= 1  # an idle parcel's case, reached through its supply
