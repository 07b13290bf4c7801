"""Page: 数据管理 — the current version, rows, data date and source of every dataset."""

import streamlit as st

from components.frame import render_dataset_status, render_page_header
from components.state import t
from dashboard.contracts import DATASET_NAMES
from dashboard.navigation import page_spec

SPEC = page_spec("data")

render_page_header(SPEC.title_key, DATASET_NAMES)
st.markdown(t("intro.data_manager"))
st.subheader(t("status.heading_all"))
render_dataset_status(DATASET_NAMES, key="data_manager_status")
