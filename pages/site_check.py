"""Page: 选址预审 — a proposed site (uploaded or drawn) against the three control lines, the land-use classes and
arable balance it needs, the stock land in parks an industrial project could use instead, and the printable
pre-check report (PDF, Excel)."""

import streamlit as st

from components.frame import render_page_header, selected_county
from components.site_check_panel import render_site_check
from components.state import t
from dashboard.navigation import page_spec

SPEC = page_spec("site_check")

render_page_header(SPEC.title_key, SPEC.datasets)
st.markdown(t("intro.site_check"))
render_site_check(selected_county())
