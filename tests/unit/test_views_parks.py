"""Panel data of the 园区与亩均 panels: the grading simulator on hand-made enterprises (named enterprises change
grade when a weight changes), the grade distribution, 标准地 counts, the boundary table and the published park
figures (seed 000) recomputed from the demo."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.demo import DEMO_DIR
from dashboard.indicators import Context, compute
from dashboard.indicators.per_mu import METRICS
from dashboard.policy import load_profile, profile_ids
from dashboard.reference import published_figures
from dashboard.views import parks as views
from tests.unit.conftest import DEMO_AS_OF

YUXI = load_profile()


def hand_metrics() -> pd.DataFrame:
    """Five above-size units: 甲 leads on tax per mu, 乙 on R&D intensity (2.5× the 2% benchmark).

    Yuxi weights (tax 30, R&D 10 of 100; other items missing score 0; cap 2), score = Σ w × min(x ÷ b, 2) ÷ 2:
    甲 (30×2 + 10×0.25) ÷ 2 = 31.25 (A), 丙 (30×1.33 + 10×0.5) ÷ 2 = 22.5, 乙 (30×0.8 + 10×2) ÷ 2 = 22, 丁 12.5
    (B), 戊 5.25 (D, rank share 1.0 > 0.95).  With R&D alone weighted the order is 乙 (A), 丙, 丁 (tie on R&D:
    parcel id), 甲 (B at rank share 0.8), 戊 (D): exactly 甲 A → B and 乙 B → A change.
    """
    frame = pd.DataFrame({
        "parcel_id": ["P1", "P2", "P3", "P4", "P5"],
        "enterprise_name": ["甲公司", "乙公司", "丙公司", "丁公司", "戊公司"],
        "park_id": ["K1", "K1", "K1", "K2", "K2"],
        "park_name": ["一园", "一园", "一园", "二园", "二园"],
        "region_code": ["530402", "530402", "530402", "530403", "530403"],
        "region_name": ["红塔区", "红塔区", "红塔区", "江川区", "江川区"],
        "scale": ["above"] * 5,
        "year": [2025] * 5,
        "area_mu": [10.0, 20.0, 30.0, 40.0, 50.0],
    })
    for metric in METRICS:
        frame[metric.column] = np.nan
    frame["tax_per_mu_wan"] = [30.0, 12.0, 20.0, 10.0, 5.0]
    frame["rd_intensity_pct"] = [0.5, 5.0, 1.0, 1.0, 0.1]
    return frame


def rd_only(rules: views.GradingRules) -> views.GradingRules:
    weights = {key: (100.0 if key == "rd_intensity" else 0.0) for key in rules.weights_above}
    return views.GradingRules(weights, rules.weights_below, rules.benchmarks, rules.cap, rules.bands)


def test_changing_a_weight_changes_the_named_enterprises_grades():
    rules = views.GradingRules.of(YUXI)
    comparison = views.simulate_grading(hand_metrics(), YUXI, rd_only(rules).profile(YUXI, note="test"))
    changed = comparison.changed.set_index("enterprise_name")
    assert set(changed.index) == {"甲公司", "乙公司"}
    assert (changed.loc["甲公司", "grade_before"], changed.loc["甲公司", "grade_after"]) == ("A", "B")
    assert (changed.loc["乙公司", "grade_before"], changed.loc["乙公司", "grade_after"]) == ("B", "A")
    assert changed.loc["甲公司", "change"] == -1 and changed.loc["乙公司", "change"] == 1
    # R&D 5% ÷ 2% = 2.5, capped at 2: 乙 scores the full 100 points
    assert changed.loc["乙公司", "score_after"] == pytest.approx(100.0)

    table = views.changes_display(comparison, "zh")
    assert list(table["企业名称"]) == ["乙公司", "甲公司"]  # the upgrade first
    assert list(table["模拟分档"]) == ["A ↑", "B ↓"]
    assert list(table["当前名次"]) == [3, 1] and list(table["模拟名次"]) == [1, 4]

    matrix = comparison.transitions()
    assert list(matrix.index) == list(matrix.columns) == ["A", "B", "C", "D"]
    assert matrix.loc["A", "B"] == 1 and matrix.loc["B", "A"] == 1
    assert matrix.loc["B", "B"] == 2 and matrix.loc["D", "D"] == 1 and int(matrix.to_numpy().sum()) == 5


def test_changes_narrow_to_the_view_after_city_wide_regrading():
    rules = views.GradingRules.of(YUXI)
    comparison = views.simulate_grading(hand_metrics(), YUXI, rd_only(rules).profile(YUXI, note="test"))
    assert views.changes_display(comparison, "zh", county="530403").empty
    assert list(views.changes_display(comparison, "en", parks=["K1"])["Enterprise"]) == ["乙公司", "甲公司"]


def test_bands_and_benchmarks_are_simulated_too():
    metrics = hand_metrics()
    rules = views.GradingRules.of(YUXI)
    wider = views.GradingRules(rules.weights_above, rules.weights_below, rules.benchmarks, rules.cap,
                               {"A": 0.4, "B": 0.8, "C": 0.95, "D": 1.0})
    comparison = views.simulate_grading(metrics, YUXI, wider.profile(YUXI, note="test"))
    assert set(comparison.changed["enterprise_name"]) == {"丙公司"}  # rank 2 of 5 = 0.4 → A
    # a tax benchmark ten times higher (150 万元/亩) lowers every score and lets R&D decide: Σ w × ratio is
    # 乙 22.4, 丙 9, 甲 8.5, so scores (÷ cap 2 × Σw 100, × 100) 11.2, 4.5, 4.25
    strict = dict(rules.benchmarks, tax_benchmark_wan_per_mu=150.0)
    moved = views.simulate_grading(metrics, YUXI, views.GradingRules(
        rules.weights_above, rules.weights_below, strict, rules.cap, rules.bands).profile(YUXI, note="test"))
    assert set(moved.changed["enterprise_name"]) == {"甲公司", "乙公司"}
    assert (moved.rows["score_after"] < moved.rows["score_before"]).all()
    assert moved.rows.set_index("enterprise_name").loc["乙公司", "score_after"] == pytest.approx(11.2)


def test_unchanged_rules_and_profiles_that_share_them_change_nothing():
    current = views.GradingRules.of(YUXI)
    assert current.changed_from(views.GradingRules.of(YUXI)) == []
    for profile_id in profile_ids():
        other = load_profile(profile_id)
        comparison = views.simulate_grading(hand_metrics(), YUXI, views.GradingRules.of(other).profile(other, "t"))
        if views.GradingRules.of(other) == current:
            assert comparison.changed.empty
    assert rd_only(current).changed_from(current) == ["weights_above"]


def test_rules_that_cannot_grade_are_named():
    rules = views.GradingRules.of(YUXI)
    assert rules.problems() == []
    zero = {key: 0.0 for key in rules.weights_below}
    assert views.GradingRules(rules.weights_above, zero, rules.benchmarks, rules.cap, rules.bands).problems() == [
        ("sim.problem.no_weight", {"scale": "below"})]
    negative = dict(rules.weights_above, tax_per_mu=-1.0)
    assert ("sim.problem.negative_weight", {"scale": "above"}) in views.GradingRules(
        negative, rules.weights_below, rules.benchmarks, rules.cap, rules.bands).problems()
    bad_bands = {"A": 0.5, "B": 0.4, "C": 0.95, "D": 1.0}
    assert views.GradingRules(rules.weights_above, rules.weights_below, rules.benchmarks, 0.0, bad_bands).problems() == [
        ("sim.problem.cap", {}), ("sim.problem.bands", {})]
    zero_bench = dict(rules.benchmarks, rd_intensity_benchmark=0.0)
    assert views.GradingRules(rules.weights_above, rules.weights_below, zero_bench, rules.cap,
                              rules.bands).problems() == [("sim.problem.benchmark", {})]


def test_grade_distribution_has_every_grade_for_every_park_and_the_total():
    metrics = hand_metrics()
    graded = views.simulate_grading(metrics, YUXI, YUXI).rows.rename(columns={"grade_before": "grade"})
    dist = views.grade_distribution(graded, metrics, ["A", "B", "C", "D"])
    assert len(dist) == 3 * 4
    total = dist[dist["park_name"].isna()].set_index("grade")
    assert total["enterprises"].to_dict() == {"A": 1, "B": 3, "C": 0, "D": 1}
    assert total.loc["B", "area_mu"] == pytest.approx(20 + 30 + 40)
    assert total["share_pct"].sum() == pytest.approx(100.0)
    one = dist[dist["park_name"] == "一园"].set_index("grade")
    assert one["enterprises"].to_dict() == {"A": 1, "B": 2, "C": 0, "D": 0}
    wide = views.distribution_table(dist, ["A", "B", "C", "D"], "zh")
    assert list(wide["园区"]) == ["一园", "二园", "全部园区"]
    assert list(wide["A 类（家）"]) == [1, 0, 1]
    views.grade_distribution_chart(dist, ["A", "B", "C", "D"], "zh").to_dict()  # a valid Vega-Lite spec


# --- on the demo data -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(demo_engine):
    ctx = Context(engine=demo_engine, profile=YUXI, as_of=DEMO_AS_OF)
    ids = ("per_mu_enterprise", "enterprise_grades", "standard_land_checks", "park_ubg_share", "per_mu_park")
    return {ind: compute(ind, ctx) for ind in ids}


def test_simulating_the_current_rules_reproduces_the_engine_grades(demo):
    rules = views.GradingRules.of(YUXI)
    comparison = views.simulate_grading(demo["per_mu_enterprise"], YUXI, rules.profile(YUXI, note="test"))
    assert comparison.changed.empty
    engine = demo["enterprise_grades"].set_index("parcel_id")["grade"]
    assert comparison.rows.set_index("parcel_id")["grade_after"].reindex(engine.index).equals(engine)


def test_demo_weight_change_moves_enterprises_both_ways(demo):
    rules = views.GradingRules.of(YUXI)
    comparison = views.simulate_grading(demo["per_mu_enterprise"], YUXI, rd_only(rules).profile(YUXI, "test"))
    assert (comparison.changed["change"] > 0).any() and (comparison.changed["change"] < 0).any()
    # the bands still partition every unit: as many A's after as before
    matrix = comparison.transitions()
    assert matrix.sum(axis=1)["A"] == matrix.sum(axis=0)["A"]


def test_standard_land_counts_match_the_table(demo):
    checks = demo["standard_land_checks"]
    summary = views.standard_land_summary(checks)
    assert summary["units"] == len(checks)
    assert summary["admin_land_over"] == int((checks["admin_land_share_pct"] > 7.0).sum())
    assert summary["admin_floor_over"] == int((checks["admin_floor_share_pct"] > 15.0).sum())
    assert summary["scale_review"] == int((checks["area_mu"] >= 100).sum())
    problems = views.standard_land_display(checks, "zh")
    everyone = views.standard_land_display(checks, "zh", problems_only=False)
    assert len(everyone) == len(checks) and 0 < len(problems) < len(checks)
    flagged = ((problems["用地占比核查"] != "符合") | (problems["建筑面积占比核查"] != "符合")
               | (problems["规模论证"] == "须论证"))
    assert flagged.all()
    assert len(problems) == len(checks) - int((checks["passes"].fillna(False) & ~checks["scale_review"]).sum())


def test_published_park_figures_are_reproduced(demo):
    check = views.published_park_check(demo["per_mu_park"], demo["park_ubg_share"], published_figures())
    parks = published_figures()["parks"]["park"]
    expected = len(parks) + sum(bool(p.get("output_published", True)) for p in parks) + 1
    assert len(check) == expected
    assert check["matches"].all(), check[~check["matches"]]
    ubg = check[check["figure"] == "parks_ubg"].iloc[0]
    assert ubg["published"] == 44.85 and round(ubg["computed"], 2) == 44.85
    shown = views.published_display(check, "zh")
    assert "纳入城镇开发边界比例" in set(shown["指标"]) and shown["一致"].all()


def test_boundary_table_has_the_total_for_the_city_only(demo):
    city = views.ubg_display(demo["park_ubg_share"], "zh")
    assert city["园区"].iloc[-1] == "全部园区" and len(city) == 6
    county = views.ubg_display(demo["park_ubg_share"], "en", county="530402")
    assert len(county) == 1 and "All parks" not in set(county["Park"])


def test_published_check_flags_a_wrong_figure(demo):
    figures = published_figures()
    wrong = {**figures, "parks_ubg": {**figures["parks_ubg"], "ubg_share_pct": 50.0}}
    check = views.published_park_check(demo["per_mu_park"], demo["park_ubg_share"], wrong)
    assert list(check.loc[~check["matches"], "figure"]) == ["parks_ubg"]


def test_enterprise_table_is_in_rank_order_with_units(demo):
    table = views.enterprise_table(demo["enterprise_grades"], demo["per_mu_enterprise"], "zh")
    assert len(table) == len(demo["enterprise_grades"])
    assert table["全市名次"].is_monotonic_increasing
    assert "用地面积（亩）" in table.columns and "综合得分（分）" in table.columns
    assert any("万元/亩" in c for c in table.columns)
    # the name, grade, rank and score come first: in view on a projector without scrolling sideways
    assert list(table.columns[:4]) == ["企业名称", "分档", "全市名次", "综合得分（分）"]


def test_english_tables_name_counties_in_english(demo):
    """An English page names the counties (and the city on the boundary table's total row) in English."""
    regions = pd.read_parquet(DEMO_DIR / "regions.parquet", columns=["code", "name_en"])
    names = dict(zip(regions["code"].astype(str), regions["name_en"].astype(str), strict=True))
    table = views.enterprise_table(demo["enterprise_grades"], demo["per_mu_enterprise"], "en", county_names=names)
    counties = set(table["County"])
    assert counties and all(c.isascii() for c in counties) and "Hongta District" in counties
    ubg = views.ubg_display(demo["park_ubg_share"], "en", county_names=names)
    assert all(c.isascii() for c in ubg["County"]) and ubg["County"].iloc[-1] == "Yuxi City"
    # without names (or for a code the regions lack) the table keeps the indicator's own name
    zh = views.ubg_display(demo["park_ubg_share"], "zh")
    assert zh["区县"].iloc[-1] == "玉溪市"
    assert views.ubg_display(demo["park_ubg_share"], "en", county_names={})["County"].iloc[-1] == "玉溪市"
