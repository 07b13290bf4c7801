"""Page: 项目清单 — key projects by stage with their deadlines in Chinese working days (overdue replies and
deemed consent shown), the issue loop 收集 → 会商 → 解决 recorded per project, and the records linked to a
project across mechanisms (approval → supply → enterprise and grade → arable indicators → idle land)."""

import streamlit as st

from components.frame import render_page_header, selected_county
from components.projects_panel import render_projects_panel
from components.state import t
from dashboard.navigation import page_spec

SPEC = page_spec("projects")

render_page_header(SPEC.title_key, SPEC.datasets)
st.markdown(t("intro.projects"))
render_projects_panel(selected_county())
