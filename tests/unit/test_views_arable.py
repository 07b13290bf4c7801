"""Panel data of the 耕地占补平衡 page (dashboard/views/arable.py) on the demo data.

The pool simulator's expected allocations are computed by hand from the demo data below, with the arithmetic
in the comments; the published 玉溪 figures (DOMAIN.md §2, seed 000) are reproduced from the ledger.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from dashboard.i18n import LANGUAGES, catalog
from dashboard.indicators import Context, compute, load_modules
from dashboard.indicators.arable import KINDS, PREFECTURE_OWNER
from dashboard.indicators.pools import REASONS
from dashboard.indicators.projects import stages
from dashboard.policy import load_profile
from dashboard.views import arable as views
from tests.conftest import ROOT
from tests.unit.conftest import DEMO_AS_OF

load_modules()

QIANNAN = load_profile("qiannan")
CITY = "530400"
TONGHAI, HUANING, YUANJIANG, YIMEN, HONGTA = "530423", "530424", "530428", "530425", "530402"


@pytest.fixture()
def ctx(demo_ctx):
    return demo_ctx


@pytest.fixture()
def qiannan_ctx(demo_engine):
    return Context(engine=demo_engine, profile=QIANNAN, as_of=DEMO_AS_OF)


@pytest.fixture(scope="module")
def demo_tables(demo_engine):
    context = Context(engine=demo_engine, profile=load_profile(), as_of=DEMO_AS_OF)
    return {name: compute(name, context) for name in
            ("arable_balance", "arable_cover", "arable_shortfall_cost", "arable_published_check", "projects_by_stage",
             "project_tracking")}


@pytest.fixture(scope="module")
def ledger(demo_engine):
    return demo_engine.to_pandas("arable_ledger")


@pytest.fixture(scope="module")
def pool_inputs(demo_engine):
    context = Context(engine=demo_engine, profile=QIANNAN, as_of=DEMO_AS_OF)
    trades = demo_engine.to_pandas("indicator_trades")
    return {"ledger": compute("pool_ledger", context), "quotas": demo_engine.to_pandas("plan_quotas"),
            "prices": views.simulator_prices(trades, DEMO_AS_OF, QIANNAN)}


def row(frame, **match):
    sel = pd.Series(True, index=frame.index)
    for key, value in match.items():
        sel &= frame[key] == value
    assert sel.sum() == 1, match
    return frame[sel].iloc[0]


# ------------------------------------------------------------------------------------------------------------
# the three indicators side by side


def test_balance_change_over_the_whole_ledger_is_the_balance(demo_tables, ledger):
    """Summing every entry with its sign gives each county's balance: the KPI deltas use the indicator's signs."""
    change = views.balance_change(ledger, date(1990, 1, 1), DEMO_AS_OF)
    balance = demo_tables["arable_balance"]
    for _, b in balance.iterrows():
        key = "city" if b["level"] == "city" else b["region_code"]
        assert row(change, region_code=key, indicator=b["indicator"])["change"] == pytest.approx(b["balance"])


def test_balance_change_since_new_year(ledger):
    change = views.balance_change(ledger, date(2026, 1, 1), DEMO_AS_OF)
    rows = ledger[(ledger["date"] >= "2026-01-01") & (ledger["county_code"] == HONGTA)]
    assert len(rows) > 0
    adds = rows["kind"].astype(str).isin(["filed", "bought", "pooled_out"])
    expected = float(rows.loc[adds, "cultivated_mu"].sum() - rows.loc[~adds, "cultivated_mu"].sum())
    assert row(change, region_code=HONGTA, indicator="cultivated")["change"] == pytest.approx(expected)
    assert TONGHAI not in set(change["region_code"])  # no entry this year: the KPI card shows no change


def test_balance_cards_city_and_county(demo_tables, ledger):
    change = views.balance_change(ledger, date(2026, 1, 1), DEMO_AS_OF)
    city = views.balance_cards(demo_tables["arable_balance"], demo_tables["arable_cover"], change, CITY)
    assert list(city["indicator"]) == ["cultivated", "paddy", "grain"]
    assert list(city["unit"]) == ["mu", "mu", "kg"]
    cultivated = city.set_index("indicator").loc["cultivated"]
    # The city's shortfall is the sum of the county shortfalls (2436.36 + 590.92 + 1183.91 + 1038.79), not the
    # shortfall of its netted balance (+2468.74).
    assert cultivated["balance"] == pytest.approx(2468.74)
    assert cultivated["shortfall"] == pytest.approx(2436.36 + 590.92 + 1183.91 + 1038.79)
    assert cultivated["cover_months"] == pytest.approx(2468.74 / (2001.55 / 12))
    tonghai = views.balance_cards(demo_tables["arable_balance"], demo_tables["arable_cover"], change, TONGHAI)
    assert tonghai.set_index("indicator").loc["paddy", "shortfall"] == pytest.approx(287.27)


def test_balance_wide_keeps_the_three_indicators_apart(demo_tables):
    wide = views.balance_wide(demo_tables["arable_balance"], demo_tables["arable_cover"],
                              {CITY: "玉溪市", TONGHAI: "通海县"}, "zh")
    assert len(wide) == 10 and wide.iloc[0]["行政区"] == "玉溪市"
    assert list(wide.columns) == ["行政区", "耕地数量余额（亩）", "耕地数量缺口（亩）", "耕地数量可支撑（月）",
                                  "水田规模余额（亩）", "水田规模缺口（亩）", "水田规模可支撑（月）",
                                  "粮食产能余额（公斤）", "粮食产能缺口（公斤）", "粮食产能可支撑（月）"]
    assert wide.iloc[0]["粮食产能余额（公斤）"] == pytest.approx(-1035499.0)
    assert not any("合计" in c for c in wide.columns)


def test_balance_chart_has_one_panel_per_indicator_with_its_unit(demo_tables):
    spec = views.balance_chart(demo_tables["arable_balance"], {}, "zh", highlight=TONGHAI).to_dict()
    titles = [panel["title"]["text"] for panel in spec["hconcat"]]
    assert titles == ["耕地数量（亩）", "水田规模（亩）", "粮食产能（公斤）"]
    assert spec["hconcat"][2]["layer"][0]["encoding"]["x"]["title"] == "余额（公斤）"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_balance_chart_panels_fit_the_main_column(demo_tables, demo_engine, lang):
    from dashboard.io import read_dataset
    from dashboard.layout import MAIN_WIDTH_PX, text_width_px, wrap_text

    regions = read_dataset("regions", demo_engine.paths["regions"])
    names = dict(zip(regions["code"], regions["name" if lang == "zh" else "name_en"], strict=True))
    spec = views.balance_chart(demo_tables["arable_balance"], names, lang).to_dict()
    panels = spec["hconcat"]
    axis = panels[0]["layer"][0]["encoding"]["y"]["axis"]
    # Every name shows, wrapped onto lines no wider than the name column.
    lines = [line for name in names.values() for line in wrap_text(name, views.BALANCE_NAME_PX, views.CHART_FONT)]
    assert axis["labelLimit"] >= max(text_width_px(line, views.CHART_FONT) for line in lines)
    total = (sum(p["width"] for p in panels) + axis["labelLimit"] + spec["spacing"] * (len(panels) - 1)
             + views.BALANCE_CHROME_PX)
    assert len(panels) == 3 and total <= MAIN_WIDTH_PX
    assert min(p["width"] for p in panels) >= 180  # still readable bars


# ------------------------------------------------------------------------------------------------------------
# waterfall


@pytest.mark.parametrize("region", [CITY, TONGHAI, YUANJIANG])
@pytest.mark.parametrize("ind", ["cultivated", "paddy", "grain"])
def test_waterfall_steps_add_up_to_the_balance(demo_tables, region, ind):
    frame = views.waterfall_frame(demo_tables["arable_balance"], region, ind, "zh")
    balance = row(demo_tables["arable_balance"], region_code=region, indicator=ind)["balance"]
    assert list(frame["step"]) == ["filed", "occupied", "bought", "debt_repaid", "pooled_out", "pooled_in", "sold",
                                   "balance"]
    assert frame["end"].iloc[-2] == pytest.approx(balance)  # the running total after the last flow
    assert frame["end"].iloc[-1] == pytest.approx(balance) and frame["start"].iloc[-1] == 0.0
    assert (frame.loc[frame["step"] == "occupied", "amount"] <= 0).all()


def test_waterfall_city_cultivated_by_hand(demo_tables):
    """27254 + 12984.51 + 1613 − 30662.98 − 5902.16 − 2197.63 − 620 = 2468.74 亩."""
    frame = views.waterfall_frame(demo_tables["arable_balance"], CITY, "cultivated", "zh").set_index("step")
    assert frame.loc["filed", "amount"] == pytest.approx(27254.0)
    assert frame.loc["occupied", "amount"] == pytest.approx(-30662.98)
    assert frame.loc["debt_repaid", "amount"] == pytest.approx(-5902.16)
    assert frame.loc["balance", "end"] == pytest.approx(27254 + 12984.51 + 1613 - 30662.98 - 5902.16 - 2197.63 - 620)
    assert views.waterfall_chart(frame.reset_index(), "cultivated", "zh", "t").to_dict()["layer"][0]["encoding"][
        "y"]["title"] == "耕地数量（亩）"


# ------------------------------------------------------------------------------------------------------------
# shortfall and cost


def test_cost_at_the_six_month_mean_price(demo_tables):
    """Prices: mean of the demo platform trades in (2026-03-30, 2026-09-30]:
    耕地数量 (21.12 + 21.72 + 21.65 + 22.17 + 22.25 + 22.13) / 6 = 21.84 万元/亩;
    水田规模 (20.00 + 19.76 + 19.64 + 18.89 + 19.08 + 19.22) / 6 = 19.431667 万元/亩;
    粮食产能 (18.42 + 18.65 + 18.50 + 18.42 + 19.10 + 19.78) / 6 = 18.811667 元/公斤."""
    cost = demo_tables["arable_shortfall_cost"]
    prices = views.cost_prices(cost)
    assert prices == pytest.approx({"cultivated": 21.84, "paddy": 116.59 / 6, "grain": 112.87 / 6})
    tonghai = views.cost_cards(cost, TONGHAI).set_index("indicator")
    # 2436.36 亩 × 21.84 = 53210.1024 万元; 1537689 公斤 × 18.811667 元 ÷ 10⁴ = 2892.65 万元
    assert tonghai.loc["cultivated", "cost_wan"] == pytest.approx(2436.36 * 21.84)
    assert tonghai.loc["grain", "cost_wan"] == pytest.approx(1537689 * 112.87 / 6 / 10_000)
    assert tonghai.loc["total", "cost_wan"] == pytest.approx(tonghai.loc[["cultivated", "paddy", "grain"],
                                                                         "cost_wan"].sum())
    assert views.price_text(prices, "zh") == "耕地数量 21.84 万元/亩；水田规模 19.43 万元/亩；粮食产能 18.81 元/公斤"


def test_cost_table_and_chart(demo_tables):
    cost = demo_tables["arable_shortfall_cost"]
    table = views.cost_table(cost, {CITY: "玉溪市"}, "en")
    assert list(table.columns) == ["Region", "Indicator", "Shortfall", "Unit", "Unit price", "Price unit",
                                   "Amount (10k yuan)"]
    total = table[(table["Region"] == "玉溪市") & (table["Indicator"] == "Total of the three")].iloc[0]
    assert total["Unit"] == "" and pd.isna(total["Shortfall"])
    spec = views.cost_chart(cost, {}, "zh").to_dict()
    assert spec["encoding"]["x"]["title"] == "购买成本（万元）"


# ------------------------------------------------------------------------------------------------------------
# cover forecast


def test_pipeline_is_the_stages_before_supply(demo_tables):
    assert views.pipeline_stages(stages()) == ("site", "pre_review", "approval")
    pipeline = views.pipeline_occupation(demo_tables["projects_by_stage"], stages()).set_index("region_code")
    # demo list: 选址 1537.09 + 预审 701.23 + 报批 923.39 亩 of cultivated land, 8 projects each
    assert pipeline.loc[CITY, "pipeline_mu"] == pytest.approx(1537.09 + 701.23 + 923.39)
    assert pipeline.loc[CITY, "projects"] == 24
    assert pipeline.loc[HUANING, "pipeline_mu"] == pytest.approx(168.83)  # one project at 报批


def test_cover_forecast_by_hand(demo_tables):
    pipeline = views.pipeline_occupation(demo_tables["projects_by_stage"], stages())
    forecast = views.cover_forecast(demo_tables["arable_cover"], pipeline)
    # 华宁县: balance 2109.47 亩, 95.82 亩 occupied in the last 12 months → 7.985 亩/月 → 264.18 months;
    # minus the 168.83 亩 pipeline: 1940.64 ÷ 7.985 = 243.04 months.
    huaning = row(forecast, region_code=HUANING, indicator="cultivated")
    assert huaning["cover_months"] == pytest.approx(2109.47 / (95.82 / 12))
    assert huaning["cover_with_pipeline"] == pytest.approx((2109.47 - 168.83) / (95.82 / 12))
    # The city: 2468.74 − 3161.71 < 0, so the reserve is gone once the pipeline is approved.
    assert row(forecast, region_code=CITY, indicator="cultivated")["cover_with_pipeline"] == 0.0
    # The list records no paddy or grain: no pipeline figure for them.
    assert pd.isna(row(forecast, region_code=HUANING, indicator="paddy")["pipeline"])
    frame = views.forecast_frame(forecast, HUANING, "cultivated", 24, "zh")
    assert len(frame) == 50 and frame["month"].max() == 24
    at_rate = frame[frame["scenario"] == "按近期占用速度"].set_index("month")["balance"]
    assert at_rate[12] == pytest.approx(2109.47 - 95.82)
    table = views.cover_table(forecast, HUANING, "zh", 12)
    assert "近12个月月均占用" in table.columns and len(table) == 3


def test_pipeline_projects_list(demo_tables):
    listing = views.pipeline_projects(demo_tables["project_tracking"], stages(), HUANING, {}, "zh")
    assert len(listing) == 1 and listing.iloc[0]["所处阶段"] == "报批"
    assert len(views.pipeline_projects(demo_tables["project_tracking"], stages(), None, {}, "zh")) == 24


# ------------------------------------------------------------------------------------------------------------
# ledger


def test_filter_ledger(ledger):
    rows = views.filter_ledger(ledger, [TONGHAI], ["filed"], date(2022, 1, 1), date(2022, 12, 31))
    assert len(rows) > 0
    assert set(rows["county_code"]) == {TONGHAI} and set(rows["kind"]) == {"filed"}
    assert rows["date"].min() >= pd.Timestamp("2022-01-01") and rows["date"].max() <= pd.Timestamp("2022-12-31")
    assert rows["date"].is_monotonic_decreasing
    assert len(views.filter_ledger(ledger)) == len(ledger)
    # the city's 20 filed projects of 2022 (seed 000)
    assert len(views.filter_ledger(ledger, (), ["filed"], date(2022, 1, 1), date(2022, 12, 31))) == 20


def test_ledger_display_names_units_and_effect(ledger):
    shown = views.ledger_display(ledger.head(5), {TONGHAI: "通海县"}, "zh")
    assert list(shown.columns) == ["台账编号", "行政区", "日期", "业务类型", "对余额的影响", "耕地数量（亩）",
                                   "水田规模（亩）", "粮食产能（公斤）", "项目名称", "指标权属"]
    assert set(shown["对余额的影响"]) <= {"增加余额", "减少余额"}
    pool_rows = ledger[ledger["owner"] == PREFECTURE_OWNER].head(2)
    assert set(views.ledger_display(pool_rows, {}, "zh")["指标权属"]) == {"州（市）级所有"}


def test_display_table_marks_undefined_and_keeps_kg_whole():
    frame = pd.DataFrame({"a（亩）": [1.5, None], "b（公斤）": [1234.0, 5.0], "c": [1.0, 2.0]})
    shown, formats = views.display_table(frame, "zh")
    assert list(shown["a（亩）"]) == ["1.50", "—"] and formats["a（亩）"] == "text"
    assert formats["b（公斤）"] == "%,.0f" and formats["c"] == "%,.2f"
    assert frame["a（亩）"].isna().sum() == 1  # the raw frame (downloads) is untouched


# ------------------------------------------------------------------------------------------------------------
# pool simulator (黔南州 rules, seed 003 附件3) — expected answers by hand from the demo pool ledger

#: Arable pool positions on the demo data (pool_ledger, available = contributed − drawn):
#:   耕地数量 亩: 通海 88.74, prefecture 1900 − 1613 = 287.00, 元江 137.32, 易门 46.67, 红塔 16.32, 峨山 8.58
#:   水田规模 亩: 通海 41.82, prefecture 820 − 672 = 148.00, 易门 23.11, 元江 12.14, 红塔 11.42, 峨山 4.00
#:   粮食产能 公斤: 通海 55277, prefecture 1420000 − 1277200 = 142800, 元江 93988, 易门 30269, …
#: 第十四条 order: the applicant's own (free) → prefecture-owned → other counties by contributed, most first.
#: Prices (test_cost_at_the_six_month_mean_price): 21.84 万元/亩, 116.59/6 万元/亩, 112.87/6 元/公斤.
TONGHAI_NEED = {"cultivated_mu": 500.0, "paddy_mu": 200.0, "grain_kg": 100000.0}
TONGHAI_DRAWS = [
    # 耕地数量 500: own 88.74 → prefecture 287.00 (411.26 left) → 元江 124.26 (of 137.32)
    ("cultivated", TONGHAI, 88.74, 0.0),
    ("cultivated", PREFECTURE_OWNER, 287.00, 287.00 * 21.84),  # 6268.08 万元
    ("cultivated", YUANJIANG, 124.26, 124.26 * 21.84),  # 2713.8384 万元
    # 水田规模 200: own 41.82 → prefecture 148.00 (10.18 left) → 易门 10.18 (易门 pooled 23.11 > 元江 12.14)
    ("paddy", TONGHAI, 41.82, 0.0),
    ("paddy", PREFECTURE_OWNER, 148.00, 148.00 * 116.59 / 6),  # 2875.886667 万元
    ("paddy", YIMEN, 10.18, 10.18 * 116.59 / 6),  # 197.814367 万元
    # 粮食产能 100000: own 55277 → prefecture 44723 (of 142800), priced in 元/公斤 ÷ 10⁴
    ("grain", TONGHAI, 55277.0, 0.0),
    ("grain", PREFECTURE_OWNER, 44723.0, 44723 * 112.87 / 6 / 10_000),  # 84.131417 万元
]
#: 6268.08 + 2713.8384 + 2875.886667 + 197.814367 + 84.131417 = 12139.750851 万元
TONGHAI_COST = 12139.750851


def test_simulator_prices_are_the_six_month_means(pool_inputs):
    assert pool_inputs["prices"] == pytest.approx({"cultivated": 21.84, "paddy": 116.59 / 6, "grain": 112.87 / 6})


def test_arable_pool_simulation_matches_the_hand_computed_answer(pool_inputs):
    sim = views.simulate_pools(pool_inputs["ledger"], TONGHAI, TONGHAI_NEED, pool_inputs["prices"], QIANNAN,
                               project_level="provincial")
    got = list(zip(sim.draws["indicator"], sim.draws["source_owner"], sim.draws["quantity"].round(2),
                   sim.draws["cost_wan"]))
    assert [(i, o, q) for i, o, q, _ in got] == [(i, o, pytest.approx(q)) for i, o, q, _ in TONGHAI_DRAWS]
    assert [c for *_, c in got] == pytest.approx([c for *_, c in TONGHAI_DRAWS])
    assert sim.cost_wan == pytest.approx(TONGHAI_COST)
    assert set(sim.draws["pool"]) == {"arable"}
    assert sim.unmet == pytest.approx({"cultivated_mu": 0.0, "paddy_mu": 0.0, "grain_kg": 0.0})
    assert views.outcome_messages(sim, "zh") == [("success", "占补平衡指标调节池：所需指标已全部调剂到位。")]


def test_arable_pool_simulation_display_and_ledger_after(pool_inputs):
    sim = views.simulate_pools(pool_inputs["ledger"], TONGHAI, TONGHAI_NEED, pool_inputs["prices"], QIANNAN,
                               project_level="provincial")
    names = {TONGHAI: "通海县", YUANJIANG: "元江县", YIMEN: "易门县"}
    shown = views.draws_display(sim, names, "zh")
    assert list(shown["指标来源（权属）"]) == ["通海县", "州（市）级所有", "元江县", "通海县", "州（市）级所有",
                                        "易门县", "通海县", "州（市）级所有"]
    assert list(shown["资金缴入"])[:3] == ["无偿（本县自有指标）", "州（市）级财政", "元江县财政"]
    assert list(shown["单位"]) == ["亩"] * 6 + ["公斤"] * 2
    after = views.ledger_after(sim, names, "zh")
    cultivated = after[after["指标"] == "耕地数量"].set_index("指标权属")
    assert cultivated.loc["合计", "本次调出"] == pytest.approx(500.0)
    # 584.63 亩 available in the whole pool before, 500 drawn: 84.63 left
    assert cultivated.loc["合计", "可用（模拟后）"] == pytest.approx(584.63 - 500.0)
    assert cultivated.loc["元江县", "可用（模拟后）"] == pytest.approx(137.32 - 124.26)
    assert cultivated.loc["州（市）级所有", "可用（模拟后）"] == pytest.approx(0.0)
    lines = views.order_text(sim, names, "zh")
    assert lines[0].startswith("耕地数量调用顺序：通海县 → 州（市）级所有 → 元江县 → 易门县")


def test_arable_pool_is_short_when_the_need_exceeds_it(pool_inputs):
    # The whole arable pool holds 584.63 亩 of 耕地数量; 通海 asks for 700 → 115.37 亩 unmet.
    sim = views.simulate_pools(pool_inputs["ledger"], TONGHAI, {"cultivated_mu": 700.0}, pool_inputs["prices"],
                               QIANNAN, project_level="national")
    assert sim.unmet["cultivated_mu"] == pytest.approx(700.0 - 584.63)
    (level, text), = views.outcome_messages(sim, "zh")
    assert level == "warning" and "115.37 亩" in text


def test_refusals_carry_their_clause(pool_inputs):
    # A county-level project is served by no pool but the quota pool (第十一条); 通海 also failed last year's
    # stock-disposal task (2025: 287.88 < 420.03 亩), so the quota pool refuses it on two counts.
    sim = views.simulate_pools(pool_inputs["ledger"], TONGHAI, {"cultivated_mu": 50.0, "quota_mu": 100.0},
                               pool_inputs["prices"], QIANNAN, quotas=pool_inputs["quotas"], year=2026,
                               project_level="county")
    assert sim.draws.empty
    assert sim.outcomes["arable"].reasons == ("project_level_ineligible",)
    assert sim.outcomes["quota"].reasons == ("stock_task_incomplete",)
    errors = [text for level, text in views.outcome_messages(sim, "zh") if level == "error"]
    assert len(errors) == 2
    assert errors[0].startswith("占补平衡指标调节池：不予调剂") and "第十一条" in errors[0]
    assert errors[1].startswith("年度计划指标调节池：不予调剂") and "上一年度存量建设用地处置任务未完成" in errors[1]
    after = views.ledger_after(sim, {}, "zh")
    assert (after["本次调出"] == 0).all()


def test_quota_pool_by_hand(pool_inputs):
    """红塔区 used its whole 2026 quota (2400 ≥ 1920 own) and finished 2025's task (1318.95 ≥ 1123.37): it may draw.
    238 亩 from a pool of 2380 亩 is 10% of every county's pooled 20%: 48, 19, 25, 18, 27, 20, 32, 20, 29 亩."""
    sim = views.simulate_pools(pool_inputs["ledger"], HONGTA, {"quota_mu": 238.0}, pool_inputs["prices"], QIANNAN,
                               quotas=pool_inputs["quotas"], year=2026, project_level="prefecture")
    draws = sim.draws.set_index("source_owner")["quantity"]
    assert draws.to_dict() == pytest.approx({HONGTA: 48.0, "530403": 19.0, TONGHAI: 25.0, HUANING: 18.0,
                                             YIMEN: 27.0, "530426": 20.0, "530427": 32.0, YUANJIANG: 20.0,
                                             "530481": 29.0})
    assert pd.isna(sim.cost_wan)  # the quota pool is not priced


