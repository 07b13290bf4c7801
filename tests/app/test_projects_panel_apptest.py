"""The 项目清单 page in AppTest: opens in zh and en with the list, deadlines and deemed consent; the county,
level and stage filters narrow the list; recording a loop step appends one line to the log next to the (temporary)
store and shows up in the timeline and the list; the chain from a project shows each hop's records."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from components.projects_panel import form_status_key
from dashboard import issue_loop
from dashboard.demo import DEMO_DIR
from dashboard.navigation import page_spec
from dashboard.views.projects import labels
from tests.app.helpers import frame_with, metrics, open_app_page

SPEC = page_spec("projects")
DEMO_PROJECTS = pd.read_parquet(DEMO_DIR / "projects.parquet")


@pytest.fixture(autouse=True)
def _tmp_store(tmp_path, monkeypatch):
    """Recorded steps go to a temporary store (the demo data still backs every dataset)."""
    monkeypatch.setenv("DASHBOARD_STORE", str(tmp_path / "store"))


def open_page(query=None, state=None):
    return open_app_page(SPEC.file, query, state)


def run(at):
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at) -> str:
    parts = [e.value for kind in ("success", "error", "info", "warning", "caption", "markdown", "text")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def test_list_in_chinese():
    at = open_page()
    headers = [h.value for h in at.subheader]
    for heading in ("各阶段项目", "重点项目用地保障清单", "问题闭环（收集 → 会商 → 解决）"):
        assert heading in headers
    table = frame_with(at, "办理提示")
    assert len(table) == len(DEMO_PROJECTS)
    consent = table[table["办理提示"].str.endswith("视为同意")]
    assert len(consent) >= 1 and (consent["问题状态"] == "收集").all()
    cards = metrics(at)
    assert cards["重点项目"] == f"{len(DEMO_PROJECTS)} 个"
    assert cards["逾期视为同意"] == f"{len(consent)} 个"
    assert "个工作日（报送当日不计" in texts(at)
    assert at.get("vega_lite_chart")  # the stage chart and the loop timeline


def test_list_in_english():
    at = open_page({"lang": "en"})
    assert "Key-project land list" in [h.value for h in at.subheader]
    table = frame_with(at, "Handling")
    assert table["Handling"].str.endswith("deemed consent").any()
    assert set(table["Stage"]) <= {"Site selection", "Pre-review", "Approval", "Supply", "Started"}
    assert {m.label for m in at.metric} >= {"Key projects", "Deemed consent", "Overdue"}


def test_filters_county_level_stage():
    at = open_page({"region": "530402"})
    table = frame_with(at, "办理提示")
    expected = DEMO_PROJECTS[DEMO_PROJECTS["county_code"] == "530402"]
    assert sorted(table["项目编号"]) == sorted(expected["project_id"])
    at.multiselect(key="projects_levels").set_value(["prefecture", "county"])
    at.multiselect(key="projects_stages").set_value(["supply"])
    run(at)
    table = frame_with(at, "办理提示")
    wanted = expected[expected["level"].isin(["prefecture", "county"]) & (expected["stage"] == "supply")]
    assert sorted(table["项目编号"]) == sorted(wanted["project_id"]) and len(wanted) >= 1
    assert set(table["所处阶段"]) == {"供地"}


def test_recording_a_step_appends_and_shows_it():
    at = open_page()
    project = "ZD530402001"
    at.selectbox(key="projects_loop_project").set_value(project)
    run(at)
    at.selectbox(key=form_status_key(project, "zh")).set_value("resolved")
    at.text_input(key="pj_form_author").input("测试员")
    at.text_area(key="pj_form_note").input("会商后调整选址，避让永久基本农田")
    next(b for b in at.button if b.label == "登记").click()
    run(at)
    lines = issue_loop.log_path().read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    step = json.loads(lines[0])
    assert (step["project_id"], step["status"], step["author"]) == (project, "resolved", "测试员")
    assert any("已登记：解决" in s.value for s in at.success)
    loop = frame_with(at, "事项")
    assert loop.iloc[-1]["说明"] == "会商后调整选址，避让永久基本农田" and loop.iloc[-1]["记录人"] == "测试员"
    row = frame_with(at, "办理提示").set_index("项目编号").loc[project]
    assert (row["问题状态"], row["状态来源"], row["办理提示"]) == ("解决", "本页登记", "已解决")

    # Without an author nothing is written and the form says why.
    at.selectbox(key=form_status_key(project, "zh")).set_value("consulting")
    next(b for b in at.button if b.label == "登记").click()
    run(at)
    assert len(issue_loop.log_path().read_text(encoding="utf-8").splitlines()) == 1
    assert any("请填写记录人" in e.value for e in at.error)


def test_chain_from_a_project():
    linked = DEMO_PROJECTS.dropna(subset=["approval_id"])
    at = open_page()
    default = at.selectbox(key="projects_chain_project").value
    assert default in set(linked["project_id"])
    supplied = linked[linked["stage"] == "supply"].iloc[0]
    at.selectbox(key="projects_chain_project").set_value(supplied["project_id"])
    run(at)
    approval = frame_with(at, "批准日期")
    assert approval.iloc[0]["批准文号"] == supplied["approval_id"]
    assert len(frame_with(at, "供地编号")) >= 1
    # amounts read with thousands separators, like every other table (they showed "42787.08")
    supplies = next(d for d in at.dataframe if "供地编号" in d.value.columns)
    assert "%,.2f" in json.dumps(json.loads(supplies.proto.columns))
    ledger = frame_with(at, "台账编号")  # the ledger entries named after the project
    assert len(ledger) >= 1 and set(ledger["类型"]) == {"占用核销"}
    cards = metrics(at)
    assert cards["→ 批准"].endswith("亩") and cards["→ 闲置土地"].endswith("宗")
    # A project before approval has no approval id: the chain says so.
    early = DEMO_PROJECTS[DEMO_PROJECTS["approval_id"].isna()].iloc[0]
    at.selectbox(key="projects_chain_project").set_value(early["project_id"])
    run(at)
    assert any("清单未填该项目的批准文号" in i.value for i in at.info)
    assert metrics(at)["→ 批准"] == "—"


def test_loop_form_opens_on_each_projects_next_status_in_the_chosen_language():
    at = open_page()
    codes = list(issue_loop.statuses())
    # one project per open status, so that the two open on different next statuses
    first, second = (str(DEMO_PROJECTS.loc[DEMO_PROJECTS["issue_status"] == s, "project_id"].iloc[0])
                     for s in codes[:2])
    for project in (first, second):  # another project: its own next status, not the previous project's
        at.selectbox(key="projects_loop_project").set_value(project)
        run(at)
        status = DEMO_PROJECTS.set_index("project_id").loc[project, "issue_status"]
        box = at.selectbox(key=form_status_key(project, "zh"))
        assert box.value == codes[codes.index(status) + 1]
    at.segmented_control(key="lang").set_value("en")
    run(at)
    box = at.selectbox(key=form_status_key(second, "en"))  # relabelled: a box of the English page
    assert box.value == codes[codes.index(status) + 1]
    words = labels("status", "en")
    assert box.options == [words[c] for c in codes]
