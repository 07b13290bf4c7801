"""Building blocks of the indicator panels: explained indicators, KPI cards, charts with PNG export and tables
with Excel/CSV export.  Every panel page uses these, so every number carries its unit, data date and source, and
every chart and table can leave the app in a form a meeting can use.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from components.loaders import dataset_versions, indicator_table
from components.state import current_lang, current_profile, t
from dashboard.charts import chart_png
from dashboard.citations import cite
from dashboard.context import data_as_of
from dashboard.export import ExportMeta, to_csv_bytes, to_xlsx_bytes
from dashboard.indicators import registry
from dashboard.policy import load_profile
from dashboard.views import explain as explain_view
from dashboard.views.tables import number_display

#: Status colours of KPI cards (policy line met / missed / no line).
STATUS_ICONS = {"ok": ":material/check_circle:", "warn": ":material/warning:", "none": ":material/info:"}


def _safe_name(text: str) -> str:
    return re.sub(r"[^\w\u4e00-\u9fff-]+", "_", text).strip("_") or "export"


def indicator(ind_id: str) -> pd.DataFrame:
    """An indicator table for the session's policy profile (shared and read-only: copy before changing it)."""
    return indicator_table(ind_id, current_profile())


def explain(ind_id: str, profile_id: str | None = None) -> None:
    """A "指标说明" popover: label, unit, formula, source document and the values it uses from the profile
    (the session's, or ``profile_id`` for a panel bound to one locality's rules, such as the pool simulator)."""
    spec = registry()[ind_id]
    lang = current_lang()
    profile = load_profile(profile_id or current_profile())
    colon = "：" if lang == "zh" else ": "
    with st.popover(t("panels.explain"), icon=":material/help:"):
        st.markdown(explain_view.heading(spec, lang))
        st.markdown(f"{t('panels.formula')}{colon}{spec.formula(lang)}")
        st.caption(f"{t('panels.source')}{colon}{cite(spec.source)}")
        rows = explain_view.param_rows(spec, profile, lang)
        if len(rows):
            st.table(rows.set_index(t("panels.param")))


def heading(text: str, *indicators: str, profile_id: str | None = None) -> None:
    """A section heading with a 指标说明 popover per indicator shown under it (``profile_id``: whose parameters the
    popovers list, for a section bound to one locality's rules; default the session's profile)."""
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.subheader(text, anchor=False)
        for ind_id in indicators:
            explain(ind_id, profile_id)


def export_meta(name: str, datasets: tuple[str, ...], filters: dict | None = None) -> ExportMeta:
    """What an exported panel table says about itself: the datasets' sources and versions and the data date."""
    lang = current_lang()
    versions = {k: v for k, v in dataset_versions().items() if k in datasets and v is not None}
    sources = "；".join(dict.fromkeys(v.source(lang) for v in versions.values()))
    version = "、".join(f"{k}={v.version}" for k, v in versions.items())
    profile = load_profile(current_profile())
    filters = {t("panels.profile"): profile.name_zh if lang == "zh" else profile.name_en, **(filters or {})}
    return ExportMeta(dataset=name, source=sources, version=version, data_date=data_as_of(versions).isoformat(),
                      filters=filters)


def table_downloads(frame: pd.DataFrame, name: str, datasets: tuple[str, ...], key: str,
                    filters: dict | None = None) -> None:
    """Excel and CSV downloads of ``frame`` (formula-escaped, with a metadata sheet / preamble)."""
    lang = current_lang()
    meta = export_meta(name, datasets, filters)
    base = _safe_name(name)
    with st.container(horizontal=True):
        st.download_button(t("panels.download_xlsx"), lambda: to_xlsx_bytes(frame, meta=meta, lang=lang),
                           file_name=f"{base}.xlsx", icon=":material/table_view:", key=f"{key}_xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        st.download_button(t("panels.download_csv"), lambda: to_csv_bytes(frame, meta=meta, lang=lang),
                           file_name=f"{base}.csv", icon=":material/csv:", key=f"{key}_csv", mime="text/csv")


def table(frame: pd.DataFrame, name: str, datasets: tuple[str, ...], key: str, filters: dict | None = None,
          **dataframe_kwargs) -> None:
    """A table on the page with its Excel/CSV downloads."""
    st.dataframe(frame, hide_index=True, width="stretch", key=key, **dataframe_kwargs)
    table_downloads(frame, name, datasets, key, filters)