def test_boundary_pool_by_hand(pool_inputs):
    """500 亩 of boundary scale for 通海: one county suffices; of those with ≥ 500 亩 left the lowest use ratio is
    华宁 (34.5%), so all 500 亩 come from 华宁县."""
    sim = views.simulate_pools(pool_inputs["ledger"], TONGHAI, {"ubg_scale_mu": 500.0}, pool_inputs["prices"],
                               QIANNAN, project_level="provincial")
    assert list(zip(sim.draws["source_owner"], sim.draws["quantity"])) == [(HUANING, pytest.approx(500.0))]


def test_simulator_levels_come_from_the_profile():
    levels = views.simulator_levels(QIANNAN, ["national", "provincial", "prefecture", "county"])
    assert levels[:4] == list(QIANNAN["pool_arable_eligible_levels"])
    assert "county" in levels and len(levels) == len(set(levels))


# ------------------------------------------------------------------------------------------------------------
# published figures (seed 000, DOMAIN.md §2)


@pytest.mark.parametrize("figure, indicator, published", [
    ("filed_2022", "cultivated", 5054.0), ("filed_2022", "paddy", 5503.0), ("filed_2022", "grain", 3373100.0),
    ("filed_2022", "count", 20.0),
    ("bought_2022", "cultivated", 3869.0), ("bought_2022", "paddy", 330.0), ("bought_2022", "grain", 2599100.0),
    ("key_projects_2022", "cultivated", 4840.0), ("key_projects_2022", "paddy", 3828.0),
    ("key_projects_2022", "grain", 3503200.0),
    ("from_reserve_2022", "cultivated", 1313.0), ("from_reserve_2022", "paddy", 562.0),
    ("from_reserve_2022", "grain", 1097200.0),
    ("occupied_since_2019", "cultivated", 22362.98), ("occupied_since_2019", "paddy", 8195.58),
    ("occupied_since_2019", "grain", 14984800.0),
    ("debt_repaid_since_2019", "cultivated", 5902.16), ("debt_repaid_since_2019", "paddy", 7598.47),
    ("debt_repaid_since_2019", "grain", 3811400.0),
    ("gap_bought_since_2019", "cultivated", 10484.51), ("gap_bought_since_2019", "paddy", 12815.36),
    ("gap_bought_since_2019", "grain", 4526800.0),
])
def test_published_figures_are_reproduced(demo_tables, figure, indicator, published):
    shown = views.published_display(demo_tables["arable_published_check"], "zh")
    check = demo_tables["arable_published_check"]
    i = check.index[(check["figure"] == figure) & (check["indicator"] == indicator)][0]
    assert shown.loc[i, "公开值"] == published
    assert shown.loc[i, "台账计算值"] == pytest.approx(published, abs=0.005)
    assert bool(shown.loc[i, "一致"])


