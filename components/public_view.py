"""Rendering for the public app (``public_app.py``, ``pages_public/``): language, header, tables and charts.

Reads only through :mod:`dashboard.public_reader` (the public extract folder).  Must not import the internal
loaders, store or frame (``components.loaders``, ``components.frame``, ``components.state``, ``dashboard.store``,
``dashboard.io``, ``dashboard.indicators``): a unit test checks ``sys.modules`` after importing the public pages.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import public_reader, public_text
from dashboard.export import ExportMeta, to_csv_bytes, to_xlsx_bytes
from dashboard.i18n import DEFAULT_LANG, LANGUAGE_NAMES, LANGUAGES, normalise_lang
from dashboard.i18n import t as _t

LANG = "_public_lang"

# ------------------------------------------------------------------------------------------------ language


def init_lang() -> None:
    """Seed the language from ``?lang=`` on a session's first run."""
    if LANG not in st.session_state:
        st.session_state[LANG] = normalise_lang(st.query_params.get("lang", DEFAULT_LANG))


def lang() -> str:
    return normalise_lang(st.session_state.get(LANG, DEFAULT_LANG))


def t(key: str, **params) -> str:
    return _t(key, lang(), **params)


def _remember_lang() -> None:
    st.session_state[LANG] = st.session_state["public_lang"]


def _sync_lang() -> None:
    if lang() == DEFAULT_LANG:
        if "lang" in st.query_params:
            del st.query_params["lang"]
    elif st.query_params.get("lang") != lang():
        st.query_params["lang"] = lang()


# ---------------------------------------------------------------------------------------------------- data


def _stamp() -> tuple[str, float]:
    """The cache key of the extract: its folder and manifest time (a new publish invalidates the caches)."""
    folder = public_reader.extract_dir()
    try:
        return str(folder), public_reader.resolve("manifest.json", folder).stat().st_mtime
    except OSError:
        return str(folder), 0.0


@st.cache_data(show_spinner=False, max_entries=8)
def _manifest(stamp: tuple[str, float]) -> dict | None:
    if not public_reader.available():
        return None
    public_reader.check_folder()
    return public_reader.read_manifest()


@st.cache_data(show_spinner=False, max_entries=64)
def _table(name: str, stamp: tuple[str, float]) -> pd.DataFrame:
    return public_reader.read_table(name)


@st.cache_data(show_spinner=False, max_entries=8)
def _changelog(stamp: tuple[str, float]) -> list[dict]:
    return public_reader.read_changelog()


def manifest() -> dict:
    """The extract's manifest; stops the page with a translated message when nothing was published."""
    found = _manifest(_stamp())
    if found is None:
        st.warning(t("public.no_extract"))
        st.stop()
    return found


def table(name: str) -> pd.DataFrame:
    return _table(name, _stamp()).copy()


def changelog() -> list[dict]:
    return _changelog(_stamp())


# ---------------------------------------------------------------------------------------------------- frame


def render_sidebar() -> None:
    """Language switch, data date and publication time (the public sidebar shows nothing else)."""
    init_lang()
    info = manifest()
    with st.sidebar:
        st.selectbox(t("public.language"), LANGUAGES, index=LANGUAGES.index(lang()), key="public_lang",
                     format_func=LANGUAGE_NAMES.get, on_change=_remember_lang)
        if info.get("is_demo"):
            st.badge(t("public.demo_badge"), icon=":material/science:", color="orange")
        st.caption(t("public.data_date", date=info["data_date"]))
        st.caption(t("public.published_at", time=info["published_at"].replace("T", " ")[:16]))
    _sync_lang()


def render_header(title_key: str, tables: tuple[str, ...] | None = None) -> dict:
    """Page title, then the data date and the source of the page's tables (all when ``None``); returns the
    manifest."""
    info = manifest()
    tables = tuple(info["tables"]) if tables is None else tables
    st.title(t(title_key))
    sources = dict.fromkeys(info["tables"][name][f"source_{lang()}"] for name in tables)
    demo = t("public.demo_note") if info.get("is_demo") else ""
    st.caption(t("public.header_caption", date=info["data_date"], source="；".join(sources) if lang() == "zh"
                 else "; ".join(sources), demo=demo))
    return info


def table_caption(name: str) -> None:
    """One line under a table: its source, data date and how many rows were withheld."""
    info = manifest()
    meta = info["tables"][name]
    st.caption(t("public.table_caption", title=meta[f"title_{lang()}"], date=info["data_date"],
                 source=meta[f"source_{lang()}"], withheld=meta["suppressed_rows"], n=info["min_group"],
                 unit=meta[f"count_{lang()}"]))


# ---------------------------------------------------------------------------------------------------- tables


