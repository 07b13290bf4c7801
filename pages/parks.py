"""Page: 园区与亩均 — park and enterprise-parcel map coloured by grade or a classed per-mu metric, enterprise card
(click), the parks against the investment and output standards; below, the enterprise table and grade
distribution, the grading simulator, 标准地 checks and the parks inside the urban development boundary."""

import streamlit as st

from components.frame import render_page_header, selected_county
from components.parks_map import render_parks_explorer
from components.parks_panel import render_parks_panel
from components.state import t
from dashboard.navigation import page_spec

SPEC = page_spec("parks")

render_page_header(SPEC.title_key, SPEC.datasets)
st.markdown(t("intro.parks"))
county = selected_county()
render_parks_panel(county, render_parks_explorer(county))
