"""Page: 总览 — KPI cards against their policy lines with the change from the previous period, the counties below a
line, and a county choropleth and ranking of a chosen indicator."""

import streamlit as st

from components.frame import render_page_header, selected_county
from components.overview_panel import load_overview, render_alerts, render_kpis, render_map_and_ranking
from components.state import t
from dashboard.navigation import page_spec

SPEC = page_spec("overview")

render_page_header(SPEC.title_key, SPEC.datasets)
st.markdown(t("intro.overview"))
data = load_overview(selected_county())
if data is not None:
    render_kpis(data)
    render_alerts(data)
    render_map_and_ranking(data)
