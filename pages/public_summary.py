"""Page: public_summary — header with data date and source, the region map, and the status of the page's data."""

import streamlit as st

from components.frame import render_dataset_status, render_page_header, selected_county
from components.maps import render_region_map
from components.state import t
from dashboard.navigation import page_spec

SPEC = page_spec("public_summary")

render_page_header(SPEC.title_key, SPEC.datasets)
st.markdown(t("intro.public_summary"))
render_region_map(selected_county(), key="public_summary_map")
st.subheader(t("status.heading"))
render_dataset_status(SPEC.datasets, key="public_summary_status")
