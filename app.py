"""用地要素保障一张图 — the frame: page config, sign-in check, navigation with every page registered, shared sidebar.

Every page is registered so that every URL resolves, but a page the visitor's role may not open is registered
hidden under a neutral title, and this file answers it with the login prompt instead of running it
(``dashboard.auth.can_view``): the check happens here, before any page script runs.
"""

import streamlit as st

from components.auth import render_account_box, render_login_prompt, render_open_banner, resolve_access
from components.frame import init_session, render_sidebar
from components.state import t
from dashboard.auth import can_view
from dashboard.navigation import PAGES, SECTION_ORDER

st.set_page_config(page_title="用地要素保障一张图", page_icon="static/favicon.png", layout="wide")
init_session()
access = resolve_access()  # stops here with a translated message when the sign-in settings are unsafe

sections: dict[str, list] = {t(key): [] for key in SECTION_ORDER}
hidden: list = []
registered = []
for index, spec in enumerate(PAGES):
    allowed = can_view(access.role, spec)
    page = st.Page(
        spec.file,
        title=t(spec.title_key) if allowed else t("auth.locked_title"),
        icon=f":material/{spec.icon}:" if allowed else ":material/lock:",
        url_path=spec.url_path,
        default=index == 0,
        visibility="visible" if allowed else "hidden",
    )
    (sections[t(spec.section_key)] if allowed else hidden).append(page)
    registered.append((page, spec))
sections = {name: pages for name, pages in sections.items() if pages}
# Hidden pages ride along in the first visible section, so no section header names an internal area.
next(iter(sections.values())).extend(hidden)

# Pages in the top bar, one menu per section: on a 1366×768 projector the sidebar then shows the language, region
# and profile without scrolling (the twelve pages filled its height).
navigation = st.navigation(sections, position="top")
spec = next(spec for page, spec in registered if page._script_hash == navigation._script_hash)
render_sidebar(spec.url_path)
render_account_box(access)
if not can_view(access.role, spec):
    render_login_prompt(access)
    st.stop()
render_open_banner(access)
navigation.run()
