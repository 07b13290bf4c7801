"""The 批而未供与闲置 panel's shaping functions (dashboard/views/stock_land.py) over the demo data.

Published figures (DOMAIN §4, seed 000): five-year supply rate 79.22%, 11616 亩 unsupplied in the window; the
40% supply-rate floor and the 3/7/15% quarterly disposal floors come from the profile, so a what-if profile with
other values must move every line and flag.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Polygon

from dashboard.demo import DEMO_DIR
from dashboard.indicators import compute
from dashboard.io import read_dataset
from dashboard.policy import load_profile
from dashboard.views import stock_land as view

PROFILE = load_profile()
STRICT = PROFILE.with_overrides({"supply_rate_min": 0.80,
                                 "disposal_rate_quarterly_min": {"Q2": 0.10, "Q3": 0.55, "Q4": 0.60}})
HUANING, YUANJIANG, ESHAN, CHENGJIANG, JIANGCHUAN = "530424", "530428", "530426", "530481", "530403"


@pytest.fixture(scope="module")
def tables(demo_engine):
    from datetime import date

    from dashboard.indicators import Context

    ctx = Context(engine=demo_engine, profile=PROFILE, as_of=date(2026, 9, 30))
    ids = ("unsupplied_stock", "unsupplied_aging", "supply_rate_5y", "disposal_rates_quarterly",
           "suspension_flags", "idle_cases", "enterprise_grades")
    return {ind: compute(ind, ctx) for ind in ids}


@pytest.fixture(scope="module")
def datasets():
    return {name: read_dataset(name, DEMO_DIR / f"{name}.parquet")
            for name in ("approvals", "supplies", "park_parcels", "parks", "idle_land", "regions")}


def _kpis(tables, profile=PROFILE, region=None):
    return view.kpis(tables["unsupplied_stock"], tables["supply_rate_5y"], tables["disposal_rates_quarterly"],
                     tables["idle_cases"], profile, region)


# ----------------------------------------------------------------------------------------------------------
# KPI cards


def test_city_kpis_reproduce_the_published_supply_rate_and_unsupplied_area(tables):
    k = _kpis(tables)
    assert k.supply_rate_pct == pytest.approx(79.22, abs=0.005)
    assert k.window_unsupplied_mu == pytest.approx(11616.00, abs=0.005)
    assert k.supply_floor_pct == 40.0 and k.supply_ok is True and k.window_years == 5
    assert k.quarter == 3 and k.disposal_floor_pct == 7.0


def test_stock_kpi_change_is_new_approvals_minus_supplies_since_the_year_began(tables):
    k = _kpis(tables)
    stock = tables["unsupplied_stock"]
    assert k.stock_mu == pytest.approx(stock.loc[stock["level"] == "city", "unsupplied_mu"].iloc[0])
    city_q3 = tables["disposal_rates_quarterly"].query("level == 'city' and quarter == 3").iloc[0]
    assert k.year_start_stock_mu == pytest.approx(city_q3["unsupplied_stock_mu"])
    assert k.stock_delta_mu == pytest.approx(k.stock_mu - k.year_start_stock_mu)


def test_disposal_kpi_change_is_in_points_from_the_previous_quarter(tables):
    k = _kpis(tables)
    city = tables["disposal_rates_quarterly"].query("level == 'city'").set_index("quarter")
    assert k.unsupplied_rate_pct == pytest.approx(city.loc[3, "unsupplied_disposal_rate_pct"])
    assert k.unsupplied_rate_delta_pp == pytest.approx(
        city.loc[3, "unsupplied_disposal_rate_pct"] - city.loc[2, "unsupplied_disposal_rate_pct"])


@pytest.mark.parametrize(("region", "profile", "supply_ok", "disposal_ok"), [
    pytest.param(HUANING, PROFILE, True, False, id="华宁 default: 72% ≥ 40%, both disposal rates 0% < 7%"),
    pytest.param(YUANJIANG, PROFILE, False, True, id="元江 default: 36% < 40%"),
    pytest.param(HUANING, STRICT, False, False, id="华宁 strict: 72% < 80%"),
    pytest.param(ESHAN, STRICT, False, False, id="峨山 strict: 78% < 80%, 19.5% and 52.8% < 55%"),
    pytest.param(ESHAN, PROFILE, True, True, id="峨山 default"),
])
def test_kpi_lines_come_from_the_profile(tables, region, profile, supply_ok, disposal_ok):
    k = _kpis(tables, profile, region)
    assert k.supply_floor_pct == 100 * profile["supply_rate_min"]
    assert (k.supply_ok, k.disposal_ok) == (supply_ok, disposal_ok)


def test_idle_kpis_count_open_and_overdue_cases(tables):
    cases = tables["idle_cases"]
    open_cases = cases[~cases["disposed"]]
    k = _kpis(tables)
    assert k.open_cases == len(open_cases) and k.overdue_cases == int(open_cases["overdue"].sum())
    assert k.open_idle_mu == pytest.approx(open_cases["area_mu"].sum())
    county = _kpis(tables, region=JIANGCHUAN)
    assert county.open_cases == int((open_cases["region_code"] == JIANGCHUAN).sum())


def test_floors_in_percent_from_the_profile():
    assert view.supply_floor_pct(PROFILE) == 40.0
    assert view.disposal_floors_pct(PROFILE) == {2: 3.0, 3: 7.0, 4: 15.0}
    assert view.disposal_floors_pct(STRICT) == {2: 10.0, 3: 55.0, 4: 60.0}


# ----------------------------------------------------------------------------------------------------------
# Tables and charts


def test_aging_frames_add_up_to_the_unsupplied_stock(tables):
    stock = tables["unsupplied_stock"].set_index("region_code")["unsupplied_mu"]
    by_county = view.county_aging_frame(tables["unsupplied_aging"])
    assert by_county.groupby("region_code")["unsupplied_mu"].sum().to_dict() == pytest.approx(
        stock.drop("530400").to_dict())
    assert set(by_county["band"]) <= set(view.band_labels("zh").values())
    city = view.year_aging_frame(tables["unsupplied_aging"])
    assert city["unsupplied_mu"].sum() == pytest.approx(stock["530400"])
    county = view.year_aging_frame(tables["unsupplied_aging"], HUANING, "en")
    assert county["unsupplied_mu"].sum() == pytest.approx(stock[HUANING])
    assert set(county["band"]) <= set(view.band_labels("en").values())


def test_supply_rate_frame_uses_the_profile_floor_lowest_first(tables):
    default = view.supply_rate_frame(tables["supply_rate_5y"], PROFILE)
    assert default["region_code"].iloc[0] == YUANJIANG
    assert default.loc[default["below_min"], "region_code"].tolist() == [YUANJIANG]
    assert (default["floor_pct"] == 40.0).all()
    strict = view.supply_rate_frame(tables["supply_rate_5y"], STRICT)
    assert {YUANJIANG, HUANING, ESHAN} <= set(strict.loc[strict["below_min"], "region_code"])
    assert CHENGJIANG not in set(strict.loc[strict["below_min"], "region_code"])  # 80.8% ≥ 80%


def _rule_values(chart) -> list[float]:
    spec = chart.to_dict()
    return [row["value"] for data in spec.get("datasets", {}).values() for row in data
            if set(row) == {"value", "text"}]


def test_supply_rate_chart_draws_the_profile_line(tables):
    frame = view.supply_rate_frame(tables["supply_rate_5y"], PROFILE)
    assert _rule_values(view.supply_rate_chart(frame, PROFILE)) == [40.0]
    strict = view.supply_rate_frame(tables["supply_rate_5y"], STRICT)
    chart = view.supply_rate_chart(strict, STRICT, "en", selected=HUANING)
    assert _rule_values(chart) == [80.0]
    assert "Floor 80%" in json.dumps(chart.to_dict(), ensure_ascii=False)


def test_disposal_charts_draw_each_quarters_floor_from_the_profile(tables):
    trend = view.disposal_trend_frame(tables["disposal_rates_quarterly"], HUANING)
    assert set(trend["quarter_label"]) == {"Q1", "Q2", "Q3"} and len(trend) == 6
    assert view.floors_frame(PROFILE)["floor_pct"].tolist() == [3.0, 7.0, 15.0]
    spec = json.dumps(view.disposal_trend_chart(trend, STRICT).to_dict(), ensure_ascii=False)
    assert "下限 55%" in spec and "下限 7%" not in spec
    counties = view.county_disposal_frame(tables["disposal_rates_quarterly"], "en")
    assert (counties["quarter"] == 3).all() and len(counties) == 2 * 9
    assert _rule_values(view.county_disposal_chart(counties, PROFILE, "en")) == [7.0]
    assert _rule_values(view.county_disposal_chart(counties, STRICT, "en")) == [55.0]


def test_tables_carry_units_in_their_headers(tables):
    stock = view.stock_table(tables["unsupplied_stock"])
    assert list(stock.columns) == ["区域", "批次数（个）", "批准面积（亩）", "已供面积（亩）", "批而未供面积（亩）"]
    supply = view.supply_table(tables["supply_rate_5y"], STRICT, "en")
    assert supply["Supply-rate floor (%)"].eq(80.0).all()
    assert supply["Window (approval dates)"].iloc[0] == "2021-10-01 ~ 2026-09-30"
    disposal = view.disposal_table(tables["disposal_rates_quarterly"], PROFILE)
    assert disposal.loc[disposal["季度"] == "Q1", "处置率下限（%）"].isna().all()
    assert disposal.loc[disposal["季度"] == "Q3", "处置率下限（%）"].eq(7.0).all()


def test_localised_region_names_leave_the_shared_table_alone(tables, datasets):
    regions = datasets["regions"]
    names = dict(zip(regions["code"], regions["name_en"], strict=True))
    stock = tables["unsupplied_stock"]
    out = view.localise_regions(stock, names)
    assert out.loc[out["region_code"] == "530402", "region_name"].iloc[0] == names["530402"]
    assert stock.loc[stock["region_code"] == "530402", "region_name"].iloc[0] == "红塔区"


@pytest.mark.parametrize("chart", ["county_aging", "year_aging", "supply", "trend", "counties"])
def test_charts_are_valid_vega_lite_with_unit_titles(tables, chart):
    aging, lang = tables["unsupplied_aging"], "zh"
    built = {
        "county_aging": lambda: view.county_aging_chart(view.county_aging_frame(aging, lang), lang, HUANING),
        "year_aging": lambda: view.year_aging_chart(view.year_aging_frame(aging, None, lang), lang),
        "supply": lambda: view.supply_rate_chart(view.supply_rate_frame(tables["supply_rate_5y"], PROFILE), PROFILE),
        "trend": lambda: view.disposal_trend_chart(view.disposal_trend_frame(tables["disposal_rates_quarterly"]),
                                                   PROFILE),
        "counties": lambda: view.county_disposal_chart(
            view.county_disposal_frame(tables["disposal_rates_quarterly"]), PROFILE),
    }[chart]()
    spec = json.dumps(built.to_dict(), ensure_ascii=False)  # to_dict validates against the Vega-Lite schema
    assert "（亩）" in spec or "（%）" in spec


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("chart", ["county_aging", "year_aging", "trend", "counties"])
def test_half_width_charts_show_every_legend_entry(tables, datasets, chart, lang):
    from dashboard.layout import LEGEND_ENTRY_CHROME_PX, text_width_px

    regions = datasets["regions"]
    names = dict(zip(regions["code"], regions["name" if lang == "zh" else "name_en"], strict=True))
    aging = view.localise_regions(tables["unsupplied_aging"], names)
    disposal = view.localise_regions(tables["disposal_rates_quarterly"], names)
    built = {
        "county_aging": lambda: view.county_aging_chart(view.county_aging_frame(aging, lang), lang),
        "year_aging": lambda: view.year_aging_chart(view.year_aging_frame(aging, None, lang), lang),
        "trend": lambda: view.disposal_trend_chart(view.disposal_trend_frame(disposal, None, lang), PROFILE, lang),
        "counties": lambda: view.county_disposal_chart(view.county_disposal_frame(disposal, lang), PROFILE, lang),
    }[chart]()
    spec = built.to_dict()
    layers = spec.get("layer", [spec])
    colour = next(layer["encoding"]["color"] for layer in layers if "color" in layer["encoding"])
    entries, legend = colour["scale"]["domain"], colour["legend"]
    widest = max(text_width_px(entry, view.FONT["legend"]) for entry in entries)
    assert legend["labelLimit"] >= widest  # no label cut short ...
    # ... and as many entries a row as fit under the plot (Vega starts the legend at the plot's left edge, right of
    # the county names), the others on further rows.
    axis = layers[0]["encoding"]["y"].get("axis") or {}
    names = axis.get("labelLimit", view.NUMBER_AXIS_PX)
    plot = view.HALF_WIDTH_PX - names - view.CHART_CHROME_PX
    assert 1 <= legend["columns"] <= len(entries)
    assert legend["columns"] * (widest + LEGEND_ENTRY_CHROME_PX) <= plot
    assert plot >= 200  # long county names wrap, leaving the bars room


# ----------------------------------------------------------------------------------------------------------
# Suspension flags


def test_suspension_alerts_name_the_county_shortfall_and_rule(tables):
    alerts = view.suspension_alerts(tables["suspension_flags"])
    assert len(alerts) == 2
    assert alerts[0].startswith("华宁县：批而未供处置率 0.0% < 7%，闲置土地处置率 0.0% < 7%")
    assert "两项同时未达到7%" in alerts[0]
    assert alerts[1].startswith("元江哈尼族彝族傣族自治县：供地率 36.0% < 40%") and "低于40%" in alerts[1]
    english = view.suspension_alerts(tables["suspension_flags"], "en")
    assert "supply rate 36.0% < 40%" in english[1]


def test_suspension_table_lists_suspended_counties_first(tables):
    table = view.suspension_table(tables["suspension_flags"])
    assert table["区域"].tolist()[:2] == ["华宁县", "元江哈尼族彝族傣族自治县"]
    assert table["暂停报件"].tolist()[:3] == ["✖ 暂停", "✖ 暂停", "✔ 否"]
    assert table.loc[1, "供地率暂停"] == "✖ 暂停" and table.loc[0, "处置率暂停"] == "✖ 暂停"
    assert table.loc[2, "规则"] == ""


def test_policy_clauses_cite_the_profile_sources():
    zh = view.policy_clauses(PROFILE)
    assert zh[0][0] == "五年供地率下限 40%" and zh[0][1].startswith("《玉溪市加强用地要素保障措施机制研究》三、(二)")
    assert zh[1][0].endswith("Q2 3%、Q3 7%、Q4 15%") and "seed" not in zh[1][1]
    assert view.policy_clauses(STRICT, "en")[0][0] == "Minimum five-year supply rate 80%"
    assert view.policy_clauses(PROFILE, "en")[1][0].endswith("Q2 3%, Q3 7%, Q4 15%")


# ----------------------------------------------------------------------------------------------------------
# 一地一策


@pytest.mark.parametrize("scope", view.IDLE_SCOPES)
def test_idle_case_table_scopes(tables, scope):
    cases = tables["idle_cases"]
    table = view.idle_case_table(cases, scope=scope)
    expected = {"open": ~cases["disposed"], "overdue": ~cases["disposed"] & cases["overdue"],
                "all": cases["disposed"] | True}[scope]
    assert len(table) == int(expected.sum())
    assert table["逾期天数（天）"].is_monotonic_decreasing  # most overdue first
    assert set(table["闲置原因"]) <= {"政府原因", "企业原因"}
    assert "None" not in table.to_string()


def test_idle_case_table_region_english_and_bad_scope(tables):
    table = view.idle_case_table(tables["idle_cases"], HUANING, "all", "en")
    assert set(table["Region"]) == {"华宁县"} and "Overdue (days)" in table.columns
    assert set(table["Status"]) <= {"Identified", "Being disposed", "Disposed"}
    with pytest.raises(ValueError, match="scope"):
        view.idle_case_table(tables["idle_cases"], scope="closed")


# ----------------------------------------------------------------------------------------------------------
# Small map


def test_stock_deck_has_both_overlays_with_tooltip_properties(datasets, tables):
    from dashboard import overlays
    from dashboard.geo import display_boundaries

    regions = display_boundaries(datasets["regions"])
    idle = overlays.open_idle_cases(datasets["idle_land"], tables["idle_cases"])
    # Built by hand: the per-approval table (``unsupplied_approvals``) is another module's, not yet registered.
    approvals = datasets["approvals"].head(5)
    unsupplied = gpd.GeoDataFrame(approvals[["approval_id", "geometry"]].assign(unsupplied_mu=12.5),
                                  geometry="geometry", crs=4326)
    deck = view.stock_deck(regions, unsupplied, idle, HUANING, "en")
    spec = json.loads(deck.to_json())
    ids = [layer["id"] for layer in spec["layers"]]
    assert ids == ["regions", "region-outlines", "unsupplied", "unsupplied-markers", "idle", "idle-markers"]
    for layer in spec["layers"][2:]:
        rows = layer["data"]["features"] if isinstance(layer["data"], dict) else layer["data"]
        for row in rows:
            props = row.get("properties", row)
            assert props["name"] and props["id"]
    markers = next(layer for layer in spec["layers"] if layer["id"] == "idle-markers")
    assert len(markers["data"]) == len(idle)
    assert "mapStyle" not in spec or spec["mapStyle"] is not None


def test_stock_deck_without_overlays_is_just_the_counties(datasets):
    from dashboard.geo import display_boundaries

    spec = json.loads(view.stock_deck(display_boundaries(datasets["regions"]), None, None).to_json())
    assert [layer["id"] for layer in spec["layers"]] == ["regions", "region-outlines"]


def test_in_region():
    frame = pd.DataFrame({"region_code": ["a", "b"]})
    assert len(view.in_region(frame, "a")) == 1 and len(view.in_region(frame, None)) == 2
    assert view.in_region(None, "a") is None


# ----------------------------------------------------------------------------------------------------------
# The parcel chain 批 → 供 → 用


def _approval_with_idle_case(datasets, tables):
    cases = tables["idle_cases"]
    supplies = datasets["supplies"]
    supply_id = cases["supply_id"].dropna().iloc[0]
    return supplies.loc[supplies["supply_id"] == supply_id, "approval_id"].iloc[0], supply_id


def test_chain_follows_supplies_and_idle_cases_one_hop_each(datasets, tables):
    from datetime import date

    approval_id, supply_id = _approval_with_idle_case(datasets, tables)
    chain = view.parcel_chain(approval_id, datasets["approvals"], datasets["supplies"], date(2026, 9, 30),
                              datasets["park_parcels"], datasets["parks"], tables["enterprise_grades"],
                              tables["idle_cases"])
    own = datasets["supplies"][datasets["supplies"]["approval_id"] == approval_id]
    assert sorted(chain.supplies["supply_id"]) == sorted(own["supply_id"])
    approved = datasets["approvals"].set_index("approval_id").loc[approval_id, "approved_area_mu"]
    assert chain.approval["supplied_mu"] == pytest.approx(min(own["area_mu"].sum(), approved))
    assert chain.approval["unsupplied_mu"] == pytest.approx(approved - chain.approval["supplied_mu"])
    assert supply_id in set(chain.cases["supply_id"])
    on_supply = chain.cases["supply_id"].isin(own["supply_id"])
    assert chain.cases.loc[~on_supply, "parcel_id"].isin(chain.parcels["parcel_id"]).all()  # a linked parcel's case
    # Demo parcels carry a supply id where a demo supply created them; the others fall back to county and date.
    assert chain.parcel_link in {"supply_id", "supply_id_date_county"}
    assert set(chain.parcels.get("parcel_link", [])) <= {"supply_id"}
    assert "geometry" not in chain.approval
    assert len(view.chain_supply_table(chain)) == len(own)
    assert set(view.chain_supply_table(chain, "en")["Supply method"]) <= {"Allocation", "Transfer (sale)", "Lease"}
    assert len(view.chain_case_table(chain)) == len(chain.cases)


def test_chain_cuts_supplies_at_the_data_date(datasets):
    from datetime import date

    supplies = datasets["supplies"]
    approval_id = supplies["approval_id"].value_counts().index[0]
    first_day = supplies.loc[supplies["approval_id"] == approval_id, "supply_date"].min()
    chain = view.parcel_chain(approval_id, datasets["approvals"], supplies, (first_day - pd.Timedelta(days=1)).date())
    assert chain.supplies.empty and chain.approval["supplied_mu"] == 0
    assert chain.cases.empty and chain.parcels.empty and chain.parcel_link == "none"
    assert date(2026, 9, 30) > first_day.date()


def test_unknown_approval_raises(datasets):
    from datetime import date

    with pytest.raises(KeyError):
        view.parcel_chain("no-such", datasets["approvals"], datasets["supplies"], date(2026, 9, 30))


def _square(x=102.5, y=24.3, d=0.01):
    return Polygon([(x, y), (x + d, y), (x + d, y + d), (x, y + d)])


SUPPLIES = pd.DataFrame({
    "supply_id": ["S1", "S2"], "approval_id": ["A1", "A1"], "county_code": ["530402", "530402"],
    "supply_date": pd.to_datetime(["2020-03-01", "2021-05-06"]), "area_mu": [30.0, 50.0],
    "method": ["transfer", "lease"], "land_use": ["工业用地", "工业用地"], "price_wan": [900.0, 120.0],
})
APPROVALS = gpd.GeoDataFrame({"approval_id": ["A1"], "county_code": ["530402"],
                              "approval_date": pd.to_datetime(["2019-01-01"]), "approved_area_mu": [70.0],
                              "batch_name": ["测试批次"], "kind": ["batch"]}, geometry=[_square()], crs=4326)
PARCELS = pd.DataFrame({
    "parcel_id": ["P1", "P1", "P2", "P3"], "park_id": ["K1", "K1", "K1", "K2"], "year": [2023, 2024, 2024, 2024],
    "supply_date": pd.to_datetime(["2020-03-01", "2020-03-01", "2021-05-06 10:30", "2021-05-06"], format="ISO8601"),
    "enterprise_name": ["甲", "甲", "乙", "丙"], "area_mu": [30.0, 30.0, 50.0, 40.0],
    "status": ["producing", "producing", "idle", "producing"],
})
PARKS = pd.DataFrame({"park_id": ["K1", "K2"], "county_code": ["530402", "530403"]})
GRADES = pd.DataFrame({"parcel_id": ["P1", "P1", "P2"], "year": [2023, 2024, 2024], "score": [50.0, 61.0, 20.0],
                       "grade": ["B", "A", "D"]})
CASES = pd.DataFrame({"case_id": ["C1", "C2", "C3"], "supply_id": [None, "S9", None], "parcel_id": ["P2", None, "P3"],
                      "region_code": ["530402"] * 3, "region_name": ["红塔区"] * 3, "area_mu": [50.0, 5.0, 40.0],
                      "cause": ["enterprise"] * 3, "status": ["identified"] * 3, "method": ["督促开工"] * 3,
                      "identified_date": pd.to_datetime(["2023-01-01"] * 3), "deadline": pd.to_datetime(["2024-01-01"] * 3),
                      "disposal_date": pd.NaT, "disposed": [False] * 3, "overdue_days": [100] * 3,
                      "overdue": [True] * 3})


def test_parcels_link_by_county_and_supply_day_with_their_latest_grade():
    chain = view.parcel_chain("A1", APPROVALS, SUPPLIES, pd.Timestamp("2026-09-30").date(), PARCELS, PARKS, GRADES,
                              CASES)
    assert chain.approval["supplied_mu"] == 70.0 and chain.approval["unsupplied_mu"] == 0.0  # capped
    parcels = chain.parcels.set_index("parcel_id")
    assert sorted(parcels.index) == ["P1", "P2"]  # P3 is in another county
    assert parcels.loc["P1", "supply_id"] == "S1" and parcels.loc["P1", "year"] == 2024
    assert parcels.loc["P1", "grade"] == "A" and parcels.loc["P2", "grade"] == "D"
    assert chain.cases["case_id"].tolist() == ["C1"]  # on parcel P2; C2's supply and C3's parcel are not ours
    table = view.chain_parcel_table(chain)
    assert table["利用状态"].tolist() == ["投产", "闲置"] and "亩均评价得分（分）" in table.columns


def test_parcels_link_by_supply_id_when_the_ledger_has_one():
    # Every parcel keyed: the key alone decides, whatever the county or date says (P2's date and county match
    # S2, but its key S9 is not one of the chain's supplies; P3 is in another county but keyed to S1).
    parcels = PARCELS.assign(supply_id=["S2", "S2", "S9", "S1"])
    linked, rule = view.link_parcels(SUPPLIES, parcels, PARKS)
    assert rule == "supply_id" and linked["parcel_id"].tolist() == ["P3", "P1"]
    assert linked.set_index("parcel_id")["supply_id"].to_dict() == {"P1": "S2", "P3": "S1"}
    assert set(linked["parcel_link"]) == {"supply_id"}
    none, rule = view.link_parcels(SUPPLIES, None)
    assert none.empty and rule == "none"


def test_parcels_without_a_supply_id_fall_back_to_county_and_date():
    # P1 keyed (latest year's key, S2, wins over its supply date's S1); P2 has no key and matches S2 by county
    # and day; P3 has none (empty text) and its county has no supply that day.
    parcels = PARCELS.assign(supply_id=["S1", "S2", None, " "])
    linked, rule = view.link_parcels(SUPPLIES, parcels, PARKS)
    assert rule == "supply_id_date_county"
    assert linked.set_index("parcel_id")[["supply_id", "parcel_link"]].to_dict("index") == {
        "P1": {"supply_id": "S2", "parcel_link": "supply_id"},
        "P2": {"supply_id": "S2", "parcel_link": "date_county"},
    }
    # Only the fallback linked anything: the rule says so.
    guessed, rule = view.link_parcels(SUPPLIES, parcels.assign(supply_id=["S9", "S9", None, None]), PARKS)
    assert rule == "date_county" and guessed["parcel_id"].tolist() == ["P2"]
    # Nothing linked: the rule names both rules tried (the panel's "no parcels" text explains both).
    nothing, rule = view.link_parcels(SUPPLIES.iloc[:0], parcels, PARKS)
    assert nothing.empty and rule == "supply_id_date_county"
    nothing, rule = view.link_parcels(SUPPLIES, parcels.assign(supply_id=["S9", "S9", None, None]).iloc[[0, 1, 3]],
                                      PARKS)
    assert nothing.empty and rule == "supply_id_date_county"


def test_a_mixed_chain_says_which_rule_linked_each_parcel():
    parcels = PARCELS.assign(supply_id=["S1", "S1", None, None])
    chain = view.parcel_chain("A1", APPROVALS, SUPPLIES, pd.Timestamp("2026-09-30").date(), parcels, PARKS, GRADES)
    assert chain.parcel_link == "supply_id_date_county"
    table = view.chain_parcel_table(chain)
    assert table["关联方式"].tolist() == ["按供地编号", "按县区和供地日期（请核实）"]
    assert view.chain_parcel_table(chain, "en")["Linked by"].tolist() == ["Supply id", "County and supply date (verify)"]
    keyed = view.parcel_chain("A1", APPROVALS, SUPPLIES, pd.Timestamp("2026-09-30").date(),
                              PARCELS.assign(supply_id=["S1", "S1", "S2", None]), PARKS, GRADES)
    assert keyed.parcel_link == "supply_id" and "关联方式" not in view.chain_parcel_table(keyed).columns


def test_approval_choices_newest_first_opening_on_one_with_an_idle_case(datasets, tables):
    ids, default = view.approval_choices(datasets["approvals"], datasets["supplies"], tables["idle_cases"])
    dates = datasets["approvals"].set_index("approval_id").loc[ids, "approval_date"]
    assert dates.is_monotonic_decreasing and len(ids) == len(datasets["approvals"])
    linked = set(datasets["supplies"].loc[datasets["supplies"]["supply_id"].isin(tables["idle_cases"]["supply_id"]),
                                          "approval_id"])
    assert ids[default] in linked and not set(ids[:default]) & linked
    county, _ = view.approval_choices(datasets["approvals"], datasets["supplies"], None, HUANING)
    assert set(datasets["approvals"].set_index("approval_id").loc[county, "county_code"]) == {HUANING}
    labels = view.approval_label(APPROVALS)
    assert labels == {"A1": "A1 · 测试批次 · 70.00 亩"}


def test_a_clicked_feature_leads_to_its_approval():
    cases = CASES.assign(supply_id=["S2", None, None])
    assert view.approval_for_feature("unsupplied", "A7", SUPPLIES, cases) == "A7"
    assert view.approval_for_feature("idle", "C1", SUPPLIES, cases) == "A1"
    assert view.approval_for_feature("idle", "C3", SUPPLIES, cases) is None
    assert view.approval_for_feature("regions", "530402", SUPPLIES, cases) is None
