"""用地要素保障一张图 — the frame: page config, navigation with every page registered, shared sidebar."""

import streamlit as st

from components.frame import init_session, render_sidebar
from components.state import t
from dashboard.navigation import PAGES, SECTION_ORDER

st.set_page_config(page_title="用地要素保障一张图", page_icon="static/favicon.png", layout="wide")
init_session()

sections: dict[str, list] = {t(key): [] for key in SECTION_ORDER}
for index, spec in enumerate(PAGES):
    page = st.Page(
        spec.file,
        title=t(spec.title_key),
        icon=f":material/{spec.icon}:",
        url_path=spec.url_path,
        default=index == 0,
    )
    sections[t(spec.section_key)].append(page)

navigation = st.navigation(sections)
render_sidebar(navigation.url_path)
navigation.run()
