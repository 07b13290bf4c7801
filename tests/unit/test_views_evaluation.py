"""Panel data of the 节约集约评价 page: series with status and target lines, verdicts naming the profile's target,
KPI deltas, county ranking, charts — on hand-made tables (exact figures), the published targets and the demo.

Published figures (DOMAIN.md §7): Hefei's 单位GDP建设用地使用面积 yearly decline ≥ 5% (the default profile) and
Jiangsu's −33% over 2016–20, i.e. ≈ 7.7% a year (the ``jiangsu`` profile); Jiangsu 地均GDP 28.8 万元/亩.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.citations import cite
from dashboard.engine import Engine
from dashboard.i18n import LANGUAGES, catalog, t
from dashboard.indicators import Context, compute
from dashboard.policy import load_profile
from dashboard.views import evaluation as ev

AS_OF = date(2026, 9, 30)
CITY = "530400"


def frames_of(ctx: Context) -> dict[str, pd.DataFrame]:
    return ev.series_frames({ind_id: compute(ind_id, ctx) for ind_id in ev.INDICATORS})


@pytest.fixture()
def hand_engine(tmp_path):
    """Two counties over 2024–25: 甲 land per GDP 100 → 95 亩/亿元 (−5%), 乙 100 → 96 (−4%); 丙 has no rows.

    甲 2025: 地均GDP 20000 万元 ÷ 190 亩 = 105.26 万元/亩; 乙 2025: 25000 ÷ 240 = 104.17.  Per capita 120 and
    140 m²; stock share 甲 70% → 10%, 乙 30% → undefined (nothing supplied).
    """
    pd.DataFrame(
        {"code": ["530400", "530402", "530403", "530423"], "name": ["市", "甲", "乙", "丙"],
         "level": ["city", "county", "county", "county"]}
    ).to_parquet(tmp_path / "regions.parquet")
    pd.DataFrame(
        {
            "county_code": ["530402", "530402", "530403", "530403"],
            "year": [2024, 2025, 2024, 2025],
            "gdp_wan": [10_000.0, 20_000.0, 30_000.0, 25_000.0],
            "construction_land_mu": [100.0, 190.0, 300.0, 240.0],
            "population": [1000, 1000, 3000, 3000],
            "urban_industrial_land_m2": [60_000.0, 60_000.0, 420_000.0, 420_000.0],
            "urban_population": [500, 500, 3000, 3000],
            "stock_supply_mu": [7.0, 1.0, 3.0, 0.0],
            "total_supply_mu": [10.0, 10.0, 10.0, 0.0],
        }
    ).to_parquet(tmp_path / "economy.parquet")
    mu = 10000.0 / 15.0
    pd.DataFrame(
        {"parcel_id": ["1", "2"], "county_code": ["530402", "530403"], "dlbm": ["0103", "0301"],
         "dlmc": ["旱地", "乔木林地"], "area_m2": [1500 * mu, 3000 * mu]}
    ).to_parquet(tmp_path / "landuse.parquet")
    return Engine.from_dir(tmp_path)


@pytest.fixture()
def hand(hand_engine):
    return frames_of(Context(engine=hand_engine, profile=load_profile(), as_of=AS_OF))


def row(frame: pd.DataFrame, region: str, year: int) -> pd.Series:
    return frame[(frame["region_code"] == region) & (frame["year"] == year)].iloc[0]


# -- formatting ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "text"), [(28.8, "28.8"), (5.0, "5"), (125.0, "125"), (4.8400, "4.84"),
                                             (1071.618, "1,071.62"), (0.0, "0"), (float("nan"), "—")])
def test_fmt_number(value, text):
    assert ev.fmt_number(value) == text


@pytest.mark.parametrize(("key", "zh", "en"), [
    ("gdp_per_land", "22.91 万元/亩", "22.91 10k yuan/mu"),
    ("land_per_gdp", "22.91 亩/亿元", "22.91 mu per 100M yuan"),
    ("stock_share", "22.91%", "22.91%"),
    ("per_capita", "22.91 平方米/人", "22.91 m²/person"),
])
def test_every_number_carries_its_unit(key, zh, en):
    series = ev.SERIES_BY_KEY[key]
    assert ev.with_unit(22.9061, series, "zh") == zh
    assert ev.with_unit(22.9061, series, "en") == en


def test_every_series_has_its_texts_in_every_language():
    for lang in LANGUAGES:
        messages = catalog(lang)
        for series in ev.SERIES:
            for group in ("series", "axis"):
                assert f"evaluation_panel.{group}.{series.key}" in messages
            assert f"evaluation_panel.unit.{series.unit}" in messages
            outcomes = ("met", "missed", "rose") if series.key == "land_per_gdp_decline" else ("met", "missed")
            for outcome in outcomes:
                assert f"evaluation_panel.verdict.{series.key}_{outcome}" in messages


# -- series, status and the derived line ---------------------------------------------------------------------


def test_decline_status_follows_the_profile_target(hand):
    decline = hand["land_per_gdp_decline"]
    assert row(decline, "530402", 2025)["value"] == pytest.approx(5.0)
    assert row(decline, "530402", 2025)["status"] == "ok"  # exactly Hefei's 5%
    assert row(decline, "530403", 2025)["value"] == pytest.approx(4.0)
    assert row(decline, "530403", 2025)["status"] == "warn"
    assert row(decline, "530402", 2024)["status"] == "none"  # no previous year
    assert (decline["target"] == 100 * load_profile()["land_per_gdp_decline_min"]).all()


def test_land_per_gdp_level_line_is_last_year_lowered_by_the_target(hand):
    level = hand["land_per_gdp"]
    # Both counties were at 100 亩/亿元 in 2024: the 2025 line is 100 × (1 − 5%) = 95.
    first, second = row(level, "530402", 2025), row(level, "530403", 2025)
    assert first["target"] == pytest.approx(95.0) and second["target"] == pytest.approx(95.0)
    assert (first["status"], second["status"]) == ("ok", "warn")
    assert first["previous"] == pytest.approx(100.0) and first["delta"] == pytest.approx(-5.0)
    assert pd.isna(row(level, "530402", 2024)["target"])


def test_caps_are_ok_below_and_warn_above(hand):
    per_capita = hand["per_capita"]
    assert row(per_capita, "530402", 2025)["status"] == "ok"  # 120 ≤ 125
    assert row(per_capita, "530403", 2025)["status"] == "warn"  # 140 > 125
    assert row(per_capita, "530403", 2025)["target"] == load_profile()["urban_industrial_land_per_capita_max_m2"]


def test_undefined_values_are_not_judged(hand):
    share = hand["stock_share"]
    assert pd.isna(row(share, "530403", 2025)["value"]) and row(share, "530403", 2025)["status"] == "none"
    assert ev.latest(share, "530403")["year"] == 2024  # the latest year *with a value*
    assert ev.latest(share, "530423") is None


# -- verdicts ------------------------------------------------------------------------------------------------


def test_decline_verdict_names_the_profile_target(hand):
    series = ev.SERIES_BY_KEY["land_per_gdp_decline"]
    profile = load_profile()
    name = profile.name("zh")
    assert ev.verdict(series, ev.latest(hand[series.key], "530403"), profile, "zh") == (
        f"2025年单位GDP建设用地下降 4%，未达到年下降 5% 的目标（政策口径：{name}）。")
    assert ev.verdict(series, ev.latest(hand[series.key], "530402"), profile, "zh") == (
        f"2025年单位GDP建设用地下降 5%，达到年下降 5% 的目标（政策口径：{name}）。")
    assert ev.verdict(series, ev.latest(hand[series.key], "530402"), profile, "en").startswith(
        "2025: construction land per unit of GDP fell 5%, meeting the 5% yearly decline target")


def test_jiangsu_profile_moves_the_decline_line_to_its_published_yearly_rate(hand_engine):
    # Jiangsu: −33% over five years ≈ 7.7% a year; 甲's 5% meets Hefei's line but not Jiangsu's.
    profile = load_profile("jiangsu")
    frames = frames_of(Context(engine=hand_engine, profile=profile, as_of=AS_OF))
    series = ev.SERIES_BY_KEY["land_per_gdp_decline"]
    latest = ev.latest(frames[series.key], "530402")
    assert latest["target"] == pytest.approx(7.7) and latest["status"] == "warn"
    assert ev.verdict(series, latest, profile, "zh") == (
        f"2025年单位GDP建设用地下降 5%，未达到年下降 7.7% 的目标（政策口径：{profile.name('zh')}）。")
    level = ev.latest(frames["land_per_gdp"], "530402")
    assert level["target"] == pytest.approx(100 * (1 - 0.077))
    assert "按年下降 7.7% 推算的 92.3 亩/亿元" in ev.verdict(ev.SERIES_BY_KEY["land_per_gdp"], level, profile, "zh")


def test_rising_land_per_gdp_says_it_rose():
    series = ev.SERIES_BY_KEY["land_per_gdp_decline"]
    latest = pd.Series({"year": 2025, "value": -2.0, "target": 5.0, "status": "warn", "previous": 100.0})
    text = ev.verdict(series, latest, load_profile(), "zh")
    assert text.startswith("2025年单位GDP建设用地上升 2%，未达到年下降 5% 的目标")


@pytest.mark.parametrize(("key", "value", "target", "status", "expected"), [
    # Jiangsu's published 地均GDP line: 28.8 万元/亩 exactly meets it.
    ("gdp_per_land", 28.8, 28.8, "ok", "2025年地均GDP 28.8 万元/亩，达到 28.8 万元/亩 的目标"),
    ("gdp_per_land", 22.906, 28.8, "warn", "2025年地均GDP 22.91 万元/亩，未达到 28.8 万元/亩 的目标，差 5.89 万元/亩"),
    ("development_intensity", 16.0, 15.0, "warn", "2025年土地开发强度 16%，超过 15% 的上限 1 个百分点"),
    ("per_capita", 130.14, 125.0, "warn", "2025年人均城镇工矿用地 130.14 平方米/人，超过 125 平方米/人 的上限 5.14 平方米/人"),
    ("stock_share", 54.46, 70.0, "warn", "2025年存量用地供应占比 54.46%，低于 70% 的目标 15.54 个百分点"),
    ("stock_share", 70.0, 70.0, "ok", "2025年存量用地供应占比 70%，达到 70% 的目标"),
])
def test_verdicts(key, value, target, status, expected):
    latest = pd.Series({"year": 2025, "value": value, "target": target, "status": status, "previous": None})
    assert ev.verdict(ev.SERIES_BY_KEY[key], latest, load_profile(), "zh").startswith(expected)


def test_no_data_and_no_line_verdicts(hand):
    series = ev.SERIES_BY_KEY["stock_share"]
    assert ev.verdict(series, None, load_profile(), "zh") == "存量用地供应占比：暂无数据。"
    first_year = row(hand["land_per_gdp"], "530402", 2024)  # a level, but no previous year to derive its line
    assert ev.verdict(ev.SERIES_BY_KEY["land_per_gdp"], first_year, load_profile(), "zh") == (
        "2024年单位GDP建设用地使用面积 100 亩/亿元，没有可比较的目标线（缺少上年数据或目标值）。")


def test_clause_cites_the_profile_parameter_behind_the_line():
    yuxi, jiangsu = load_profile(), load_profile("jiangsu")
    intensity = ev.SERIES_BY_KEY["development_intensity"]
    assert ev.active_params(intensity, yuxi, "530402") == ["development_intensity_max"]
    assert ev.active_params(intensity, jiangsu, "320505") == ["development_intensity_zone_max"]  # 苏南
    assert ev.active_params(intensity, jiangsu, "530402") == ["development_intensity_max"]
    text = ev.clause(ev.SERIES_BY_KEY["land_per_gdp_decline"], jiangsu, "530402", "zh")
    assert cite(jiangsu.param("land_per_gdp_decline_min").source) in text and jiangsu.name("zh") in text
    assert "seed" not in text  # the document by its title


# -- KPI cards, ranking, tables ------------------------------------------------------------------------------


def test_kpis_give_the_latest_value_and_the_change_from_last_year(hand):
    cards = {card.key: card for card in ev.kpis(hand, "530402", "zh")}
    assert [c.key for c in ev.kpis(hand, "530402", "zh")] == [s.key for s in ev.SERIES]
    gdp = cards["gdp_per_land"]
    assert gdp.label == "2025年地均GDP" and gdp.unit == "万元/亩"
    assert gdp.value == pytest.approx(20_000 / 190) and gdp.delta == pytest.approx(20_000 / 190 - 100.0)
    assert gdp.status == "ok" and gdp.higher_is_better
    share = cards["stock_share"]  # percentages change in percentage points
    assert share.fmt.format(share.value) == "10.00%" and share.delta == pytest.approx(-60.0)
    assert share.delta_fmt.format(share.delta) == "-60.00 个百分点" and share.status == "warn"
    assert not cards["per_capita"].higher_is_better
    assert cards["per_capita"].note.startswith("上限 ≤ 125 平方米/人")
    assert ev.kpis(hand, "530423", "zh")[0].value is None  # a county without data


def test_county_ranking_best_first_with_gap(hand):
    gdp = ev.county_ranking(hand["gdp_per_land"], ev.SERIES_BY_KEY["gdp_per_land"])
    assert gdp["region_code"].tolist() == ["530402", "530403", "530423"]  # floor: highest first, no data last
    assert gdp["rank"].tolist()[:2] == [1, 2] and pd.isna(gdp["rank"].iloc[2])
    assert (gdp["year"] == 2025).all()
    per_capita = ev.county_ranking(hand["per_capita"], ev.SERIES_BY_KEY["per_capita"], names={"530402": "Jia"})
    assert per_capita["region_name"].tolist()[:2] == ["Jia", "乙"]  # cap: lowest first
    assert per_capita["gap"].tolist()[:2] == pytest.approx([0.0, 15.0])
    table = ev.ranking_table(per_capita, ev.SERIES_BY_KEY["per_capita"], "zh")
    assert list(table.columns) == ["排名", "区县", "人均城镇工矿用地（平方米/人）", "上限（平方米/人）",
                                   "差距（平方米/人）", "评价"]


def test_region_table_has_every_series_with_units(hand):
    table = ev.region_table(hand, "530402", "zh")
    assert table["年份"].tolist() == [2024, 2025]
    assert "地均GDP（万元/亩）" in table.columns and "单位GDP建设用地年下降率（%）" in table.columns
    assert table.loc[1, "单位GDP建设用地使用面积（亩/亿元）"] == pytest.approx(95.0)


# -- the demo ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_frames():
    from dashboard.demo import DEMO_DIR

    return frames_of(Context(engine=Engine.from_dir(DEMO_DIR), profile=load_profile(), as_of=AS_OF))


def test_demo_city_verdict_and_kpis(demo_frames):
    series = ev.SERIES_BY_KEY["land_per_gdp_decline"]
    latest = ev.latest(demo_frames[series.key], CITY)
    # City 2025: 436.56 亩/亿元 after 458.77 in 2024 — a 4.84% decline, short of the 5% line.
    assert latest["year"] == 2025 and latest["value"] == pytest.approx(4.84, abs=0.005)
    assert ev.verdict(series, latest, load_profile(), "zh").startswith(
        "2025年单位GDP建设用地下降 4.84%，未达到年下降 5% 的目标")
    cards = {card.key: card for card in ev.kpis(demo_frames, CITY, "zh")}
    assert cards["gdp_per_land"].value == pytest.approx(22.906, abs=5e-4)
    assert cards["gdp_per_land"].delta == pytest.approx(22.906 - 21.797, abs=1e-3)
    assert ev.latest_year(demo_frames) == 2025


def test_demo_ranking_flags_the_designed_counties(demo_frames):
    # dashboard/demo/ledgers.py designs 华宁, 峨山, 新平, 元江 to miss the 5% decline and 江川, 华宁, 易门,
    # 新平, 元江 to exceed 125 m² per urban resident.
    decline = ev.county_ranking(demo_frames["land_per_gdp_decline"], ev.SERIES_BY_KEY["land_per_gdp_decline"])
    assert set(decline.loc[decline["status"] == "warn", "region_code"]) == {"530424", "530426", "530427", "530428"}
    per_capita = ev.county_ranking(demo_frames["per_capita"], ev.SERIES_BY_KEY["per_capita"])
    assert set(per_capita.loc[per_capita["status"] == "warn", "region_code"]) == {
        "530403", "530424", "530425", "530427", "530428"}
    assert per_capita["value"].is_monotonic_increasing
    assert decline["value"].is_monotonic_decreasing


# -- charts --------------------------------------------------------------------------------------------------


def _layers(chart) -> list[dict]:
    return chart.to_dict()["layer"]


def test_trend_chart_draws_the_profile_line_and_names_it(demo_frames):
    series = ev.SERIES_BY_KEY["land_per_gdp_decline"]
    chart = ev.trend_chart(ev.region_series(demo_frames[series.key], CITY), series, "zh")
    spec = chart.to_dict()
    assert spec["title"]["text"] == "- - 目标 ≥ 5%"
    rules = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rule"]
    assert len(rules) == 1 and rules[0]["encoding"]["y"]["field"] == "target"
    assert "年下降率（%）" in [layer["encoding"].get("y", {}).get("title") for layer in spec["layer"]]


def test_level_chart_draws_a_tick_per_year_and_ranking_chart_sorts(demo_frames):
    level = ev.SERIES_BY_KEY["land_per_gdp"]
    chart = ev.trend_chart(ev.region_series(demo_frames[level.key], CITY), level, "zh")
    assert chart.to_dict()["title"]["text"] == "- - 上限：上年值按年下降 5% 推算"
    assert any(layer["mark"]["type"] == "tick" for layer in _layers(chart))
    series = ev.SERIES_BY_KEY["gdp_per_land"]
    ranking = ev.county_ranking(demo_frames[series.key], series)
    spec = ev.ranking_chart(ranking, series, "zh", highlight="530424").to_dict()
    bars = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "bar")
    assert bars["encoding"]["y"]["sort"] == ranking["region_name"].tolist()
    assert bars["encoding"]["x"]["title"] == "地均GDP（万元/亩）"
    assert spec["title"]["text"] == "- - 目标 ≥ 28.8 万元/亩"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ranking_chart_keeps_the_target_line_off_the_value_labels(demo_frames, lang):
    from dashboard.layout import MAIN_WIDTH_PX, text_width_px

    series = ev.SERIES_BY_KEY["gdp_per_land"]
    ranking = ev.county_ranking(demo_frames[series.key], series)
    spec = ev.ranking_chart(ranking, series, lang).to_dict()
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["rule", "bar", "text"]  # the line under the bars
    bars, labels = spec["layer"][1], spec["layer"][2]
    # The labels stand right-aligned at the plot's right edge; bars and line end left of the widest label.
    assert labels["encoding"]["x"] == {"value": "width"} and labels["mark"]["align"] == "right"
    name_px = bars["encoding"]["y"]["axis"]["labelLimit"]
    assert name_px >= max(text_width_px(n, ev.FONT["label"]) for n in ranking["region_name"])
    plot = MAIN_WIDTH_PX - name_px - ev.RANKING_CHROME_PX
    low, high = bars["encoding"]["x"]["scale"]["domain"]
    widest = max(text_width_px(ev.with_unit(v, series, lang), ev.FONT["mark"]) for v in ranking["value"])
    for x in [*ranking["value"].dropna(), *ranking["target"].dropna()]:
        assert (x - low) / (high - low) * plot + widest <= plot
    legend = bars["encoding"]["color"]["legend"]
    statuses = [t(f"evaluation_panel.status.{s}", lang) for s in ev.STATUS_COLOURS]
    assert legend["labelLimit"] >= max(text_width_px(s, ev.FONT["label"]) for s in statuses)
    assert legend["columns"] == len(statuses)
    assert bars["encoding"]["x"]["axis"]["titleLimit"] >= text_width_px(ev.axis_title(series, lang), ev.FONT["title"])
    assert spec["width"] == MAIN_WIDTH_PX
