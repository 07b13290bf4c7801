"""Page: 土地利用 — land-use map (vector tiles, overlays, click → parcel detail) and the region's structure."""

import streamlit as st

from components.frame import region_name, render_page_header, selected_county
from components.landuse_map import render_landuse_explorer
from components.loaders import dataset_versions
from components.state import t
from dashboard.navigation import page_spec

SPEC = page_spec("landuse")

render_page_header(SPEC.title_key, SPEC.datasets)
st.markdown(t("intro.landuse"))
version = dataset_versions().get("landuse")
render_landuse_explorer(selected_county(), region_name(), version.data_date if version else "-")
