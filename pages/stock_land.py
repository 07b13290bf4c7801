"""Page: 批而未供与闲置 — stock and aging, five-year supply rate, quarterly disposal rates, 增存挂钩 suspensions,
idle cases (一地一策), a small map and the parcel chain 批 → 供 → 用 (issue #6 item 3)."""

import streamlit as st

from components import stock_land_panel as panel
from components.frame import region_name, render_page_header, selected_county
from components.state import t
from dashboard.navigation import page_spec

SPEC = page_spec("stock_land")

render_page_header(SPEC.title_key, SPEC.datasets)
st.markdown(t("intro.stock_land"))

county = selected_county()
profile = panel.profile()
with st.spinner(t("stock_land_panel.loading")):
    data = panel.tables()

panel.render_kpis(data, county, profile)
panel.render_stock(data, county, region_name())
panel.render_supply_rate(data, county, profile)
panel.render_disposal(data, county, region_name(), profile)
panel.render_suspensions(data, profile)
panel.render_idle_cases(data, county)
picked = panel.render_map(data, county)
panel.render_chain(data, county, picked)
