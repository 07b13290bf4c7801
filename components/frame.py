"""The frame every page shares: sidebar (language, region, data version), page header and data captions."""

from __future__ import annotations

import streamlit as st

from components.auth import current_role, render_login_prompt, resolve_access
from components.loaders import dataset_versions, load_dataset
from components.panels import table_downloads
from components.state import (
    CITY,
    LANG,
    PROFILE,
    REGION,
    current_lang,
    current_profile,
    current_region,
    hold_choice,
    init_state,
    remember_choice,
    sync_query_params,
    t,
)
from dashboard.auth import can_view
from dashboard.contracts import get_dataset
from dashboard.i18n import LANGUAGE_NAMES, LANGUAGES
from dashboard.navigation import PAGES
from dashboard.policy import load_profile, profile_ids
from dashboard.status import dataset_status_table, region_options, summarise_versions


def init_session() -> None:
    """Seed language and region from the URL on a session's first run (before any text is translated)."""
    init_state(list(region_options(load_dataset("regions"), current_lang())))


def render_sidebar(url_path: str | None = None) -> None:
    """Language, region and (on internal pages) policy-profile selectors, mirrored in the URL, and the data
    version / data date.  ``url_path`` is the page being shown (public pages get no profile switch).  A visitor
    whose role sees no internal page gets no profile switch either, and the versions and date of the public
    pages' datasets only."""
    internal = can_view(current_role(), "internal")
    regions = load_dataset("regions")
    with st.sidebar:
        # Two choices: one click on a segmented control, not a select box to open first
        st.segmented_control(t("sidebar.language"), LANGUAGES, default=current_lang(), required=True, key="lang",
                             format_func=LANGUAGE_NAMES.get, on_change=remember_choice, args=("lang", LANG))
        # Names depend on the language chosen just above, so rebuild them after the widget.
        options = region_options(regions, current_lang())
        codes = list(options)
        hold_choice("region", codes, choice=current_region())
        st.selectbox(t("sidebar.region"), codes, key="region", format_func=options.get,
                     on_change=remember_choice, args=("region", REGION))
        public = any(spec.public and spec.url_path == url_path for spec in PAGES)
        if internal and not public:
            names = {pid: getattr(load_profile(pid), f"name_{current_lang()}") for pid in profile_ids()}
            hold_choice("profile", names, choice=current_profile())
            st.selectbox(t("sidebar.profile"), list(names), key="profile", format_func=names.get,
                         help=t("sidebar.profile_help"), on_change=remember_choice, args=("profile", PROFILE))
        versions = dataset_versions()
        if not internal:
            shown = {name for spec in PAGES if spec.public for name in spec.datasets}
            versions = {name: version for name, version in versions.items() if name in shown}
        summary = summarise_versions(versions)
        if summary["is_demo"]:
            st.badge(t("data.demo_badge"), icon=":material/science:", color="orange")
        st.caption(t("sidebar.data_version", version=summary["versions"] or "-"))
        st.caption(t("sidebar.data_date", date=summary["data_date"] or "-"))
    sync_query_params()


def region_name(code: str | None = None) -> str:
    """Display name of a region code (the current region by default)."""
    code = code or current_region()
    return region_options(load_dataset("regions"), current_lang()).get(code, code)


def region_names() -> dict[str, str]:
    """``{code: name}`` of every region (city and counties) in the UI language."""
    regions = load_dataset("regions")
    if regions is None:
        return {}
    column = "name_en" if current_lang() == "en" and "name_en" in regions.columns else "name"
    return dict(zip(regions["code"].astype(str), regions[column].astype(str), strict=True))


def selected_county() -> str | None:
    """The selected county code, or ``None`` when the whole city is selected."""
    region = current_region()
    return None if region == CITY else region


def _ensure_frame(url_path: str | None = None) -> None:
    """Make sure the page is drawn inside the frame even when Streamlit ran the page file on its own.

    Streamlit treats an app with a ``pages/`` folder as a legacy app until ``st.navigation`` first runs: the
    first request a new server sees, if it is a deep link such as ``/landuse``, runs that page file directly
    (no frame, no sidebar).  On a session's first run nothing can be lost, so the page clears the flag and
    reruns through ``app.py``.  AppTest resets the flag before every run; rerunning then would swallow the
    widget event that triggered the run, so later runs draw the frame's sidebar here instead.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        if not st.session_state.get("_framed_once"):
            st.rerun()
        init_session()
        access = resolve_access()  # the same check app.py makes before it runs a page
        spec = next((spec for spec in PAGES if spec.url_path == url_path), None)
        render_sidebar(url_path)
        if spec is None or not can_view(access.role, spec):
            render_login_prompt(access)
            st.stop()
    st.session_state["_framed_once"] = True


def render_page_header(title_key: str, datasets: tuple[str, ...]) -> None:
    """Page title, the selected region, and a data caption: 示例数据 badge, data date and source."""
    _ensure_frame(next((spec.url_path for spec in PAGES if spec.title_key == title_key), None))
    st.title(t(title_key))
    versions = {name: version for name, version in dataset_versions().items() if name in datasets}
    summary = summarise_versions(versions)
    parts = [t("data.region_caption", region=region_name())]
    if summary["data_date"]:
        parts.append(t("data.date_caption", date=summary["data_date"]))
    if summary["sources"]:
        parts.append(t("data.source_caption", source="；".join(summary["sources"][current_lang()])))
    with st.container(horizontal=True, vertical_alignment="center"):
        if summary["is_demo"]:
            st.badge(t("data.demo_badge"), icon=":material/science:", color="orange")
        st.caption(" · ".join(parts))


def render_dataset_status(datasets: tuple[str, ...], key: str) -> None:
    """Table of the datasets a page reads: version, rows, data date and source (or 'no data')."""
    lang = current_lang()
    table = dataset_status_table(
        {name: version for name, version in dataset_versions().items() if name in datasets},
        lang,
        {name: get_dataset(name).title(lang) for name in datasets},
        labels={k: t(f"status.{k}") for k in ("dataset", "version", "rows", "data_date", "source", "missing")},
    )
    st.dataframe(table, hide_index=True, key=key, width="stretch")
    table_downloads(table, t("status.heading"), datasets, key=key)
