"""The 总览 panel's shaping functions (dashboard/views/overview.py) over the demo data.

Published figures (DOMAIN.md): five-year supply rate 79.22% with 11616 亩 unsupplied in the window (§4); park
investment intensity 新平 350, 高新区 276.8, 易门 150.4, 通海 161.1, 澄江 194.7 万元/亩 and output 易门 316.8,
澄江 190.9 万元/亩 against the 280 / 400 万元/亩 lines (§5).  Lines come from the profile, so a what-if profile
must move every line, status and alert.
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from dashboard.citations import cite
from dashboard.demo import DEMO_DIR
from dashboard.i18n import LANGUAGES, catalog
from dashboard.indicators import Context, compute
from dashboard.io import read_dataset
from dashboard.layout import column_width, text_width_px
from dashboard.maps import visible_bounds
from dashboard.policy import load_profile
from dashboard.views import overview as view

AS_OF = date(2026, 9, 30)
PROFILE = load_profile()
STRICT = PROFILE.with_overrides({"supply_rate_min": 0.80, "gdp_per_land_target_wan_per_mu": 10.0})
HONGTA, TONGHAI, HUANING, YIMEN, XINPING, YUANJIANG, CHENGJIANG = (
    "530402", "530423", "530424", "530425", "530427", "530428", "530481")


def _tables(engine, profile=PROFILE, as_of=AS_OF, ids=view.CURRENT_TABLES):
    ctx = Context(engine=engine, profile=profile, as_of=as_of)
    return {ind: compute(ind, ctx) for ind in ids}


@pytest.fixture(scope="module")
def regions_geo():
    return read_dataset("regions", DEMO_DIR / "regions.parquet")


@pytest.fixture(scope="module")
def regions(regions_geo):
    return view.region_frame(regions_geo, "zh")


@pytest.fixture(scope="module")
def tables(demo_engine):
    return _tables(demo_engine)


@pytest.fixture(scope="module")
def values(tables, regions):
    return view.all_metric_values(tables, PROFILE, regions)


@pytest.fixture(scope="module")
def previous(demo_engine, tables, regions):
    requests = view.previous_requests(tables, AS_OF)
    prev = {ind: _tables(demo_engine, as_of=day, ids=(ind,))[ind] for ind, day in requests.items()}
    return view.all_metric_values(prev, PROFILE, regions, view.KPI_METRICS)


def _value(values, key, code):
    frame = values[key]
    return frame.loc[frame["region_code"] == code].iloc[0]


def _city(values, key):
    frame = values[key]
    return frame.loc[frame["level"] == "city"].iloc[0]


# ----------------------------------------------------------------------------------------------------------
# Periods


@pytest.mark.parametrize(("key", "as_of", "year", "expected"), [
    ("supply_rate", date(2026, 9, 30), None, date(2026, 6, 30)),
    ("supply_rate", date(2026, 8, 15), None, date(2026, 6, 30)),
    ("cultivated_balance", date(2026, 3, 31), None, date(2025, 12, 31)),
    ("idle_land", date(2026, 1, 1), None, date(2025, 12, 31)),
    ("invest_per_mu", date(2026, 9, 30), 2025, date(2024, 12, 31)),
    ("gdp_per_land", date(2026, 9, 30), 2025, date(2024, 12, 31)),
    ("gdp_per_land", date(2026, 9, 30), None, date(2025, 12, 31)),
])
def test_previous_period_is_the_previous_quarter_end_or_evaluation_year(key, as_of, year, expected):
    assert view.previous_as_of(view.METRIC_BY_KEY[key], as_of, year) == expected


def test_previous_requests_go_back_one_quarter_for_stock_and_one_year_for_annual_figures(tables):
    requests = view.previous_requests(tables, AS_OF)
    assert requests == {"arable_balance": date(2026, 6, 30), "unsupplied_stock": date(2026, 6, 30),
                        "supply_rate_5y": date(2026, 6, 30), "idle_cases": date(2026, 6, 30),
                        "per_mu_county": date(2024, 12, 31), "gdp_per_land": date(2024, 12, 31)}


# ----------------------------------------------------------------------------------------------------------
# Values and KPI cards


def test_city_supply_rate_and_window_unsupplied_reproduce_the_published_figures(tables, values, regions):
    city = _city(values, "supply_rate")
    assert round(city["value"], 2) == 79.22 and city["line"] == 40.0 and city["status"] == "ok"
    details = view.kpi_details(tables, PROFILE, regions, None, "zh")
    assert details["unsupplied_stock"] == "其中近5年批准的未供 11,616.00 亩"


@pytest.mark.parametrize(("key", "code", "published", "status"), [
    ("invest_per_mu", XINPING, 350.0, "ok"),
    ("invest_per_mu", HONGTA, 276.8, "warn"),
    ("invest_per_mu", YIMEN, 150.4, "warn"),
    ("invest_per_mu", TONGHAI, 161.1, "warn"),
    ("invest_per_mu", CHENGJIANG, 194.7, "warn"),
    ("output_per_mu", YIMEN, 316.8, "warn"),
    ("output_per_mu", CHENGJIANG, 190.9, "warn"),
])
def test_per_mu_values_reproduce_the_published_parks_against_the_benchmarks(values, key, code, published, status):
    row = _value(values, key, code)
    assert row["value"] == pytest.approx(published, abs=0.05)
    assert row["status"] == status and row["period"] == 2025
    assert row["line"] == PROFILE[view.METRIC_BY_KEY[key].line_param]


def test_counties_without_parks_have_no_value_and_no_status(values):
    row = _value(values, "invest_per_mu", HUANING)
    assert np.isnan(row["value"]) and row["status"] == "none" and row["miss"] == 0


def test_city_arable_balance_misses_the_line_by_the_sum_of_county_shortfalls(values, tables):
    city = _city(values, "cultivated_balance")
    balance = tables["arable_balance"]
    county = balance[(balance["level"] == "county") & (balance["indicator"] == "cultivated")]
    assert city["value"] > 0  # a city-wide surplus …
    assert city["status"] == "warn"  # … does not cover a county's gap
    assert city["miss"] == pytest.approx(county["shortfall"].sum())
    grain = _city(values, "grain_balance")
    assert grain["value"] == pytest.approx(balance.loc[(balance["level"] == "city")
                                                       & (balance["indicator"] == "grain"), "balance"].iloc[0] / 1e4)


def test_idle_land_by_region_counts_open_cases_and_sums_the_city(regions):
    cases = pd.DataFrame({
        "case_id": ["a", "b", "c", "d"], "region_code": [HONGTA, HONGTA, YIMEN, YIMEN],
        "area_mu": [10.0, 5.0, 7.0, 100.0], "disposed": [False, False, False, True],
        "overdue": [True, False, True, False], "overdue_days": [30, 0, 400, 0],
    })
    idle = view.idle_land_by_region(cases, regions).set_index("region_code")
    assert idle.loc[HONGTA, ["idle_mu", "idle_count", "overdue_mu", "overdue_count"]].tolist() == [15.0, 2, 10.0, 1]
    assert idle.loc[YIMEN, "idle_mu"] == 7.0 and idle.loc[YIMEN, "max_overdue_days"] == 400
    assert idle.loc[HUANING, "idle_mu"] == 0.0
    assert idle.loc["530400", "idle_mu"] == 22.0 and idle.loc["530400", "overdue_count"] == 2


def test_kpi_cards_give_the_change_from_the_previous_period(demo_engine, values, previous):
    cards = {c.metric.key: c for c in view.kpi_cards(values, previous, None)}
    assert [c.metric.key for c in view.kpi_cards(values, previous, None)] == [m.key for m in view.KPI_METRICS]
    earlier = _tables(demo_engine, as_of=date(2026, 6, 30), ids=("supply_rate_5y",))["supply_rate_5y"]
    before = earlier.loc[earlier["level"] == "city", "supply_rate_pct"].iloc[0]
    rate = cards["supply_rate"]
    assert rate.previous == pytest.approx(before)
    assert rate.delta == pytest.approx(rate.value - before)
    assert rate.below == ("元江哈尼族彝族傣族自治县",)
    invest = cards["invest_per_mu"]
    assert invest.period == 2025 and invest.delta == pytest.approx(invest.value - invest.previous)
    assert cards["cultivated_balance"].status == "warn" and len(cards["cultivated_balance"].below) == 4


def test_kpi_cards_of_a_county_and_their_notes(values, previous):
    cards = {c.metric.key: c for c in view.kpi_cards(values, previous, YUANJIANG)}
    rate = cards["supply_rate"]
    assert rate.status == "warn" and rate.value == pytest.approx(36.0, abs=0.01)
    assert view.kpi_note(rate, "zh") == "未达到政策线 ≥ 40%，差 4.00 个百分点"
    assert view.kpi_note(rate, "en") == "Policy line ≥ 40% missed by 4.00 pp"
    assert view.kpi_note(cards["paddy_balance"], "zh") == "缺口 878.81 亩"
    assert view.kpi_note(cards["invest_per_mu"], "zh") == "政策线 ≥ 280 万元/亩；无数据"


# ----------------------------------------------------------------------------------------------------------
# Alerts


def test_alerts_name_the_county_the_miss_the_rule_and_its_clause(tables, values, regions):
    alerts = view.alert_rows(tables, values, PROFILE, regions, "zh")
    assert alerts["severity_rank"].is_monotonic_increasing
    assert (alerts["rule"].str.len() > 0).all() and (alerts["clause"].str.len() > 0).all()
    supply = alerts[(alerts["region_code"] == YUANJIANG) & (alerts["severity_rank"] == 0)].iloc[0]
    assert supply["message"] == "供地率 36.0% < 40%，暂停非重点项目用地报件"
    assert "暂停除国家、省级、市级重点项目和民生保障项目外的用地报件受理" in supply["rule"]
    assert supply["clause"] == cite(PROFILE.param("supply_rate_min").source)  # the document by its title
    huaning = alerts[(alerts["region_code"] == HUANING) & (alerts["severity_rank"] == 0)].iloc[0]
    assert "批而未供处置率 0.0% < 7%" in huaning["message"]
    assert huaning["clause"] == cite(PROFILE.param("disposal_rate_quarterly_min").source)
    tonghai = alerts[(alerts["region_code"] == TONGHAI) & (alerts["severity"] == "指标缺口")].iloc[0]
    assert tonghai["message"].startswith("耕地数量缺口 2,436.36 亩、水田规模缺口 287.27 亩、粮食产能缺口 153.77 万公斤")
    assert "按前6个月省级平台均价购买约需 61,684.89 万元" in tonghai["message"]
    yimen = alerts[(alerts["subject"] == "云南易门工业园区") & (alerts["indicator"] == "园区亩均投资强度")].iloc[0]
    assert yimen["message"].startswith("园区亩均投资强度 150.40 万元/亩 < 280 万元/亩，差 129.60 万元/亩")
    assert yimen["clause"] == cite(PROFILE.param("invest_intensity_benchmark_wan_per_mu").source)
    kinds = set(alerts["severity"])
    assert {"暂停报件", "指标缺口", "逾期未处置", "低于亩均标准", "低于目标"} <= kinds


def test_alerts_of_one_county_and_in_english(tables, values, regions_geo):
    regions = view.region_frame(regions_geo, "en")
    alerts = view.alert_rows(tables, values, PROFILE, regions, "en", YUANJIANG)
    assert set(alerts["region_code"]) == {YUANJIANG}
    assert alerts.iloc[0]["message"] == "supply rate 36.0% < 40%: non-key land applications suspended"
    assert alerts.iloc[0]["region"] == "Yuanjiang Hani, Yi and Dai Autonomous County"
    table = view.alert_table(alerts, "en")
    assert list(table.columns) == ["Kind", "County", "Subject", "Indicator", "Value", "Policy line", "Finding", "Rule",
                                   "Clause"]


def test_a_stricter_profile_moves_the_lines_statuses_and_alerts(demo_engine, regions):
    tables = _tables(demo_engine, STRICT)
    values = view.all_metric_values(tables, STRICT, regions)
    rate = values["supply_rate"]
    assert set(rate["line"]) == {80.0}
    below = set(rate.loc[(rate["level"] == "county") & (rate["status"] == "warn"), "region_code"])
    assert below == {HUANING, YIMEN, "530426", YUANJIANG}
    alerts = view.alert_rows(tables, values, STRICT, regions, "zh")
    suspended = set(alerts.loc[alerts["severity_rank"] == 0, "region_code"])
    assert {HUANING, YIMEN, "530426", YUANJIANG} <= suspended
    assert "供地率 72.0% < 80%" in alerts.loc[(alerts["region_code"] == HUANING)
                                            & (alerts["severity_rank"] == 0), "message"].iloc[0]
    gdp = values["gdp_per_land"]
    assert set(gdp.loc[gdp["status"] == "warn", "region_code"]) == {YUANJIANG}
    spec = json.dumps(view.ranking_chart(rate, view.METRIC_BY_KEY["supply_rate"]).to_dict(), ensure_ascii=False)
    assert "政策线 80%" in spec


def test_alert_html_escapes_names(tables, values, regions):
    alerts = view.alert_rows(tables, values, PROFILE, regions, "zh").head(2).copy()
    alerts["region"] = "<img src=x onerror=alert(1)>"
    html = view.alerts_html(alerts, "zh")
    assert "<img" not in html and "&lt;img src=x" in html and "暂停报件（2）" in html


# ----------------------------------------------------------------------------------------------------------
# Classes, map and chart


@pytest.mark.parametrize(("values", "scheme", "counts", "labels"), [
    ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], "quantiles", (2, 2, 1, 2, 2), None),
    # Ties: quantile bins collapse onto the tied value; no class comes out empty and no range overlaps.
    ([0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 9.0], "quantiles", None, None),
    ([5.0, 5.0, 5.0, 7.0, 7.0, np.nan], "natural_breaks", (3, 2), ("5.00%", "7.00%")),
    ([3.0, 3.0, 3.0], "natural_breaks", (3,), ("3.00%",)),
    ([np.nan, np.nan], "natural_breaks", (), ()),
])
def test_classify_keeps_ties_together_and_never_leaves_a_class_empty(values, scheme, counts, labels):
    classes = view.classify(values, "pct", "zh", scheme)
    assert all(c > 0 for c in classes.counts)
    assert sum(classes.counts) == int(np.isfinite(values).sum())
    assert len(classes.colours) == len(classes.labels) == len(classes.counts) <= view.MAX_CLASSES
    assert (classes.classes[~np.isfinite(values)] == -1).all()
    finite = np.asarray(values)[np.isfinite(values)]
    for c in range(len(classes.counts)):  # class ranges are ordered and disjoint
        if c:
            assert finite[classes.classes[np.isfinite(values)] == c].min() > \
                finite[classes.classes[np.isfinite(values)] == c - 1].max()
    if counts is not None:
        assert classes.counts == counts
    if labels is not None:
        assert classes.labels == labels


def test_choropleth_features_carry_name_with_value_and_id(values, regions_geo):
    metric = view.METRIC_BY_KEY["supply_rate"]
    deck, legend = view.choropleth(values["supply_rate"], regions_geo, metric, "zh", selected=HONGTA)
    spec = json.loads(deck.to_json())
    assert "mapStyle" not in spec or spec["mapStyle"] is not None  # a null style would fetch one online
    assert deck._tooltip == {"text": "{name}\n{id}"}
    features = spec["layers"][0]["data"]["features"]
    assert len(features) == 9 and all({"name", "id"} <= set(f["properties"]) for f in features)
    names = {f["properties"]["id"]: f["properties"]["name"] for f in features}
    assert names[HONGTA] == "红塔区 88.00%"
    assert features[-1]["properties"]["id"] == HONGTA  # the selected outline is drawn last
    markers = next(layer for layer in spec["layers"] if layer["id"] == "overview-below")
    assert [m["id"] for m in markers["data"]] == [YUANJIANG]
    title = legend[0].title
    assert title == "五年供地率（%），自然断点"
    assert all(item.label.endswith("个）") and "%" in item.label for item in legend[0].items)
    assert "≥ 40%" in legend[1].items[0].label


def test_choropleth_of_a_metric_with_missing_counties(values, regions_geo):
    metric = view.METRIC_BY_KEY["output_per_mu"]
    deck, legend = view.choropleth(values["output_per_mu"], regions_geo, metric, "en")
    names = [f["properties"]["name"] for f in json.loads(deck.to_json())["layers"][0]["data"]["features"]]
    assert sum(n.endswith("no data") for n in names) == 4
    assert legend[0].items[-1].label == "no data (4)"


def test_ranking_chart_orders_the_counties_and_draws_the_profile_line(values):
    metric = view.METRIC_BY_KEY["supply_rate"]
    frame = view.ranking_frame(values["supply_rate"], metric, "zh", YUANJIANG)
    assert frame.iloc[0]["region_code"] == HONGTA and frame.iloc[-1]["region_code"] == YUANJIANG
    assert frame.iloc[-1]["status_text"] == "未达到政策线" and frame["selected"].sum() == 1
    spec = json.dumps(view.ranking_chart(values["supply_rate"], metric, "zh", YUANJIANG).to_dict(),
                      ensure_ascii=False)
    assert "五年供地率（%）" in spec and "政策线 40%" in spec and "全市 79.22%" in spec
    stock = view.ranking_frame(values["unsupplied_stock"], view.METRIC_BY_KEY["unsupplied_stock"])
    assert stock.iloc[0]["region_code"] == YUANJIANG  # largest first whatever the direction


@pytest.mark.parametrize("lang", LANGUAGES)
def test_choropleth_fitted_to_its_column_shows_every_county(values, regions_geo, lang):
    width = column_width((3, 2), 0, "medium")  # components.overview_panel.MAP_COLUMNS
    metric = view.METRIC_BY_KEY["cultivated_balance"]
    deck, _ = view.choropleth(values["cultivated_balance"], regions_geo, metric, lang, height_px=560, width_px=width)
    minx, miny, maxx, maxy = visible_bounds(deck.initial_view_state, width, 560)
    for bounds in regions_geo[regions_geo["level"] == "county"].geometry.bounds.itertuples(index=False):
        assert minx < bounds.minx and miny < bounds.miny and maxx > bounds.maxx and maxy > bounds.maxy


def test_english_map_labels_name_the_place_without_its_administrative_words(values, regions_geo):
    assert view.map_label_name("Yuanjiang Hani, Yi and Dai Autonomous County", "en") == "Yuanjiang"
    assert view.map_label_name("Hongta District", "en") == "Hongta"
    assert view.map_label_name("Yuxi", "en") == "Yuxi"
    assert view.map_label_name("元江哈尼族彝族傣族自治县", "zh") == "元江哈尼族彝族傣族自治县"
    metric = view.METRIC_BY_KEY["cultivated_balance"]
    deck, _ = view.choropleth(values["cultivated_balance"], regions_geo, metric, "en")
    labels = next(layer for layer in json.loads(deck.to_json())["layers"] if layer["id"] == "overview-labels")
    assert max(len(label["text"].split("\n")[0]) for label in labels["data"]) <= 12


def _x_px(value, domain, plot_px):
    return (value - domain[0]) / (domain[1] - domain[0]) * plot_px


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("key", ["cultivated_balance", "supply_rate", "unsupplied_stock"])
def test_ranking_value_labels_stay_clear_of_the_names_and_the_edge(values, key, lang):
    metric = view.METRIC_BY_KEY[key]
    width = 890
    spec = view.ranking_chart(values[key], metric, lang, width_px=width).to_dict()
    bars, right, left = spec["layer"][:3]
    assert right["mark"]["align"] == "left" and left["mark"]["align"] == "right"  # at the bar end, away from 0
    frame = view.ranking_frame(values[key], metric, lang)
    name_limit = bars["encoding"]["y"]["axis"]["labelLimit"]
    assert name_limit >= max(text_width_px(n, view.RANK_FONT["name"]) for n in frame["name"])
    domain = bars["encoding"]["x"]["scale"]["domain"]
    plot = width - name_limit - view.RANK_CHROME_PX
    for value, label in zip(frame["value"], frame["label"], strict=True):
        end = _x_px(value, domain, plot)
        room = text_width_px(label, view.RANK_FONT["value"]) + view.LABEL_GAP_PX
        assert (end - room >= 0) if value < 0 else (end + room <= plot), (label, end, room)
    legend = bars["encoding"]["color"]["legend"]
    statuses = bars["encoding"]["color"]["scale"]["domain"]
    assert legend["columns"] == len(statuses)
    assert legend["labelLimit"] >= max(text_width_px(s, view.RANK_FONT["legend"]) for s in statuses)


def test_ranking_chart_exports_as_png(values):
    from dashboard.charts import chart_png

    png = chart_png(view.ranking_chart(values["cultivated_balance"], view.METRIC_BY_KEY["cultivated_balance"]))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_metric_table_has_units_in_every_header(values):
    table = view.metric_table(values["invest_per_mu"], view.METRIC_BY_KEY["invest_per_mu"], "zh")
    assert list(table.columns) == ["县（市、区）", "年度", "园区亩均投资强度（万元/亩）", "政策线（万元/亩）", "是否达标",
                                   "差距（万元/亩）"]
    assert len(table) == 10


# ----------------------------------------------------------------------------------------------------------
# Labels


@pytest.mark.parametrize(("value", "unit", "lang", "decimals", "expected"), [
    (79.2203, "pct", "zh", 2, "79.22%"),
    (-2436.36, "mu", "zh", 2, "−2,436.36 亩"),
    (1.84, "pp", "en", 2, "1.84 pp"),
    (float("nan"), "mu", "zh", 2, "—"),
    (280.0, "wan_per_mu", "en", 0, "280 10k yuan/mu"),
])
def test_format_number(value, unit, lang, decimals, expected):
    assert view.format_number(value, unit, lang, decimals) == expected


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_metric_unit_and_kind_has_a_label(lang):
    messages = catalog(lang)
    for metric in view.METRICS:
        assert f"overview_panel.metric.{metric.key}" in messages
        assert f"overview_panel.unit.{metric.unit}" in messages
        assert metric.option_label(lang)
    for kind in view.SEVERITY:
        assert f"overview_panel.severity.{kind}" in messages


def test_alert_and_metric_tables_export_to_excel_and_csv(tables, values, regions):
    from io import BytesIO

    from dashboard.export import ExportMeta, to_csv_bytes, to_xlsx_bytes

    meta = ExportMeta(dataset="overview", source="示例数据", version="demo", data_date=AS_OF.isoformat(), filters={})
    alerts = view.alert_table(view.alert_rows(tables, values, PROFILE, regions, "zh"), "zh")
    metric = view.metric_table(values["supply_rate"], view.METRIC_BY_KEY["supply_rate"], "zh")
    for frame in (alerts, metric):
        book = pd.read_excel(BytesIO(to_xlsx_bytes(frame, meta=meta, lang="zh")), sheet_name=0)
        assert list(book.columns) == list(frame.columns) and len(book) == len(frame)
        assert to_csv_bytes(frame, meta=meta, lang="zh").startswith(b"\xef\xbb\xbf")
