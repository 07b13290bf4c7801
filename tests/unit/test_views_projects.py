"""项目清单 panel logic: due dates across National Day 2026 (Mid-Autumn on Fri 25 Sep, make-up working days on
Sun 20 Sep and Sat 10 Oct), overdue replies and deemed consent (seed 003: 10个工作日内反馈……逾期未反馈意见的
视为同意), the issue loop's current status, the list and chart frames, and the chain from a project.

Hand-made frames throughout; the deadlines come from the ``project_tracking`` indicator over a hand-made list,
so the whole path indicator → view is checked with numbers counted by hand on the 2026 calendar.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard import issue_loop
from dashboard.engine import Engine
from dashboard.indicators import Context, compute
from dashboard.policy import load_profile
from dashboard.views import projects as view

AS_OF = date(2026, 10, 20)  # a Tuesday
D = pd.Timestamp


@pytest.fixture(scope="module")
def tracking(tmp_path_factory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("projects")
    pd.DataFrame(
        {"code": ["530400", "530402", "530403"], "name": ["市", "甲县", "乙县"], "level": ["city", "county", "county"]}
    ).to_parquet(folder / "regions.parquet")
    pd.DataFrame(
        {
            "project_id": ["A", "B", "C", "D", "E", "F"],
            "name": ["项目甲", "项目乙", "项目丙", "项目丁", "项目戊", "项目己"],
            "county_code": ["530402", "530402", "530403", "530403", "530402", "530403"],
            "level": ["provincial", "county", "provincial", "national", "county", "provincial"],
            "stage": ["site", "pre_review", "approval", "started", "site", "supply"],
            "stage_date": [D("2026-09-01"), D("2026-08-01"), D("2026-07-01"), D("2026-05-01"), D("2026-10-01"),
                           D("2026-09-15")],
            "area_mu": [100.0, 50.5, 20.25, 300.0, 10.0, 40.0],
            "cultivated_mu": [10.0, 5.0, 0.0, 30.0, 1.5, 4.0],
            "issue": ["涉及永久基本农田", "林地定额不足", "环评未批复", "", "压覆矿未评估", "节地评价"],
            "department": ["自然资源局", "林草局", "生态环境局", "自然资源局", "自然资源局", "自然资源局"],
            "issue_status": ["collected", "consulting", "resolved", None, "collected", "collected"],
            "submitted_date": [D("2026-09-24"), D("2026-09-18"), D("2026-09-18"), D("2026-04-01"), D("2026-10-12"),
                               D("2026-10-09")],
        }
    ).to_parquet(folder / "projects.parquet")
    ctx = Context(engine=Engine.from_dir(folder), profile=load_profile(), as_of=AS_OF)
    return compute("project_tracking", ctx)


def no_steps() -> pd.DataFrame:
    return pd.DataFrame(columns=issue_loop.COLUMNS)


def steps(*rows) -> pd.DataFrame:
    frame = pd.DataFrame([dict(zip(["project_id", "status", "date", "author", "note"], r)) for r in rows])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["recorded"] = ""
    return frame[issue_loop.COLUMNS]


def applied(tracking, log=None) -> pd.DataFrame:
    log = no_steps() if log is None else log
    return view.apply_loop(tracking, issue_loop.current_status(tracking, log), AS_OF).set_index("project_id")


# -- deadlines across National Day 2026 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("project", "due", "overdue", "left", "consent", "state"),
    [
        # Submitted Thu 24 Sep: Fri 25 is Mid-Autumn, 26–27 the weekend; Mon 28 (1), 29 (2), 30 (3); 1–7 Oct is
        # National Day; Thu 8 (4), Fri 9 (5); Sat 10 Oct is a make-up working day (6); Sun 11 off; Mon 12 (7),
        # 13 (8), 14 (9), Thu 15 Oct (10).  By Tue 20 Oct: Fri 16, Mon 19, Tue 20 → 3 working days overdue, and
        # still only collected → deemed consent.
        ("A", "2026-10-15", 3, pd.NA, True, "deemed_consent"),
        # Submitted Fri 18 Sep: Sun 20 Sep is a make-up working day (1); 21–24 (2–5); Fri 25 off; 28–30 (6–8);
        # Thu 8 Oct (9), Fri 9 Oct (10).  Overdue: Sat 10 (make-up), 12–16, 19, 20 → 8.  In consultation: no consent.
        ("B", "2026-10-09", 8, pd.NA, False, "overdue"),
        # The same deadline but resolved: never overdue.
        ("C", "2026-10-09", 0, pd.NA, False, "resolved"),
        # Submitted Mon 12 Oct: 13–16 (1–4), 19–23 (5–9), Mon 26 (10).  Left after Tue 20: 21, 22, 23, 26 → 4.
        ("E", "2026-10-26", 0, 4, False, "pending"),
        # Submitted Fri 9 Oct: Sat 10 is a make-up working day (1); 12–16 (2–6); 19–22 (7–10) → Thu 22 Oct;
        # left: 21, 22 → 2 (due soon).
        ("F", "2026-10-22", 0, 2, False, "pending"),
    ],
)
def test_deadlines_across_national_day(tracking, project, due, overdue, left, consent, state):
    row = applied(tracking).loc[project]
    assert row["due_date"] == D(due)
    assert row["overdue_working_days"] == overdue
    assert (pd.isna(row["left_working_days"]) and pd.isna(left)) or row["left_working_days"] == left
    assert bool(row["deemed_consent"]) is consent
    assert row["state"] == state


def test_project_without_issue(tracking):
    row = applied(tracking).loc["D"]
    assert row["state"] == "none" and pd.isna(row["overdue_working_days"]) and pd.isna(row["due_date"])
    assert not row["deemed_consent"] and pd.isna(row["status_source"])


def test_limit_comes_from_the_profile(tracking):
    assert view.reply_days(load_profile()) == 10
    assert view.reply_days(load_profile().with_overrides({"consultation_working_days": 5})) == 5


# -- the issue loop's current status ------------------------------------------------------------------------------


def test_current_status_is_the_latest_recorded_step(tracking):
    log = steps(
        ("A", "consulting", "2026-10-16", "张三", "召开会商会"),
        ("B", "collected", "2026-10-10", "李四", ""),
        ("B", "resolved", "2026-10-18", "李四", "已调整选址"),
        ("B", "consulting", "2026-10-16", "李四", "补登：会商"),  # recorded last, but dated before the 18th
        ("E", "consulting", "2026-10-19", "王五", "第一次"),
        ("E", "resolved", "2026-10-19", "王五", "同日解决"),  # same day: the one recorded last wins
        ("X", "resolved", "2026-10-19", "王五", "不在清单中的项目"),
    )
    current = issue_loop.current_status(tracking, log).set_index("project_id")
    assert current.loc["A", "status"] == "consulting" and current.loc["A", "source"] == "log"
    assert current.loc["A", "since"] == D("2026-10-16")
    assert current.loc["B", "status"] == "resolved"
    assert current.loc["E", "status"] == "resolved"
    assert current.loc["C", "status"] == "resolved" and current.loc["C", "source"] == "data"
    assert pd.isna(current.loc["D", "status"]) and pd.isna(current.loc["D", "source"])
    assert "X" not in current.index

    frame = view.apply_loop(tracking, issue_loop.current_status(tracking, log), AS_OF).set_index("project_id")
    # A replied (consulting) after the deadline: no longer silent, so no deemed consent, but still overdue.
    assert frame.loc["A", "state"] == "overdue" and not frame.loc["A", "deemed_consent"]
    assert frame.loc["A", "overdue_working_days"] == 3
    assert frame.loc["A", "data_status"] == "collected" and frame.loc["A", "status_source"] == "log"
    # B resolved: nothing overdue any more.
    assert frame.loc["B", "state"] == "resolved" and frame.loc["B", "overdue_working_days"] == 0
    assert frame.loc["E", "state"] == "resolved" and pd.isna(frame.loc["E", "left_working_days"])


def test_reopened_issue_becomes_overdue_again(tracking):
    frame = applied(tracking, steps(("C", "collected", "2026-10-19", "张三", "问题反复")))
    # C's deadline was Fri 9 Oct: collected again with the deadline past → deemed consent, 8 working days.
    assert frame.loc["C", "state"] == "deemed_consent" and frame.loc["C", "overdue_working_days"] == 8


# -- filters, KPIs, chart frame, list --------------------------------------------------------------------------


def test_filters(tracking):
    frame = view.apply_loop(tracking, issue_loop.current_status(tracking, no_steps()), AS_OF)
    assert list(view.filter_projects(frame)["project_id"]) == ["A", "B", "C", "D", "E", "F"]
    assert list(view.filter_projects(frame, "530402")["project_id"]) == ["A", "B", "E"]
    assert list(view.filter_projects(frame, None, ["provincial"])["project_id"]) == ["A", "C", "F"]
    assert list(view.filter_projects(frame, "530403", ["provincial"], ["supply"])["project_id"]) == ["F"]
    assert view.filter_projects(frame, "530402", None, ["started"]).empty


def test_kpis(tracking):
    k = view.kpis(applied(tracking).reset_index())
    assert (k.count, k.area_mu, k.cultivated_mu) == (6, 520.75, 50.5)
    assert (k.open_issues, k.consulting, k.overdue, k.deemed_consent, k.due_soon) == (4, 1, 1, 1, 1)


def test_stage_frame(tracking):
    frame = view.stage_frame(applied(tracking).reset_index(), "zh")
    assert len(frame) == 5 * len(view.STATES)  # every stage × state, zeros included
    per_stage = frame.groupby("stage_label", sort=False)["project_count"].sum()
    assert per_stage.to_dict() == {"选址": 2, "预审": 1, "报批": 1, "供地": 1, "开工": 1}
    site = frame[frame["stage"] == "site"].set_index("state")
    assert site.loc["deemed_consent", "project_count"] == 1 and site.loc["pending", "project_count"] == 1
    assert site.loc["pending", "area_mu"] == 10.0
    assert list(frame["stage_order"].unique()) == [1, 2, 3, 4, 5]
    view.stage_chart(frame, "en").to_dict()  # builds


def test_project_table_spells_out_deemed_consent(tracking):
    frame = applied(tracking).reset_index()
    table = view.project_table(frame, "zh").set_index("项目编号")
    assert table.loc["A", "办理提示"] == "逾期 3 个工作日未反馈，视为同意"
    assert table.loc["B", "办理提示"] == "逾期 8 个工作日"
    assert table.loc["F", "办理提示"] == "剩余 2 个工作日"
    assert table.loc["D", "办理提示"] == "—" and table.loc["D", "问题状态"] == ""
    assert table.loc["A", "办结时限"] == "2026-10-15" and table.loc["A", "问题状态"] == "收集"
    assert table.loc["A", "所处阶段"] == "选址" and table.loc["B", "项目级别"] == "县级"
    assert table.loc["A", "县区"] == "甲县" and table.loc["A", "逾期（个工作日）"] == 3
    assert view.row_shades(frame) == ["#fff3cd", "#fde2e1", "", "", "", ""]
    english = view.project_table(frame, "en", {"530402": "County A", "530403": "County B"}).set_index("Project id")
    assert english.loc["A", "Handling"] == "No reply for 3 working days past the deadline: deemed consent"
    assert english.loc["A", "County"] == "County A" and english.loc["A", "Stage"] == "Site selection"


def test_loop_default_opens_on_what_needs_action(tracking):
    frame = applied(tracking).reset_index()
    assert view.loop_default(frame) == 0  # A: deemed consent
    assert view.loop_default(frame.iloc[[2, 3, 4]].reset_index(drop=True)) == 2  # E: pending


def test_loop_events(tracking):
    log = steps(("A", "consulting", "2026-10-16", "张三", "召开会商会"),
                ("A", "resolved", "2026-10-19", "李四", "调整选址避让"))
    frame = applied(tracking, log)
    row = frame.reset_index().set_index("project_id", drop=False).loc["A"]
    events = view.loop_events(row, log, load_profile(), "zh")
    assert list(events["date"].dt.strftime("%Y-%m-%d")) == ["2026-09-24", "2026-10-15", "2026-10-16", "2026-10-19"]
    assert list(events["source"]) == ["data", "data", "log", "log"]
    assert events.loc[0, "event"] == "问题收集，征求意见" and events.loc[1, "event"] == "答复时限（10 个工作日）"
    assert events.loc[3, "author"] == "李四" and events.loc[3, "status"] == "resolved"
    # Without the steps A is deemed consent: the day after the deadline says so.
    plain = applied(tracking).reset_index().set_index("project_id", drop=False)
    events = view.loop_events(plain.loc["A"], no_steps(), load_profile(), "zh")
    assert events.iloc[-1]["event"] == "逾期未反馈意见，视为同意" and events.iloc[-1]["date"] == D("2026-10-16")
    # B's ledger says "consulting" without a date: shown right after the submission.
    events = view.loop_events(plain.loc["B"], no_steps(), load_profile(), "zh")
    assert list(events["event"])[:2] == ["问题收集，征求意见", "台账记录状态：会商（未记日期）"]
    view.loop_chart(events, AS_OF, "zh").to_dict()  # builds
    assert list(view.loop_table(events, "en").columns) == ["Date", "Event", "Recorded by", "Note", "Source"]


# -- the chain from a project ------------------------------------------------------------------------------------


@pytest.fixture()
def chain_data():
    projects = pd.DataFrame({
        "project_id": ["P1", "P2", "P3"], "name": ["某高速公路", "某产业园", "某医院"],
        "county_code": ["530402"] * 3, "stage": ["supply", "site", "approval"],
        "area_mu": [120.0, 30.0, 40.0], "cultivated_mu": [20.0, 0.0, 5.0],
        "approval_id": ["云政土〔2024〕1号", None, "云政土〔2099〕9号"],
    })
    approvals = pd.DataFrame({
        "approval_id": ["云政土〔2024〕1号", "云政土〔2024〕2号"], "county_code": ["530402", "530402"],
        "approval_date": [D("2024-03-01"), D("2024-05-01")], "approved_area_mu": [100.0, 50.0],
        "batch_name": ["某高速公路用地", "其他批次"], "kind": ["single_site", "batch"],
    })
    supplies = pd.DataFrame({
        "supply_id": ["S1", "S2", "S3", "S4"], "approval_id": ["云政土〔2024〕1号"] * 3 + ["云政土〔2024〕2号"],
        "county_code": ["530402"] * 4, "supply_date": [D("2024-06-01"), D("2025-01-10"), D("2026-12-01"),
                                                       D("2024-07-01")],
        "area_mu": [60.0, 30.0, 10.0, 50.0], "method": ["allocation", "transfer", "transfer", "transfer"],
        "land_use": ["交通", "工业", "工业", "工业"], "price_wan": [0.0, 900.0, 300.0, 1500.0],
    })
    parcels = pd.DataFrame({
        "parcel_id": ["Q1", "Q2", "Q9"], "park_id": ["K1"] * 3, "year": [2025] * 3, "supply_id": ["S1", "S2", "S4"],
        "enterprise_name": ["甲公司", "乙公司", "丙公司"], "area_mu": [60.0, 30.0, 50.0],
        "status": ["in_use", "idle", "in_use"],
    })
    grades = pd.DataFrame({"parcel_id": ["Q1", "Q1", "Q2", "Q9"], "year": [2024, 2025, 2025, 2025],
                           "score": [70.0, 82.5, 40.0, 90.0], "grade": ["B", "A", "D", "A"]})
    cases = pd.DataFrame({"case_id": ["X1", "X2"], "supply_id": ["S2", "S4"], "parcel_id": [None, "Q9"],
                          "disposed": [False, True], "overdue_days": [30, 0]})
    ledger = pd.DataFrame({
        "entry_id": ["Z1", "Z2", "Z3", "Z4"], "date": [D("2024-03-01"), D("2025-02-01"), D("2024-03-01"),
                                                       D("2027-01-01")],
        "kind": ["occupied", "occupied", "occupied", "occupied"], "county_code": ["530402"] * 4,
        "cultivated_mu": [12.0, 8.0, 99.0, 5.0], "paddy_mu": [3.0, 1.5, 9.0, 1.0], "grain_kg": [8000.0, 5000.0, 1.0, 1.0],
        "project_name": ["某高速公路", " 某高速公路 ", "某高速公路（重点项目）", "某高速公路"],
    })
    return {"projects": projects, "approvals": approvals, "supplies": supplies, "park_parcels": parcels,
            "grades": grades, "cases": cases, "ledger": ledger}


def chain_of(project_id, d, as_of=date(2026, 9, 30)):
    return view.project_chain(project_id, d["projects"], as_of, d["approvals"], d["supplies"], d["park_parcels"],
                              None, d["grades"], d["cases"], d["ledger"])


def test_chain_hops(chain_data):
    chain = chain_of("P1", chain_data)
    assert chain.notes == []
    a = chain.approval
    assert a.approval["approval_id"] == "云政土〔2024〕1号"
    # Supplies of this approval only, to the data date: S3 (Dec 2026) is after it.
    assert list(a.supplies["supply_id"]) == ["S1", "S2"]
    assert (a.approval["supplied_mu"], a.approval["unsupplied_mu"]) == (90.0, 10.0)
    # Parcels on those supplies with the latest grade; Q9 belongs to the other approval.
    assert a.parcels.set_index("parcel_id")["grade"].to_dict() == {"Q1": "A", "Q2": "D"}
    assert list(a.cases["case_id"]) == ["X1"]
    # Ledger: the exact name (spaces ignored), to the data date; "…（重点项目）" is another name.
    assert list(chain.ledger["entry_id"]) == ["Z1", "Z2"]
    s = view.chain_summary(chain)
    assert (s.approved_mu, s.supplied_mu, s.unsupplied_mu, s.supplies, s.parcels) == (100.0, 90.0, 10.0, 2, 2)
    assert s.grades == {"A": 1, "D": 1}
    assert (s.ledger_entries, s.ledger_cultivated_mu, s.ledger_paddy_mu, s.cases, s.open_cases) == (2, 20.0, 4.5, 1, 1)
    approval = view.approval_table(chain, "zh")
    assert approval.iloc[0]["批准日期"] == "2024-03-01" and approval.iloc[0]["未供面积（亩）"] == 10.0
    ledger = view.ledger_table(chain, "zh")
    assert list(ledger["类型"]) == ["占用核销", "占用核销"] and list(ledger["水田（亩）"]) == [3.0, 1.5]


def test_chain_without_or_with_an_unknown_approval(chain_data):
    none = chain_of("P2", chain_data)
    assert none.approval is None and none.notes == ["approval_none"] and none.ledger.empty
    assert view.chain_summary(none).approved_mu is None and view.approval_table(none).empty
    missing = chain_of("P3", chain_data)
    assert missing.approval is None and missing.notes == ["approval_missing"]
    with pytest.raises(KeyError):
        chain_of("NOPE", chain_data)


def test_chain_default(chain_data):
    frame = chain_data["projects"][["project_id", "name", "stage"]]
    # P1's approval has a supply with an idle case.
    assert view.chain_default(frame, chain_data["projects"], chain_data["supplies"], chain_data["cases"]) == 0
    # Without cases: the first project with an approval id.
    assert view.chain_default(frame.iloc[1:].reset_index(drop=True), chain_data["projects"], None, None) == 1
    assert view.project_label(frame, "zh")["P1"] == "P1 · 某高速公路（供地）"
