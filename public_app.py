"""用地要素保障一张图·公开数据 — the public entry point: dated, sourced aggregates from the public extract only.

``make public`` publishes the extract (``python -m dashboard publish-public``) and serves this app.  It reads the
folder named by ``DASHBOARD_PUBLIC_DIR`` (default ``data/public``) through :mod:`dashboard.public_reader` and
nothing else: no internal page, loader or data store is imported or registered here.
"""

import streamlit as st

from components.public_view import init_lang, render_sidebar, t

PUBLIC_PAGES = (
    ("pages_public/city.py", "public.page.city", "location_city", "city"),
    ("pages_public/counties.py", "public.page.counties", "map", "counties"),
    ("pages_public/changelog.py", "public.page.changelog", "history", "changelog"),
)

st.set_page_config(page_title="用地要素保障一张图·公开数据", page_icon="static/favicon.png", layout="wide")
init_lang()
# The project's static/ folder holds generated land-use vector tiles (parcel geometry): the public server must not
# serve it.  `make public` passes --server.enableStaticServing false; anything else is refused here.
if st.get_option("server.enableStaticServing"):
    st.error(t("public.static_serving_on"))
    st.stop()
pages = [
    st.Page(file, title=t(title), icon=f":material/{icon}:", url_path=url, default=index == 0)
    for index, (file, title, icon, url) in enumerate(PUBLIC_PAGES)
]
navigation = st.navigation(pages)
render_sidebar()
navigation.run()
