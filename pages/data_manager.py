"""Page: 数据管理 — upload a file, map its columns, validate, preview the change, save/publish; versions and audit."""

import streamlit as st

from components import data_upload as du
from components.frame import render_dataset_status, render_page_header
from components.state import t
from dashboard.contracts import DATASET_NAMES
from dashboard.navigation import page_spec

SPEC = page_spec("data_manager")

render_page_header(SPEC.title_key, DATASET_NAMES)
st.markdown(t("intro.data_manager"))
du.render_flash()

st.subheader(t("data_page.upload_heading"))
form = du.render_upload_form(DATASET_NAMES)
dataset, file = form["dataset"], form["file"]
if file is not None:
    outcome = du.read_with_progress(file, dataset)
    upload = du.render_read_outcome(outcome, file.name)
    if upload is not None:
        st.subheader(t("data_page.mapping_heading"))
        mapping = du.render_mapping(upload, dataset)
        st.subheader(t("data_page.report_heading"))
        report = du.render_report(upload, dataset, mapping)
        if report.ok:
            du.render_preview(report, dataset)
            du.render_save(report, dataset, form, file.name, outcome)
        else:
            st.caption(t("data_page.fix_first"))
else:
    st.caption(t("data_page.no_file"))

du.render_versions(dataset)

st.subheader(t("status.heading_all"))
render_dataset_status(DATASET_NAMES, key="data_manager_status")
