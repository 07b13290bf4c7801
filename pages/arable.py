"""Page: 耕地占补平衡 — the three indicators side by side, the balance waterfall, the shortfall and its cost, the
cover forecast with the project pipeline, the 黔南州 regulation-pool simulator, the ledger and the published check.
"""

import streamlit as st

from components.arable_panel import render_arable_panel
from components.frame import render_page_header, selected_county
from components.state import t
from dashboard.navigation import page_spec

SPEC = page_spec("arable")

render_page_header(SPEC.title_key, SPEC.datasets)
st.markdown(t("intro.arable"))
render_arable_panel(selected_county())
