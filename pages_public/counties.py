"""Public page: county summaries — one county's figures, then every county compared (public extract only)."""

import streamlit as st

from components.public_view import bar_chart, kpi, lang, region_label, render_header, render_table, t, table

TABLES = ("landuse_structure", "unsupplied_stock", "supply_rate_5y", "idle_land", "arable_balance", "per_mu_county")

render_header("public.page.counties", TABLES)
st.markdown(t("public.intro_counties"))


def counties(name):
    frame = table(name)
    frame = frame[frame["level"] == "county"].reset_index(drop=True)
    frame["region"] = region_label(frame)
    return frame


stock, rate, idle = counties("unsupplied_stock"), counties("supply_rate_5y"), counties("idle_land")
arable, per_mu, landuse = counties("arable_balance"), counties("per_mu_county"), counties("landuse_structure")
names = dict(zip(stock["region_code"], stock["region"], strict=True))
code = st.selectbox(t("public.pick_county"), list(names), format_func=names.get, key="public_county")


def row(frame):
    return frame[frame["region_code"] == code].reset_index(drop=True)


st.header(names[code])
cols = [*st.columns(3), *st.columns(3)]
with cols[0]:
    kpi("public.kpi.unsupplied", row(stock)["unsupplied_mu"].iloc[0], "public.unit.mu", 0)
with cols[1]:
    kpi("public.kpi.supply_rate", row(rate)["supply_rate_pct"].iloc[0], "public.unit.pct", 2)
with cols[2]:
    kpi("public.kpi.idle_undisposed", row(idle)["undisposed_mu"].iloc[0], "public.unit.mu", 0)
with cols[3]:
    cultivated = row(arable)
    kpi("public.kpi.arable_shortfall", cultivated[cultivated["indicator"] == "cultivated"]["shortfall"].iloc[0],
        "public.unit.mu", 0)
with cols[4]:
    county_per_mu = row(per_mu)
    if county_per_mu["suppression"].iloc[0] == "no_data":
        kpi("public.kpi.invest_per_mu", None, "public.unit.wan_per_mu", 1, missing_key="public.no_data")
    else:
        kpi("public.kpi.invest_per_mu", county_per_mu["invest_per_mu_wan"].iloc[0], "public.unit.wan_per_mu", 1)
county_landuse = row(landuse)
county_landuse["group"] = county_landuse["group_zh"] if lang() == "zh" else county_landuse["group_en"]
render_table("landuse_structure", county_landuse, ["group", "area_ha", "area_mu", "share_pct", "parcels"],
             "county_landuse")

st.divider()
st.header(t("public.section.compare"))
floor = rate["supply_rate_min_pct"].dropna()
bar_chart(rate, "region", "supply_rate_pct", "public.chart.supply_rate",
          rule=float(floor.iloc[0]) if len(floor) else None, rule_key="public.chart.supply_floor")
render_table("supply_rate_5y", rate, ["region_name", "approvals", "approved_mu", "supplied_mu", "unsupplied_mu",
                                      "supply_rate_pct", "gap_pp", "below_min"], "cmp_rate")
bar_chart(stock, "region", "unsupplied_mu", "public.chart.unsupplied")
render_table("unsupplied_stock", stock, ["region_name", "approvals", "approved_mu", "supplied_mu", "unsupplied_mu"],
             "cmp_stock")
bar_chart(idle, "region", "undisposed_mu", "public.chart.idle")
render_table("idle_land", idle, ["region_name", "cases", "idle_mu", "undisposed_cases", "undisposed_mu",
                                 "disposed_cases", "disposed_mu", "overdue_cases"], "cmp_idle")
parks = per_mu[per_mu["suppression"] != "no_data"]
bench = per_mu["invest_benchmark_wan"].dropna()
bar_chart(parks, "region", "invest_per_mu_wan", "public.chart.invest_per_mu",
          rule=float(bench.iloc[0]) if len(bench) else None, rule_key="public.chart.invest_benchmark")
bench = per_mu["output_benchmark_wan"].dropna()
bar_chart(parks, "region", "output_per_mu_wan", "public.chart.output_per_mu",
          rule=float(bench.iloc[0]) if len(bench) else None, rule_key="public.chart.output_benchmark")
render_table("per_mu_county", per_mu, ["region_name", "enterprises", "invest_per_mu_wan", "output_per_mu_wan",
                                       "tax_per_mu_wan", "invest_below_benchmark", "output_below_benchmark"],
             "cmp_per_mu")
st.subheader(t("public.section.arable"))
cultivated = arable[arable["indicator"] == "cultivated"]
bar_chart(cultivated, "region", "balance", "public.chart.arable_balance")
render_table("arable_balance", arable, ["region_name", "indicator", "unit", "balance", "shortfall"], "cmp_arable")