def static_table(frame: pd.DataFrame, name: str, datasets: tuple[str, ...], key: str,
                 filters: dict | None = None) -> None:
    """:func:`table` as a plain HTML table, for a few rows read in full: long texts wrap instead of being cut, it
    reads on a projector without scrolling, and it costs the browser far less than the interactive grid (whose
    code otherwise competes with the map for the first seconds of a page).  Numbers get thousands separators and
    two decimals, yes/no in words; the downloads keep the raw values."""
    shown, formats = number_display(frame)
    for column in frame.columns:
        if formats.get(column, "text") != "text":  # a float column without gaps: number_display left it numeric
            shown[column] = [f"{v:,.2f}" for v in frame[column]]
        elif pd.api.types.is_bool_dtype(frame[column]):
            shown[column] = [t("panels.yes") if v else t("panels.no") for v in frame[column]]
    st.table(shown.set_index(shown.columns[0]))
    table_downloads(frame, name, datasets, key, filters)


def number_table(frame: pd.DataFrame, name: str, datasets: tuple[str, ...], key: str, filters: dict | None = None,
                 whole=lambda column: False, **dataframe_kwargs) -> None:
    """:func:`table` with numbers formatted for reading (thousands separators, two decimals or whole where
    ``whole(column)``, "—" where undefined); the downloads keep the raw numbers."""
    shown, formats = number_display(frame, whole)
    config = {col: st.column_config.TextColumn(alignment="right") if fmt == "text"
              else st.column_config.NumberColumn(format=fmt) for col, fmt in formats.items()}
    st.dataframe(shown, hide_index=True, width="stretch", key=key, column_config=config, **dataframe_kwargs)
    table_downloads(frame, name, datasets, key, filters)


def chart(altair_chart, name: str, key: str) -> None:
    """An Altair chart with a PNG download (rendered on the server, Chinese text included)."""
    st.altair_chart(altair_chart, width="stretch", key=key)
    st.download_button(t("panels.download_png"), lambda: chart_png(altair_chart), file_name=f"{_safe_name(name)}.png",
                       mime="image/png", icon=":material/image:", key=f"{key}_png")


#: KPI cards show their whole figure on a 1366 px projector: label, value and change wrap instead of ending in "…"
#: (Streamlit cuts each to one line), and the value is a size smaller so a ten-digit figure fits a quarter row.  The
#: unit (``:small[...]``, a span with a fixed 0.875rem) is sized to the figure instead, so it stays readable on the
#: meeting page's larger figures, and moves to the next line as a whole ("10k yuan", not "10k" / "yuan").  Applies to every ``st.metric`` on the page; a constant, nothing from data reaches
#: it.
KPI_STYLE = """<style>
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] *, [data-testid="stMetricValue"],
[data-testid="stMetricValue"] *, [data-testid="stMetricDelta"], [data-testid="stMetricDelta"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;}
[data-testid="stMetricValue"] p {font-size: 1.75rem; line-height: 1.25;}
[data-testid="stMetricValue"] p > span[style*="font-size"] {font-size: 0.6em !important; font-weight: 400;
  display: inline-block; line-height: 1.2;}
</style>"""


def kpi_style() -> None:
    """The KPI card style (:data:`KPI_STYLE`) on this page: a style-only ``st.html``, which takes no room."""
    st.html(KPI_STYLE)


def metric_value(number: str, unit: str) -> str:
    """The value of a metric card: the figure, then its unit a size smaller (Markdown ``:small[...]``), so the
    figure keeps the card's width and a long unit wraps under it instead of hiding digits."""
    unit = unit.strip()
    if not unit:
        return number
    escaped = unit.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return f"{number} :small[{escaped}]"


def kpi(label: str, value: float | None, unit: str, *, fmt: str = "{:,.2f}", delta: float | None = None,
        delta_fmt: str = "{:+,.2f}", higher_is_better: bool | None = True, status: str = "none", note: str = "",
        key: str | None = None) -> None:
    """A KPI card: value with unit, change from the previous period, and whether it meets its policy line.

    ``higher_is_better`` colours the change (``None``: not coloured); ``status`` is ``"ok"`` (line met),
    ``"warn"`` (line missed) or ``"none"`` (no line), and the note says which line.  The unit follows the figure
    a size smaller and every text wraps (:data:`KPI_STYLE`), so no digit or unit is cut at 1366 px.
    """
    text = "—" if value is None or pd.isna(value) else metric_value(fmt.format(value), unit)
    delta_text = None if delta is None or pd.isna(delta) else f"{delta_fmt.format(delta)} {unit}".strip()
    with st.container(border=True, key=key):
        kpi_style()
        colour = "off" if higher_is_better is None else ("normal" if higher_is_better else "inverse")
        st.metric(label, text, delta_text, delta_color=colour)
        if note:
            st.caption(f"{STATUS_ICONS.get(status, '')} {note}")
