"""Meeting mode (会议模式): one indicator per screen in large type, the sidebar hidden, paging by buttons or the ← →
keys, the region fixed for the meeting and kept in the URL with the slide (``?region=530402&slide=3``), and the
county briefing PDF.  The slides come from :mod:`dashboard.views.meeting`; the numbers are the 总览 panel's.

Keyboard paging uses the buttons' own ``shortcut`` (Streamlit ≥ 1.5x: ``st.button(shortcut="Right")``), handled
by Streamlit's frontend: no script of ours, nothing loaded from elsewhere, so it works offline.  The sidebar is
hidden by a constant style block (``st.html``) that exists only while this page is shown: Streamlit's
``initial_sidebar_state`` is app-wide (``st.set_page_config`` in ``app.py``), not per page.
"""

from __future__ import annotations

import streamlit as st

from components import panels
from components.frame import region_name
from components.loaders import dataset_versions, load_dataset
from components.overview_panel import OverviewData, load_overview
from components.state import REGION, current_lang, current_profile, current_region, hold_choice, t
from dashboard import briefing
from dashboard import pdf as pdfkit
from dashboard.errors import UserError
from dashboard.navigation import page_spec
from dashboard.policy import load_profile
from dashboard.status import region_options, summarise_versions
from dashboard.views import meeting as mv
from dashboard.views import overview as ov

SPEC = page_spec("meeting")
DATASETS = SPEC.datasets
SLIDE_PARAM = "slide"
#: Presentation styles: no sidebar (nor its expand arrow), larger type, status colours on the figure cards.
#: A constant: nothing from data ever reaches it.
STYLE = """<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarCollapseButton"] {display: none !important;}
.stMainBlockContainer {max-width: 100% !important; padding-left: 3rem; padding-right: 3rem; padding-top: 4.5rem;}
.stMainBlockContainer [data-testid="stMarkdownContainer"] p {font-size: 1.35rem; line-height: 1.55;}
.stMainBlockContainer h1 {font-size: 2rem;}
.stMainBlockContainer h2 {font-size: 2.4rem;}
[data-testid="stMetricLabel"] p {font-size: 1.45rem !important;}
[data-testid="stMetricValue"] p {font-size: 3.6rem !important; line-height: 1.2 !important; font-weight: 600;}
[data-testid="stMetricDelta"] p {font-size: 1.25rem !important;}
[data-testid="stCaptionContainer"] p {font-size: 1.2rem !important;}
.st-key-mtg_slide_kpis [data-testid="stMetricValue"] p {font-size: 2.4rem !important;}
.st-key-mtg_slide_kpis [data-testid="stMetricLabel"] p {font-size: 1.15rem !important;}
.st-key-mtg_slide_kpis [data-testid="stMetricDelta"] p {font-size: 1.05rem !important;}
.st-key-mtg_slide_kpis [data-testid="stCaptionContainer"] p {font-size: 1rem !important;}
div[class*="st-key-mtg_warn_"] {border-left: 9px solid #d7301f !important; background: #fff4f1;}
div[class*="st-key-mtg_ok_"] {border-left: 9px solid #1a9850 !important; background: #f3faf4;}
div[class*="st-key-mtg_none_"] {border-left: 9px solid #9e9e9e !important;}
</style>"""


def hide_sidebar_and_enlarge() -> None:
    """The presentation styles of this page (see :data:`STYLE`)."""
    st.html(STYLE)


def load_meeting() -> mv.MeetingData | None:
    """The overview's tables for the meeting's region (the session's region, seeded from ``?region=``)."""
    region = current_region()
    data = load_overview(None if region == "city" else region)
    return None if data is None else meeting_data(data)


def current_slide(count: int) -> int:
    """The slide shown (1-based), from ``?slide=``; written back so the URL always says which one."""
    number = mv.clamp_slide(st.query_params.get(SLIDE_PARAM), count)
    if st.query_params.get(SLIDE_PARAM) != str(number):
        st.query_params[SLIDE_PARAM] = str(number)
    return number


def _go(number: int) -> None:
    st.query_params[SLIDE_PARAM] = str(number)


def _choose_region() -> None:
    """Set-up callback: the meeting's region becomes the session's (and the hidden sidebar's), back to slide 1."""
    chosen = st.session_state["meeting_region"]
    st.session_state[REGION] = chosen
    st.session_state["region"] = chosen  # the frame's sidebar selector shows the same region on other pages
    st.query_params[SLIDE_PARAM] = "1"


def briefing_context() -> briefing.BriefingContext:
    """Version, data date, profile and the map's layers for the briefing PDF."""
    lang = current_lang()
    versions = {k: v for k, v in dataset_versions().items() if k in DATASETS}
    summary = summarise_versions(versions)
    return briefing.BriefingContext(
        version=summary["versions"] or "-", data_date=summary["data_date"] or "-",
        profile_name=load_profile(current_profile()).name(lang),
        regions_geo=load_dataset("regions"), control_lines=load_dataset("control_lines"))


