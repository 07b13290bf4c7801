"""The demo's project links (``projects.approval_id``, ledger entries named after projects): present where the
stage says the land is approved, same county, each approval once, and enough of them for the chain to show
every hop; the published 2019–2022 ledger figures are untouched (only entries from 2023 on are renamed)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.demo import DEMO_DIR
from dashboard.views import projects as view
from dashboard.views.stock_land import parcel_chain

AS_OF = date(2026, 9, 30)


@pytest.fixture(scope="module")
def demo():
    return {name: pd.read_parquet(DEMO_DIR / f"{name}.parquet")
            for name in ("projects", "approvals", "supplies", "idle_land", "arable_ledger")}


def test_approval_ids_follow_the_stage(demo):
    p, a = demo["projects"], demo["approvals"].set_index("approval_id")
    approved = p["stage"].isin(["approval", "supply", "started"])
    assert p.loc[approved, "approval_id"].notna().all()
    assert p.loc[~approved, "approval_id"].isna().all()
    linked = p[approved]
    assert linked["approval_id"].is_unique
    assert (a.loc[linked["approval_id"], "county_code"].to_numpy() == linked["county_code"].to_numpy()).all()


def test_supplied_projects_have_supplies_and_some_chains_reach_idle_land(demo):
    p, s, idle = demo["projects"], demo["supplies"], demo["idle_land"]
    supplied = p[p["stage"].isin(["supply", "started"])]
    assert supplied["approval_id"].isin(s["approval_id"]).all()
    with_idle = set(s.loc[s["supply_id"].isin(idle["supply_id"]), "approval_id"])
    assert supplied["approval_id"].isin(with_idle).sum() >= 3


def test_ledger_entries_named_after_projects(demo):
    ledger, p = demo["arable_ledger"], demo["projects"]
    named = ledger[ledger["project_name"].isin(p["name"])]
    assert len(named) >= 10 and (named["kind"] == "occupied").all()
    assert (pd.to_datetime(named["date"]) >= pd.Timestamp("2023-01-01")).all()
    county = p.set_index("name")["county_code"]
    assert (named["county_code"].to_numpy() == county.loc[named["project_name"]].to_numpy()).all()


def test_a_demo_chain_reaches_every_hop(demo):
    p = demo["projects"]
    cases = demo["idle_land"].assign(disposed=lambda f: f["status"] == "disposed")
    reached = 0
    for project_id in p.loc[p["stage"] == "supply", "project_id"]:
        chain = view.project_chain(project_id, p, AS_OF, demo["approvals"], demo["supplies"], cases=cases,
                                   ledger=demo["arable_ledger"])
        assert chain.approval is not None
        reached += bool(len(chain.approval.supplies) and len(chain.approval.cases) and len(chain.ledger))
    assert reached >= 1
    # The approval part is stock_land's chain, unchanged.
    first = p.dropna(subset=["approval_id"]).iloc[0]
    own = view.project_chain(first["project_id"], p, AS_OF, demo["approvals"], demo["supplies"]).approval
    assert own.approval == parcel_chain(first["approval_id"], demo["approvals"], demo["supplies"], AS_OF).approval
