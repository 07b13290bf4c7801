"""Key-project indicators: counts per stage, and per-project deadlines in Chinese working days with the
"silence counts as consent" rule (seed 003: 10个工作日内反馈……逾期未反馈意见的视为同意).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.engine import Engine
from dashboard.indicators import FUNCTIONS, Context, compute, load_modules, registry
from dashboard.indicators.projects import stages
from dashboard.policy import load_profile
from dashboard.workdays import add_working_days, is_working_day

AS_OF = date(2026, 9, 30)
CITY = "530400"


# -- projects_by_stage ---------------------------------------------------------------------------------------


def test_stages_follow_the_contract_order():
    assert stages() == ("site", "pre_review", "approval", "supply", "started")


def test_by_stage_counts_and_sums(demo_ctx, demo_engine):
    frame = compute("projects_by_stage", demo_ctx)
    listed = demo_engine.to_pandas("projects")
    city = frame[frame["region_code"] == CITY].set_index("stage")
    assert list(city.index) == list(stages())
    assert city["project_count"].to_dict() == listed["stage"].value_counts().reindex(stages(), fill_value=0).to_dict()
    assert city["area_mu"].sum() == pytest.approx(listed["area_mu"].sum())
    counties = frame[frame["level"] == "county"].groupby("stage")[["project_count", "area_mu"]].sum()
    assert counties["project_count"].to_dict() == city["project_count"].to_dict()
    assert counties["area_mu"].reindex(city.index).to_numpy() == pytest.approx(city["area_mu"].to_numpy())
    assert frame.groupby("region_code").size().eq(len(stages())).all()
    assert frame.iloc[0]["level"] == "city"


def test_by_stage_region_filter(demo_engine):
    ctx = Context(engine=demo_engine, profile=load_profile(), as_of=AS_OF, region="530402")
    frame = compute("projects_by_stage", ctx)
    assert set(frame["region_code"]) == {"530402"} and len(frame) == len(stages())


# -- project_tracking: a hand-made list around National Day 2025 ----------------------------------------------


@pytest.fixture()
def hand_ctx(tmp_path):
    pd.DataFrame(
        {"code": ["530400", "530402", "530403"], "name": ["市", "甲", "乙"], "level": ["city", "county", "county"]}
    ).to_parquet(tmp_path / "regions.parquet")
    day = pd.Timestamp
    pd.DataFrame(
        {
            "project_id": ["P1", "P2", "P3", "P4", "P5", "P6"],
            "name": ["一", "二", "三", "四", "五", "六"],
            "county_code": ["530402", "530402", "530403", "530403", "530403", "530402"],
            "level": ["provincial"] * 6,
            "stage": ["site", "pre_review", "approval", "site", "started", "site"],
            "stage_date": [day("2025-09-01"), day("2025-09-01"), day("2025-09-01"), day("2025-10-01"),
                           day("2025-06-01"), day("2025-11-01")],
            "area_mu": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
            "issue": ["涉及永久基本农田", "林地定额不足", "环评未批复", "压覆矿未评估", "", "节地评价"],
            "issue_status": ["collected", "consulting", "resolved", "collected", None, "collected"],
            "submitted_date": [day("2025-09-26"), day("2025-09-26"), day("2025-09-26"), day("2025-10-10"),
                               day("2025-05-01"), day("2025-10-20")],
        }
    ).to_parquet(tmp_path / "projects.parquet")
    return Context(engine=Engine.from_dir(tmp_path), profile=load_profile(), as_of=date(2025, 10, 20))


@pytest.fixture()
def tracked(hand_ctx):
    return compute("project_tracking", hand_ctx).set_index("project_id")


@pytest.mark.parametrize(
    ("project", "due", "overdue", "consent"),
    [
        # Submitted Fri 26 Sep 2025 → due Thu 16 Oct (see test_workdays); by Mon 20 Oct, Fri 17 and Mon 20 have
        # passed: 2 working days overdue.  Still only collected (no reply) → deemed consent.
        ("P1", date(2025, 10, 16), 2, True),
        # The same deadline, but departments replied and the issue is in consultation: overdue, no consent.
        ("P2", date(2025, 10, 16), 2, False),
        # Resolved: never overdue.
        ("P3", date(2025, 10, 16), 0, False),
        # Submitted Fri 10 Oct: Sat 11 Oct is a make-up working day (1), 13–17 (2–6), 20–23 (7–10) → due Thu 23
        # Oct, after the data date: not overdue, no consent yet.
        ("P4", date(2025, 10, 23), 0, False),
    ],
)
def test_tracking_deadlines(tracked, project, due, overdue, consent):
    row = tracked.loc[project]
    assert row["due_date"] == pd.Timestamp(due)
    assert row["overdue_working_days"] == overdue
    assert bool(row["deemed_consent"]) is consent


def test_tracking_without_issue_and_after_the_data_date(tracked):
    assert pd.isna(tracked.loc["P5", "due_date"]) and pd.isna(tracked.loc["P5", "overdue_working_days"])
    assert not tracked.loc["P5", "deemed_consent"]
    assert "P6" not in tracked.index  # entered its stage after the data date
    assert tracked.loc["P1", "days_in_stage"] == (date(2025, 10, 20) - date(2025, 9, 1)).days
    assert tracked.loc["P1", "region_name"] == "甲" and tracked.loc["P1", "project_level"] == "provincial"


def test_tracking_limit_is_a_policy_parameter(hand_ctx):
    profile = load_profile().with_overrides({"consultation_working_days": 5})
    frame = compute("project_tracking", Context(engine=hand_ctx.engine, profile=profile, as_of=hand_ctx.as_of))
    # Fri 26 Sep + 5 working days: Sun 28 (make-up), 29, 30, Thu 9 Oct, Fri 10 Oct.
    assert frame.set_index("project_id").loc["P1", "due_date"] == pd.Timestamp("2025-10-10")


# -- project_tracking on the demo ----------------------------------------------------------------------------


def test_demo_tracking_is_consistent(demo_ctx, demo_engine):
    frame = compute("project_tracking", demo_ctx)
    listed = demo_engine.to_pandas("projects").set_index("project_id")
    assert len(frame) == len(listed)
    with_issue = frame[frame["issue_status"].notna()]
    limit = load_profile()["consultation_working_days"]
    for _, row in with_issue.iterrows():
        assert row["due_date"].date() == add_working_days(row["submitted_date"].date(), limit)
    # The demo's own due dates agree for every project, weekend submissions included (the generator counts
    # working days with dashboard.workdays too: the submission day is not counted).
    assert any(not is_working_day(d.date()) for d in with_issue["submitted_date"])  # the weekend case is covered
    ledger_due = listed.loc[with_issue["project_id"], "due_date"].to_numpy()
    assert (with_issue["due_date"].to_numpy() == ledger_due).all()
    past_due = frame["due_date"] < pd.Timestamp(AS_OF)
    assert (frame["deemed_consent"] == (past_due & (frame["issue_status"] == "collected"))).all()
    overdue = frame["overdue_working_days"].fillna(0) > 0
    assert (overdue == (past_due & frame["issue_status"].isin(["collected", "consulting"]))).all()
    assert (frame["days_in_stage"] >= 0).all()


def test_demo_tracking_region_filter(demo_engine):
    ctx = Context(engine=demo_engine, profile=load_profile(), as_of=AS_OF, region="530427")
    frame = compute("project_tracking", ctx)
    assert len(frame) > 0 and set(frame["region_code"]) == {"530427"}


# -- declarations ------------------------------------------------------------------------------------------


def test_declared_and_registered_match():
    load_modules()
    declared = {i for i, spec in registry().items() if spec.mechanism == "projects"}
    registered = {i for i, f in FUNCTIONS.items() if f.__module__ == "dashboard.indicators.projects"}
    assert declared == registered == {"projects_by_stage", "project_tracking"}
    for ind_id in declared:
        assert FUNCTIONS[ind_id].__doc__ and "Source" in FUNCTIONS[ind_id].__doc__
        for key in registry()[ind_id].params:
            load_profile().param(key)
