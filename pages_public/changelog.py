"""Public page: change log, sources, methods, disclosure rules and downloads (public extract only)."""

import pandas as pd
import streamlit as st

from components.public_view import changelog, lang, render_downloads, render_header, t

info = render_header("public.page.changelog")
st.subheader(t("public.section.changelog"))
entries = [
    {t("public.log.published_at"): e["published_at"].replace("T", " ")[:16], t("public.log.data_date"): e["data_date"],
     t("public.log.changes"): "；".join(c[lang()] for c in e["changes"]) if lang() == "zh"
     else "; ".join(c[lang()] for c in e["changes"]),
     t("public.log.versions"): ", ".join(f"{k} {v}" for k, v in e["versions"].items())}
    for e in reversed(changelog())
]
log = pd.DataFrame(entries)
st.dataframe(log, hide_index=True, width="stretch", key="changelog_df")
render_downloads(log, "changelog", t("public.section.changelog"), "changelog")

st.subheader(t("public.section.rules"))
st.markdown(t("public.rules", n=info["min_group"]))

st.subheader(t("public.section.tables"))
for meta in info["tables"].values():
    with st.expander(meta[f"title_{lang()}"], expanded=False):
        st.markdown(t("public.table_meta", source=meta[f"source_{lang()}"], formula=meta[f"formula_{lang()}"],
                      rows=meta["rows"], withheld=meta["suppressed_rows"], date=info["data_date"]))
