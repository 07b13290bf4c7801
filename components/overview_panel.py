"""The 总览 panel (Streamlit part): KPI cards with their change from the previous period, the alert list, and the
county choropleth with the ranking chart of a chosen indicator.  The numbers come from
:mod:`dashboard.views.overview`; this module only reads widgets and renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from components import panels
from components.loaders import dataset_versions, indicator_table_as_of, load_dataset, load_display_regions
from components.state import current_lang, current_profile, hold_choice, t
from dashboard import layout
from dashboard.context import data_as_of
from dashboard.legend import legend_html
from dashboard.navigation import page_spec
from dashboard.policy import Profile, load_profile
from dashboard.views import overview as view

DATASETS = page_spec("overview").datasets
METRIC_KEY = "overview_metric"
SCHEME_KEY = "overview_scheme"
MAP_HEIGHT = 560
#: The map and its legend side by side; the ranking below them at the full width, where the longest county name,
#: the bars and their value labels all fit (beside the map they had 415 px at 1366 px and ran into each other).
MAP_COLUMNS, MAP_GAP = (3, 2), "medium"
MAP_WIDTH = layout.column_width(MAP_COLUMNS, 0, MAP_GAP)
#: Card colours by status (left border, background): the policy line met, missed, or no line.
CARD_STYLE = """<style>
div[class*="st-key-ovkpi_warn_"] {border-left: 7px solid #d7301f !important; background: #fff4f1;}
div[class*="st-key-ovkpi_ok_"] {border-left: 7px solid #1a9850 !important; background: #f3faf4;}
div[class*="st-key-ovkpi_none_"] {border-left: 7px solid #9e9e9e !important;}
</style>"""


@dataclass(frozen=True)
class OverviewData:
    """Everything the panel shows, for the session's language, profile and region."""

    lang: str
    profile: Profile
    county: str | None
    as_of: date
    regions: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    values: dict[str, pd.DataFrame]
    previous: dict[str, pd.DataFrame]
    previous_dates: dict[str, date]


def load_overview(county: str | None) -> OverviewData | None:
    """The indicator tables of this and the previous period, shaped by :mod:`dashboard.views.overview`."""
    regions = load_dataset("regions")
    if regions is None:
        st.info(t("data.no_regions"))
        return None
    lang, profile_id = current_lang(), current_profile()
    profile = load_profile(profile_id)
    frame = view.region_frame(regions, lang)
    as_of = data_as_of(dataset_versions())
    with st.spinner(t("overview_panel.loading")):
        tables = {ind: panels.indicator(ind) for ind in view.CURRENT_TABLES}
        dates = view.previous_requests(tables, as_of)
        previous_tables = {ind: indicator_table_as_of(ind, profile_id, day) for ind, day in dates.items()}
        values = view.all_metric_values(tables, profile, frame)
        previous = view.all_metric_values(previous_tables, profile, frame, view.KPI_METRICS)
    return OverviewData(lang, profile, county, as_of, frame, tables, values, previous, dates)


def _comparison_caption(data: OverviewData) -> str:
    quarter = {data.previous_dates[m.indicator] for m in view.KPI_METRICS if m.period == view.QUARTER}
    years = {data.previous_dates[m.indicator].year for m in view.KPI_METRICS if m.period == view.YEAR}
    return t("overview_panel.comparison", date="、".join(sorted(d.isoformat() for d in quarter)),
             year="、".join(str(y) for y in sorted(years)), profile=data.profile.name(data.lang))


def _card(card: view.KpiCard, data: OverviewData, details: dict[str, str]) -> None:
    metric, lang = card.metric, data.lang
    label = metric.label(lang)
    if card.period is not None:
        label = t("overview_panel.label_year", label=label, year=card.period)
    rate = metric.unit == "pct"
    panels.kpi(
        label, card.value, "" if rate else metric.unit_text(lang),
        fmt="{:,.2f}" + ("%" if rate else ""),
        # A change that rounds to zero gets no arrow (st.metric would draw "+0.00" as a rise).
        delta=None if card.delta is None or round(card.delta, 2) == 0 else card.delta,
        delta_fmt="{:+,.2f}" + (" " + view.unit_text("pp", lang) if rate else ""),
        higher_is_better=metric.higher_is_better,
        status=card.status,
        note=view.kpi_note(card, lang, details.get(metric.key, "")),
        key=f"ovkpi_{card.status}_{metric.key}",
    )
    panels.explain(metric.indicator)


def render_kpis(data: OverviewData) -> None:
    """The KPI cards in three groups (arable balance; unsupplied and idle land; per-mu and 地均GDP)."""
    st.html(CARD_STYLE)
    with st.container(horizontal=True, vertical_alignment="center"):
        st.subheader(t("overview_panel.kpi_heading"))
        st.space("stretch")
        from components.meeting import briefing_download  # imported here: components.meeting imports this module

        briefing_download(data)
    st.caption(_comparison_caption(data))
    cards = view.kpi_cards(data.values, data.previous, data.county)
    details = view.kpi_details(data.tables, data.profile, data.regions, data.county, data.lang)
    for group in view.GROUPS:
        in_group = [c for c in cards if c.metric.group == group]
        if not in_group:
            continue
        st.markdown(f"**{t(f'overview_panel.group.{group}')}**")
        for column, card in zip(st.columns(len(in_group)), in_group, strict=True):
            with column:
                _card(card, data, details)


def render_alerts(data: OverviewData) -> None:
    """Counties (and parks) below a policy line, most severe first, with the rule; the full table for export."""
    alerts = view.alert_rows(data.tables, data.values, data.profile, data.regions, data.lang, data.county)
    with st.container(horizontal=True, vertical_alignment="center"):
        st.subheader(t("overview_panel.alerts_heading", count=len(alerts)))
        panels.explain("suspension_flags")
    if alerts.empty:
        st.success(t("overview_panel.no_alerts"), icon=":material/check_circle:")
        return
    st.html(view.alerts_html(alerts, data.lang))
    with st.expander(t("overview_panel.alerts_table"), icon=":material/table_view:"):
        panels.table(view.alert_table(alerts, data.lang), t("overview_panel.alerts_export"), DATASETS,
                     key="overview_alerts")


def render_map_and_ranking(data: OverviewData) -> None:
    """An indicator selector driving the county choropleth (classed, with legend) and the ranking chart."""
    lang = data.lang
    st.subheader(t("overview_panel.map_heading"))
    keys = [m.key for m in view.METRICS if m.key in data.values]
    with st.container(horizontal=True, vertical_alignment="bottom"):
        hold_choice(METRIC_KEY, keys)
        key = st.selectbox(t("overview_panel.choose_metric"), keys, key=METRIC_KEY,
                           format_func=lambda k: view.METRIC_BY_KEY[k].option_label(lang), width=520)
        scheme = st.segmented_control(t("overview_panel.choose_scheme"), view.SCHEMES, default=view.SCHEMES[0],
                                      key=SCHEME_KEY, format_func=lambda s: t(f"overview_panel.scheme.{s}"))
        metric = view.METRIC_BY_KEY[key]
        panels.explain(metric.indicator)
    values = data.values[key]
    left, right = st.columns(MAP_COLUMNS, gap=MAP_GAP)
    with left:
        geometry = load_display_regions()
        deck, legend = view.choropleth(values, geometry, metric, lang, data.county, scheme or view.SCHEMES[0],
                                       height_px=MAP_HEIGHT, width_px=MAP_WIDTH)
        st.pydeck_chart(deck, height=MAP_HEIGHT, key="overview_choropleth")
    with right:
        st.html(legend_html(legend, columns=1))
    title = t("overview_panel.ranking_title", metric=metric.label_with_unit(lang))
    st.markdown(f"**{title}**")
    panels.chart(view.ranking_chart(values, metric, lang, data.county, width_px=layout.MAIN_WIDTH_PX), title,
                 key="overview_ranking")
    missing = view.missing_names(values)
    if missing:
        st.caption(t("overview_panel.missing", names="、".join(missing) if lang == "zh" else ", ".join(missing)))
    with st.expander(t("overview_panel.metric_table"), icon=":material/table_view:"):
        panels.table(view.metric_table(values, metric, lang), title, DATASETS, key="overview_metric_table",
                     filters={t("overview_panel.choose_metric"): metric.label_with_unit(lang)})