def region_label(frame: pd.DataFrame) -> pd.Series:
    return public_text.region_label(frame, lang())


def header(column: str) -> str:
    return public_text.header(column, lang())


def display_frame(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``columns`` of a public table as text in the page's language (:func:`dashboard.public_text.display_frame`)."""
    return public_text.display_frame(frame, columns, lang())


def export_meta(name: str, title: str) -> ExportMeta:
    """What a public download says about itself: the table, its source, the extract's versions and data date."""
    info = manifest()
    source = info["tables"][name][f"source_{lang()}"] if name in info["tables"] else t("public.section.changelog")
    versions = "、".join(f"{d}={v['version']}" for d, v in info.get("versions", {}).items())
    return ExportMeta(dataset=title, source=source, version=versions, data_date=info["data_date"])


def render_downloads(frame: pd.DataFrame, name: str, title: str, key: str, csv: bytes | None = None) -> None:
    """CSV (the published file itself when given) and Excel (formula-escaped, with a metadata sheet)."""
    meta = export_meta(name, title)
    with st.container(horizontal=True):
        st.download_button(t("public.download_csv"), csv if csv is not None else to_csv_bytes(frame, meta=meta, lang=lang()),
                           file_name=f"{name}.csv", mime="text/csv", key=f"{key}_csv", icon=":material/download:")
        st.download_button(t("public.download_xlsx"), lambda: to_xlsx_bytes(frame, meta=meta, lang=lang()),
                           file_name=f"{name}.xlsx", key=f"{key}_xlsx", icon=":material/table_view:",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def render_table(name: str, frame: pd.DataFrame, columns: list[str], key: str) -> None:
    """The table, its caption (source, date, withheld rows), and CSV and Excel downloads of the whole published
    table."""
    st.dataframe(display_frame(frame, columns), hide_index=True, width="stretch", key=f"{key}_df")
    table_caption(name)
    render_downloads(frame, name, manifest()["tables"][name][f"title_{lang()}"], key, public_reader.csv_bytes(name))


def kpi(label_key: str, value, unit_key: str, digits: int, help_text: str | None = None,
        missing_key: str = "public.withheld") -> None:
    """One metric card; a withheld or missing value shows ``missing_key`` (the withheld mark by default)."""
    missing = value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
    shown = t(missing_key) if missing else f"{float(value):,.{digits}f}"
    label = f"{t(label_key)}（{t(unit_key)}）" if lang() == "zh" else f"{t(label_key)} ({t(unit_key)})"
    st.metric(label, shown, help=help_text, border=True)


# ---------------------------------------------------------------------------------------------------- charts


def bar_chart(frame: pd.DataFrame, category: str, value: str, title_key: str, *, rule: float | None = None,
              rule_key: str | None = None, sort_desc: bool = True, horizontal: bool = True) -> None:
    """A bar chart of ``value`` by ``category`` (withheld rows left out and named under the chart)."""
    data = frame[[category, value]].dropna()
    left_out = sorted(set(frame[category]) - set(data[category]))
    value_title = header(value)
    order = "-x" if horizontal and sort_desc else ("-y" if sort_desc else None)
    if horizontal:
        bars = alt.Chart(data).mark_bar(color="#b3261e").encode(
            y=alt.Y(f"{category}:N", title=None, sort=order, axis=alt.Axis(labelLimit=260)),
            x=alt.X(f"{value}:Q", title=value_title),
            tooltip=[alt.Tooltip(f"{category}:N", title=t("public.col.region")),
                     alt.Tooltip(f"{value}:Q", title=value_title, format=",.2f")],
        )
    else:
        bars = alt.Chart(data).mark_bar(color="#b3261e").encode(
            x=alt.X(f"{category}:N", title=None, sort=order),
            y=alt.Y(f"{value}:Q", title=value_title),
            tooltip=[alt.Tooltip(f"{category}:N", title=t("public.col.group")),
                     alt.Tooltip(f"{value}:Q", title=value_title, format=",.2f")],
        )
    chart = bars
    if rule is not None:
        line = alt.Chart(pd.DataFrame({"v": [rule], "label": [t(rule_key, value=rule)]}))
        enc = {"x": "v:Q"} if horizontal else {"y": "v:Q"}
        chart = bars + line.mark_rule(color="#1f4e79", strokeDash=[4, 3], size=2).encode(
            **enc, tooltip=alt.Tooltip("label:N", title=""))
    st.subheader(t(title_key))
    st.altair_chart(chart.properties(height=max(220, 34 * len(data)) if horizontal else 320), width="stretch")
    if rule is not None:
        st.caption(t(rule_key, value=rule))
    if left_out:
        st.caption(t("public.chart_left_out", names="、".join(left_out) if lang() == "zh" else ", ".join(left_out)))
