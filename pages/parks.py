"""Page: 园区与亩均 — park and enterprise-parcel map coloured by grade or a classed per-mu metric, enterprise card
(click), and the parks against the investment and output standards."""

import streamlit as st

from components.frame import render_page_header, selected_county
from components.parks_map import render_parks_explorer
from components.state import t
from dashboard.navigation import page_spec

SPEC = page_spec("parks")

render_page_header(SPEC.title_key, SPEC.datasets)
st.markdown(t("intro.parks"))
render_parks_explorer(selected_county())