def render_controls(data: mv.MeetingData, number: int, total: int) -> None:
    """Previous / next (← →), the slide counter, the meeting set-up (region) and the briefing download."""
    lang = data.lang
    with st.container(horizontal=True, vertical_alignment="center", key="mtg_controls"):
        st.button(mv.m("previous", lang), key="meeting_prev", icon=":material/arrow_back:", shortcut="Left",
                  disabled=number <= 1, on_click=_go, args=(number - 1,))
        st.button(mv.m("next", lang), key="meeting_next", icon=":material/arrow_forward:", shortcut="Right",
                  type="primary", disabled=number >= total, on_click=_go, args=(number + 1,))
        st.markdown(f"**{mv.m('counter', lang, n=number, total=total)}**")
        st.caption(mv.m("keys_hint", lang))
        st.space("stretch")
        with st.popover(mv.m("setup", lang), icon=":material/tune:"):
            options = region_options(load_dataset("regions"), lang)
            codes = list(options)
            region = current_region()
            hold_choice("meeting_region", codes, choice=region)
            st.selectbox(mv.m("region", lang), codes, format_func=options.get, key="meeting_region",
                         on_change=_choose_region)
            st.caption(mv.m("setup_help", lang))
        render_briefing_download(data)


def render_briefing_download(data: mv.MeetingData, key: str = "meeting_briefing_pdf") -> None:
    """The county briefing PDF (built when clicked); disabled with a message when the CJK font is missing."""
    lang = data.lang
    try:
        pdfkit.cjk_fonts()
        font_ok = True
    except UserError as exc:
        st.warning(mv.m("no_font", lang, font=exc.params.get("font", pdfkit.CJK_FACE)))
        font_ok = False
    ctx = briefing_context()
    st.download_button(mv.m("download_pdf", lang), lambda: briefing.to_pdf_bytes(data, ctx),
                       file_name=f"{briefing.file_stem(data, ctx)}.pdf", mime="application/pdf",
                       icon=":material/picture_as_pdf:", key=key, disabled=not font_ok)


def meeting_data(data: OverviewData) -> mv.MeetingData:
    """The overview panel's data as the meeting's."""
    return mv.MeetingData(data.lang, data.profile, data.county, data.as_of, data.regions, data.tables, data.values,
                          data.previous)


def briefing_download(data: OverviewData) -> None:
    """The briefing PDF download on the 总览 page (same PDF as meeting mode's)."""
    render_briefing_download(meeting_data(data), key="overview_briefing_pdf")


def _figure(fig: mv.Figure) -> None:
    metric = ov.METRIC_BY_KEY[fig.key]
    colour = "off" if metric.higher_is_better is None else ("normal" if metric.higher_is_better else "inverse")
    with st.container(border=True, key=f"mtg_{fig.status}_{fig.key}"):
        # st.metric reads the sign from a leading ASCII "-"; the figures print a true minus sign.
        number, _, unit = fig.value.partition(" ")  # "−103.55 万公顷": the unit a size smaller, wrapping under
        panels.kpi_style()
        st.metric(fig.label, panels.metric_value(number, unit), fig.change.replace("−", "-") or None,
                  delta_color=colour)
        st.caption(f"{panels.STATUS_ICONS.get(fig.status, '')} {fig.note}")


def render_slide(data: mv.MeetingData, slide: mv.Slide) -> None:
    """One slide: region and title, a sentence of context, the large figures, the ranking charts or the alerts."""
    lang = data.lang
    with st.container(key=f"mtg_slide_{slide.key}"):
        st.header(f"{region_name()} · {slide.title}", anchor=False)
        st.markdown(slide.lead)
        per_row = 3 if len(slide.figures) > 4 else max(len(slide.figures), 1)
        for start in range(0, len(slide.figures), per_row):
            row = slide.figures[start:start + per_row]
            for column, fig in zip(st.columns(per_row, gap="medium"), row, strict=False):
                with column:
                    _figure(fig)
        if slide.charts:
            for column, key in zip(st.columns(len(slide.charts), gap="large"), slide.charts, strict=True):
                with column:
                    title = t("overview_panel.ranking_title", metric=ov.METRIC_BY_KEY[key].label_with_unit(lang))
                    st.markdown(f"**{title}**")
                    panels.chart(mv.ranking(data, key, count=len(slide.charts)), title, key=f"meeting_chart_{key}")
        if slide.alerts is not None:
            if slide.alerts.empty:
                st.success(mv.m("no_alerts", lang), icon=":material/check_circle:")
            else:
                st.html(ov.alerts_html(slide.alerts, lang, large=True))
                with st.expander(t("overview_panel.alerts_table"), icon=":material/table_view:"):
                    panels.table(ov.alert_table(slide.all_alerts, lang), t("overview_panel.alerts_export"), DATASETS,
                                 key="meeting_alerts")


def render_meeting() -> None:
    """The whole page below its header."""
    hide_sidebar_and_enlarge()
    data = load_meeting()
    if data is None:
        return
    slides = mv.slides(data)
    number = current_slide(len(slides))
    render_controls(data, number, len(slides))
    render_slide(data, slides[number - 1])
