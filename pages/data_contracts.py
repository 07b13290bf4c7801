"""Page: 数据规范 — every dataset's columns, types, units, required flags and header aliases."""

import streamlit as st

from components.frame import render_page_header
from components.panels import table_downloads
from components.state import current_lang, t
from dashboard.contracts import load_contracts
from dashboard.docs import contract_table
from dashboard.navigation import page_spec

SPEC = page_spec("data_contracts")

render_page_header(SPEC.title_key, ())
st.markdown(t("intro.data_contracts"))
for name, dataset in load_contracts().items():
    with st.expander(f"{dataset.title(current_lang())}（`{name}`）"):
        table = contract_table(dataset, current_lang())
        st.dataframe(table, hide_index=True, key=f"contract_{name}", width="stretch")
        table_downloads(table, f"{t('page.data_contracts')}_{name}", (), key=f"contract_{name}")
