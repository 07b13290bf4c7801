"""The 节约集约评价 panel: KPI cards of the latest year, a card per yearly series with its target line and verdict,
the county comparison and the region's table.  Shaping is in :mod:`dashboard.views.evaluation`; this only renders.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import panels
from components.frame import region_name
from components.state import hold_choice, t
from dashboard.policy import Profile
from dashboard.views import evaluation as ev

#: Verdict boxes by status.
VERDICT_BOX = {"ok": (st.success, ":material/check_circle:"), "warn": (st.warning, ":material/warning:"),
               "none": (st.info, ":material/info:")}


def load_frames() -> dict[str, pd.DataFrame]:
    """The page's series (from the session profile's indicator tables), computed under a spinner."""
    with st.spinner(t("evaluation_panel.loading")):
        return ev.series_frames({ind_id: panels.indicator(ind_id) for ind_id in ev.INDICATORS})


def render_kpis(frames: dict[str, pd.DataFrame], region: str, profile: Profile, lang: str) -> None:
    """One KPI card per series for the region's latest year, with the change from the year before."""
    st.subheader(t("evaluation_panel.kpi_heading", region=region_name()))
    st.caption(t("evaluation_panel.kpi_caption", profile=profile.name(lang)))
    cards = ev.kpis(frames, region, lang)
    for row in (cards[:3], cards[3:]):
        for column, card in zip(st.columns(len(row)), row, strict=True):
            with column:
                panels.kpi(card.label, card.value, card.unit, fmt=card.fmt, delta=card.delta,
                           delta_fmt=card.delta_fmt, higher_is_better=card.higher_is_better, status=card.status,
                           note=card.note, key=f"evaluation_kpi_{card.key}")


def render_trend_card(series: ev.Series, frames: dict[str, pd.DataFrame], region: str, profile: Profile,
                      lang: str) -> None:
    """A bordered card: title with the indicator's explanation, verdict of the latest year, chart, clause."""
    rows = ev.region_series(frames[series.key], region)
    latest = ev.latest(frames[series.key], region)
    label = t(f"evaluation_panel.series.{series.key}")
    with st.container(border=True):
        with st.container(horizontal=True, vertical_alignment="center"):
            st.markdown(f"#### {label}")
            panels.explain(series.ind_id)
        status = "none" if latest is None else str(latest["status"])
        box, icon = VERDICT_BOX[status]
        box(ev.verdict(series, latest, profile, lang), icon=icon)
        if not rows["value"].dropna().empty:
            name = t("evaluation_panel.chart_name", region=region_name(), label=label)
            panels.chart(ev.trend_chart(rows, series, lang), name, key=f"evaluation_trend_{series.key}")
        st.caption(ev.clause(series, profile, region, lang))


def render_trends(frames: dict[str, pd.DataFrame], region: str, profile: Profile, lang: str) -> None:
    """The six series, two cards a row."""
    st.subheader(t("evaluation_panel.trends_heading"))
    st.caption(t("evaluation_panel.trends_caption"))
    for pair in (ev.SERIES[i:i + 2] for i in range(0, len(ev.SERIES), 2)):
        for column, series in zip(st.columns(2), pair, strict=False):
            with column:
                render_trend_card(series, frames, region, profile, lang)


def render_comparison(frames: dict[str, pd.DataFrame], county: str | None, city: str, profile: Profile,
                      lang: str, datasets: tuple[str, ...]) -> None:
    """The counties of the latest year for a chosen series: ranking chart and table (with downloads)."""
    year = ev.latest_year(frames)
    if year is None:
        return
    st.subheader(t("evaluation_panel.compare_heading", year=year))
    hold_choice("evaluation_metric", [s.key for s in ev.SERIES])
    key = st.selectbox(t("evaluation_panel.compare_metric"), [s.key for s in ev.SERIES], key="evaluation_metric",
                       format_func=lambda k: t(f"evaluation_panel.series.{k}"))
    series = ev.SERIES_BY_KEY[key]
    label = t(f"evaluation_panel.series.{key}")
    codes = frames[key].loc[frames[key]["level"] == "county", "region_code"].unique()
    ranking = ev.county_ranking(frames[key], series, year, names={code: region_name(code) for code in codes})
    city_value = ev.value_in(frames[key], city, year)
    st.caption(t("evaluation_panel.compare_caption", profile=profile.name(lang),
                 order=t(f"evaluation_panel.order_{'desc' if series.higher_is_better else 'asc'}"),
                 city=ev.with_unit(city_value, series, lang) if city_value is not None else "—"))
    name = t("evaluation_panel.ranking_name", label=label, year=year)
    # Chart above table, each the full width: side by side (5:4) the bars were squeezed, the target's title and the
    # legend were cut, and the table hid its value column at 1366 px.
    panels.chart(ev.ranking_chart(ranking, series, lang, highlight=county), name, key="evaluation_ranking_chart")
    panels.table(ev.ranking_table(ranking, series, lang), name, datasets, key="evaluation_ranking",
                 filters={t("evaluation_panel.compare_metric"): label, t("evaluation_panel.col.year"): year})
    st.caption(ev.clause(series, profile, county or city, lang))


def render_region_table(frames: dict[str, pd.DataFrame], region: str, lang: str, datasets: tuple[str, ...]) -> None:
    """Every series of the region by year, downloadable."""
    name = t("evaluation_panel.region_table", region=region_name())
    with st.expander(name, icon=":material/table_view:"):
        panels.table(ev.region_table(frames, region, lang), name, datasets, key="evaluation_region_table")
