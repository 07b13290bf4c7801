"""Page: public_summary — the public extract's headline figures for the region, every county compared, and the
status of the page's data (the same aggregates the public site publishes)."""

import logging

import streamlit as st

from components import panels
from components.frame import render_dataset_status, render_page_header, selected_county
from components.loaders import load_dataset, public_tables
from components.state import current_lang, current_profile, t
from dashboard.navigation import page_spec
from dashboard.public_schema import LeakError
from dashboard.views import public_summary as view

SPEC = page_spec("public_summary")

render_page_header(SPEC.title_key, SPEC.datasets)
st.markdown(t("intro.public_summary"))
regions = load_dataset("regions")
if regions is None:
    st.info(t("data.no_regions"))
    st.stop()
lang = current_lang()
try:
    tables = public_tables(current_profile())
except LeakError:  # a public page shows no figure rather than one that fails the row-level check
    logging.getLogger(__name__).exception("public summary: a public table failed the leak check")
    st.error(t("public_summary.check_failed"))
    st.stop()
region = selected_county() or str(regions.loc[regions["level"] == "city", "code"].iloc[0])
# three cards a row, as on the public site: at 1366 px five in a row cut "12,730 mu" short
columns = [column for _ in range(0, len(view.FIGURES), 3) for column in st.columns(3)]
for column, (label, value) in zip(columns, view.figures(tables, region, lang), strict=False):
    with column:
        st.metric(label, value, border=True)
st.caption(t("public_summary.rules"))
st.subheader(t("public_summary.compare"))
panels.table(view.county_table(tables, lang), t("public_summary.compare"), SPEC.datasets, key="public_summary_counties")
st.subheader(t("status.heading"))
render_dataset_status(SPEC.datasets, key="public_summary_status")