def test_published_display_in_english(demo_tables):
    shown = views.published_display(demo_tables["arable_published_check"], "en")
    assert shown.iloc[0]["Published figure"] == "20 land consolidation projects filed (2022)"
    assert set(shown["Unit"]) == {"mu", "kg", "items"}


# ------------------------------------------------------------------------------------------------------------
# texts


def test_every_panel_message_exists_in_both_languages():
    source = (ROOT / "dashboard" / "views" / "arable.py").read_text(encoding="utf-8")
    keys = set(re.findall(r"""_m\(\s*["']([a-z0-9_.]+)["']""", source))
    keys |= {f"kind.{k}" for k in KINDS} | {f"reason.{r}" for r in REASONS}
    keys |= {f"pool.{p}" for p in views.POOL_NEEDS} | {f"stage.{s}" for s in stages()}
    keys |= {f"level.{v}" for v in views.simulator_levels(QIANNAN, ["county"])}
    keys |= {f"unit.{u}" for u in ("mu", "kg", "wan", "wan_per_mu", "yuan_per_kg", "count")}
    keys |= {f"indicator.{i}" for i in ("cultivated", "paddy", "grain", "total", "count")}
    keys |= {f"chart.{d}" for d in ("up", "down", "total")}
    keys |= {f"sim.indicator.{i}" for i in ("quota", "ubg_scale")} | {f"sim.need.{n}" for n in ("quota_mu",
                                                                                               "ubg_scale_mu")}
    for lang in LANGUAGES:
        missing = sorted(k for k in keys if f"arable_panel.{k}" not in catalog(lang))
        assert not missing, (lang, missing)


def test_charts_export_as_png(demo_tables):
    """Every chart of the page renders offline to PNG (the panels' download), at its declared width."""
    from dashboard.charts import chart_png

    balance = demo_tables["arable_balance"]
    frame = views.waterfall_frame(balance, CITY, "grain", "zh")
    for chart in (views.waterfall_chart(frame, "grain", "zh", "全市粮食产能（公斤）余额构成"),
                  views.balance_chart(balance, {}, "zh"), views.cost_chart(demo_tables["arable_shortfall_cost"], {}, "zh")):
        assert chart_png(chart, scale=1.0)[:8] == b"\x89PNG\r\n\x1a\n"
