"""The 耕地占补平衡 page in AppTest: zh and en, the county view, the waterfall and ledger filters, the profile
switch, and the pool simulator driven by widget keys against an allocation computed by hand.
"""

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.navigation import page_spec
from tests.app.helpers import frame_with, metric_text, open_app_page

SPEC = page_spec("arable")
TONGHAI = "530423"



def open_arable(query=None, state=None):
    return open_app_page(SPEC.file, query, state)




def metric(at: AppTest, label: str) -> str:
    return next(metric_text(m.value) for m in at.metric if m.label == label)


def test_city_view_in_chinese():
    at = open_arable()
    headings = [s.value for s in at.subheader]
    assert headings[0] == "三项指标余额 — 全市"
    for heading in ("缺口及购买成本", "储备可支撑月数预测", "指标调节池模拟（黔南州规则）", "占补平衡台账明细",
                    "与公开数据核对（玉溪市）"):
        assert heading in headings
    # the three indicators, each in its own unit, never added up
    assert metric(at, "耕地数量（亩）") == "2,468.74 亩"
    assert metric(at, "水田规模（亩）") == "4,693.82 亩"
    assert metric(at, "粮食产能（公斤）") == "-1,035,499 公斤"
    assert metric(at, "缺口购买成本合计").endswith("万元")
    # the published 玉溪 figures are all reproduced
    check = frame_with(at, "公开数据项")
    assert len(check) == 22 and check["一致"].all()
    assert "22/22" in " ".join(c.value for c in at.caption)
    # every table can leave the app as Excel and CSV; every chart as PNG
    keys = {b.key for b in at.get("download_button")}
    for key in ("arable_balance_table", "arable_cost_table", "arable_cover_table", "arable_ledger_table"):
        assert {f"{key}_xlsx", f"{key}_csv"} <= keys
    for key in ("arable_balance_chart", "arable_waterfall_chart", "arable_cost_chart", "arable_cover_chart"):
        assert f"{key}_png" in keys


def test_english_county_view():
    at = open_arable({"lang": "en", "region": TONGHAI})
    assert at.subheader[0].value == "The three indicators — Tonghai County"
    assert metric(at, "Cultivated land (mu)") == "-2,436.36 mu"
    assert "Check against published figures (Yuxi)" not in [s.value for s in at.subheader]  # city-wide only
    assert at.multiselect(key="arable_ledger_counties").value == [TONGHAI]
    ledger = frame_with(at, "Entry id")
    assert set(ledger["Region"]) == {"Tonghai County"}
    assert at.selectbox(key="arable_sim_county").value == TONGHAI


def test_waterfall_and_cover_follow_their_indicator_choice():
    at = open_arable()
    at.radio(key="arable_waterfall_indicator").set_value("grain")
    at.radio(key="arable_cover_indicator").set_value("paddy")
    at.slider(key="arable_cover_horizon").set_value(12)
    at.run()
    assert not at.exception
    markdown = " ".join(c.value for c in at.caption)
    assert "水田规模和粮食产能无在途项目数据" in markdown


def test_ledger_filters():
    at = open_arable()
    at.multiselect(key="arable_ledger_kinds").set_value(["filed"])
    at.multiselect(key="arable_ledger_counties").set_value(["530428"])
    at.run()
    ledger = frame_with(at, "台账编号")
    assert len(ledger) > 0
    assert set(ledger["业务类型"]) == {"备案入库"} and set(ledger["行政区"]) == {"元江哈尼族彝族傣族自治县"}
    assert f"符合条件的台账记录 {len(ledger)} 条" in " ".join(c.value for c in at.caption)


