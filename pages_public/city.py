"""Public page: city summary — key figures, land-use structure, arable balance (from the public extract only)."""

import streamlit as st

from components.public_view import bar_chart, kpi, lang, render_header, render_table, t, table

TABLES = ("landuse_structure", "unsupplied_stock", "supply_rate_5y", "idle_land", "arable_balance", "per_mu_county")

render_header("public.page.city", TABLES)
st.markdown(t("public.intro_city"))


def city(name):
    frame = table(name)
    return frame[frame["level"] == "city"].reset_index(drop=True)


stock, rate, idle = city("unsupplied_stock"), city("supply_rate_5y"), city("idle_land")
arable, per_mu = city("arable_balance"), city("per_mu_county")
cultivated = arable[arable["indicator"] == "cultivated"]
cols = [*st.columns(3), *st.columns(3)]
with cols[0]:
    kpi("public.kpi.unsupplied", stock["unsupplied_mu"].iloc[0], "public.unit.mu", 0)
with cols[1]:
    kpi("public.kpi.supply_rate", rate["supply_rate_pct"].iloc[0], "public.unit.pct", 2,
        t("public.kpi.supply_rate_help", start=rate["window_start"].iloc[0], end=rate["window_end"].iloc[0]))
with cols[2]:
    kpi("public.kpi.idle_undisposed", idle["undisposed_mu"].iloc[0], "public.unit.mu", 0)
with cols[3]:
    kpi("public.kpi.arable_shortfall", cultivated["shortfall"].iloc[0], "public.unit.mu", 0)
with cols[4]:
    kpi("public.kpi.invest_per_mu", per_mu["invest_per_mu_wan"].iloc[0], "public.unit.wan_per_mu", 1)

landuse = city("landuse_structure")
landuse["group"] = landuse["group_zh"] if lang() == "zh" else landuse["group_en"]
bar_chart(landuse, "group", "area_ha", "public.chart.landuse_city")
render_table("landuse_structure", landuse, ["group", "area_ha", "area_mu", "share_pct", "parcels"], "city_landuse")

st.subheader(t("public.section.arable"))
render_table("arable_balance", arable,
             ["indicator", "unit", "filed", "bought", "occupied", "debt_repaid", "balance", "shortfall"], "city_arable")

st.subheader(t("public.section.stock"))
render_table("supply_rate_5y", rate, ["approved_mu", "supplied_mu", "unsupplied_mu", "supply_rate_pct",
                                      "supply_rate_min_pct"], "city_rate")
st.subheader(t("public.section.idle"))
render_table("idle_land", idle, ["cases", "idle_mu", "undisposed_cases", "undisposed_mu", "disposed_mu",
                                 "overdue_cases"], "city_idle")
