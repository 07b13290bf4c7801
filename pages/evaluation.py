"""Page: 节约集约评价 — the evaluation indicators of the selected region by year against the policy profile's
target lines (with a verdict on the latest year), KPI cards of the latest year, and the county comparison."""

import streamlit as st

from components.evaluation_panel import (
    load_frames,
    render_comparison,
    render_kpis,
    render_region_table,
    render_trends,
)
from components.frame import render_page_header, selected_county
from components.state import current_lang, current_profile, t
from dashboard.navigation import page_spec
from dashboard.policy import load_profile
from dashboard.views.evaluation import region_code_of

SPEC = page_spec("evaluation")
#: Development intensity divides by the 三调 parcel areas, so exports cite the land-use data too.
EXPORT_DATASETS = (*SPEC.datasets, "landuse")

render_page_header(SPEC.title_key, SPEC.datasets)
st.markdown(t("intro.evaluation"))

lang = current_lang()
profile = load_profile(current_profile())
frames = load_frames()
county = selected_county()
city = region_code_of(frames["gdp_per_land"], None)
region = county or city

render_kpis(frames, region, profile, lang)
render_trends(frames, region, profile, lang)
render_comparison(frames, county, city, profile, lang, EXPORT_DATASETS)
render_region_table(frames, region, lang, EXPORT_DATASETS)