def test_pool_simulator_allocation_matches_the_hand_computed_answer():
    """通海县 asks for 500 亩 耕地数量, 200 亩 水田规模 and 100000 公斤 粮食产能 for a provincial key project.

    Demo arable pool (available = contributed − drawn): 耕地数量 通海 88.74, 州（市）级 1900 − 1613 = 287.00,
    元江 137.32 (the most pooled after it); 水田规模 通海 41.82, 州（市）级 820 − 672 = 148.00, 易门 23.11;
    粮食产能 通海 55277, 州（市）级 1420000 − 1277200 = 142800.  Order (seed 003 附件3 第十四条): own (free) →
    州（市）级 → other counties by pooled amount.  Prices = mean platform price of the 6 months to 2026-09-30:
    21.84 万元/亩, 116.59 / 6 = 19.431667 万元/亩, 112.87 / 6 = 18.811667 元/公斤.

    耕地数量: 88.74 free; 287.00 × 21.84 = 6268.08; 500 − 88.74 − 287 = 124.26 from 元江 × 21.84 = 2713.84
    水田规模: 41.82 free; 148.00 × 19.431667 = 2875.89; 200 − 41.82 − 148 = 10.18 from 易门 × 19.431667 = 197.81
    粮食产能: 55277 free; 100000 − 55277 = 44723 from 州（市）级 × 18.811667 ÷ 10⁴ = 84.13 万元
    Total 6268.08 + 2713.84 + 2875.89 + 197.81 + 84.13 = 12139.75 万元.
    """
    at = open_arable(state={"arable_sim_need_cultivated": 500.0, "arable_sim_need_paddy": 200.0,
                            "arable_sim_need_grain": 100000.0})
    at.selectbox(key="arable_sim_county").set_value(TONGHAI)
    at.selectbox(key="arable_sim_level").set_value("provincial")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    draws = frame_with(at, "指标来源（权属）")
    expected = [
        ("耕地数量", "通海县", 88.74, 0.00), ("耕地数量", "州（市）级所有", 287.00, 6268.08),
        ("耕地数量", "元江哈尼族彝族傣族自治县", 124.26, 2713.84),
        ("水田规模", "通海县", 41.82, 0.00), ("水田规模", "州（市）级所有", 148.00, 2875.89),
        ("水田规模", "易门县", 10.18, 197.81),
        ("粮食产能", "通海县", 55277.0, 0.00), ("粮食产能", "州（市）级所有", 44723.0, 84.13),
    ]
    got = list(zip(draws["指标"], draws["指标来源（权属）"], draws["数量"].round(2), draws["金额（万元）"].round(2)))
    assert got == expected
    assert list(draws["调节池"].unique()) == ["占补平衡指标调节池"]
    assert metric(at, "应付调剂费用") == "12,139.75 万元"
    assert [s.value for s in at.success] == ["占补平衡指标调节池：所需指标已全部调剂到位。"]
    after = frame_with(at, "可用（模拟后）")
    total = after[(after["指标"] == "耕地数量") & (after["指标权属"] == "合计")].iloc[0]
    assert total["本次调出"] == pytest.approx(500.0) and total["可用（模拟后）"] == pytest.approx(84.63)
    keys = {b.key for b in at.get("download_button")}
    assert {"arable_sim_draws_xlsx", "arable_sim_draws_csv", "arable_sim_ledger_xlsx"} <= keys


def test_pool_simulator_refuses_with_reasons_and_ignores_the_sidebar_profile():
    at = open_arable({"profile": "ningxia"}, state={"arable_sim_need_cultivated": 50.0, "arable_sim_need_quota": 100.0})
    assert at.selectbox(key="profile").value == "ningxia"
    assert "贵州省·黔南州" in " ".join(i.value for i in at.info)  # the simulator says whose rules it applies
    at.selectbox(key="arable_sim_county").set_value(TONGHAI)
    at.selectbox(key="arable_sim_level").set_value("county")
    at.run()
    errors = [e.value for e in at.error]
    assert len(errors) == 2
    assert errors[0].startswith("占补平衡指标调节池：不予调剂") and "第十一条" in errors[0]
    assert "上一年度存量建设用地处置任务未完成" in errors[1]
    assert not [d for d in at.dataframe if "指标来源（权属）" in d.value.columns]  # nothing drawn
    after = frame_with(at, "可用（模拟后）")
    assert (after["本次调出"] == 0).all()
