"""The 批而未供与闲置 panel: KPI values, chart frames and charts, suspension alerts, the idle-case table, the small
map and the parcel chain 批 → 供 → 用.  Pure (never imports Streamlit); the page renders what these return.

Inputs are the indicator tables of :mod:`dashboard.indicators.stock_land` (``unsupplied_stock``,
``unsupplied_aging``, ``supply_rate_5y``, ``disposal_rates_quarterly``, ``suspension_flags``, ``idle_cases``),
``enterprise_grades`` and the conformed datasets (``approvals``, ``supplies``, ``park_parcels``, ``parks``,
``idle_land``).  Policy lines (the five-year supply-rate floor, the quarterly disposal floors) are read from the
:class:`~dashboard.policy.Profile` passed in, never written here.

A *region* is a county code, or ``None`` for the whole city (the indicator tables' ``level == "city"`` row).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

import altair as alt
import pandas as pd
import pydeck as pdk
import shapely

from dashboard import maps, overlays
from dashboard.citations import cite
from dashboard.i18n import t
from dashboard.indicators.stock_land import AGE_BANDS
from dashboard.layout import column_width, legend_columns, max_text_width_px, wrap_text, wrapped_labels
from dashboard.policy import Profile

#: Colours (hex) shared by charts and the map legend: the map overlays' fills, a red for policy lines.
UNSUPPLIED_COLOUR = "#e8710a"
IDLE_COLOUR = "#7b1fa2"
LINE_COLOUR = "#c62828"
OK_COLOUR = "#4a7bb7"
#: Age bands from youngest to oldest, and their colours (light → dark: older stock is the harder problem).
BAND_COLOURS = ("#fde0b6", "#fdae6b", "#f3701b", "#b83c02", "#4d1a02")
#: Chart fonts sized for a projector.
FONT = {"label": 14, "title": 15, "legend": 14}
#: Months of a quarter's end, for labels.
QUARTERS = (1, 2, 3, 4)
#: Width (px) of a chart in one of the page's two columns (``st.columns(2)``) at the smallest screen.
HALF_WIDTH_PX = column_width(2, 0)
#: County names wider than this (px) wrap onto more lines; the room (px) a chart spends besides its plot and its
#: name column (padding, axis ticks and offsets, a numeric axis' labels where there is no name column).
NAME_WRAP_PX, CHART_CHROME_PX, NUMBER_AXIS_PX = 160, 30, 50
_NS = "stock_land_panel"


def _t(key: str, lang: str, **params) -> str:
    return t(f"{_NS}.{key}", lang, **params)


def _band_key(band: str) -> str:
    return "band_" + band.replace("-", "_").replace("+", "_plus")


def band_labels(lang: str = "zh") -> dict[str, str]:
    """Display labels of the aging bands of :data:`~dashboard.indicators.stock_land.AGE_BANDS`, youngest first."""
    return {label: _t(_band_key(label), lang) for label, *_ in AGE_BANDS}


def region_row(frame: pd.DataFrame, region: str | None) -> pd.DataFrame:
    """The rows of ``frame`` for ``region``: a county's rows, or the city rows when ``region`` is ``None``."""
    if region is None:
        return frame[frame["level"] == "city"]
    return frame[frame["region_code"] == region]


def counties(frame: pd.DataFrame) -> pd.DataFrame:
    """The county rows of a regional indicator table."""
    return frame[frame["level"] == "county"]


def _first(frame: pd.DataFrame, column: str) -> float:
    return float(frame[column].iloc[0]) if len(frame) and pd.notna(frame[column].iloc[0]) else float("nan")


def pct(value: float) -> float:
    """A policy ratio (0.40) as a percentage (40.0), the unit every rate on the panel is shown in.

    Rounded to 10 decimals so that 0.07 shows as 7, not 7.000000000000001.
    """
    return round(100.0 * float(value), 10)


def supply_floor_pct(profile: Profile) -> float:
    """The profile's five-year supply-rate floor in percent (seed 000: 40%)."""
    return pct(profile["supply_rate_min"])


def disposal_floors_pct(profile: Profile) -> dict[int, float]:
    """The profile's cumulative disposal-rate floor of each quarter that has one, in percent (``{2: 3.0, …}``)."""
    floors = profile["disposal_rate_quarterly_min"]
    return {q: pct(floors[f"Q{q}"]) for q in QUARTERS if f"Q{q}" in floors}


# ----------------------------------------------------------------------------------------------------------
# KPI cards


@dataclass(frozen=True)
class Kpis:
    """The panel's headline numbers for one region (``nan`` when undefined; ``None`` flags when no line applies).

    ``window_unsupplied_mu`` is the 批而未供 of the five-year window (the published "11616 亩" figure);
    ``stock_mu`` is every approval's unsupplied area to date and ``year_start_stock_mu`` that of the approvals
    dated before this year on 31 December last year, so ``stock_delta_mu`` is the change since the year began.
    Disposal rates are cumulative for the data date's quarter, with their change since the previous quarter.
    """

    window_unsupplied_mu: float
    stock_mu: float
    year_start_stock_mu: float
    stock_delta_mu: float
    supply_rate_pct: float
    supply_floor_pct: float
    supply_ok: bool | None
    window_years: int
    quarter: int
    unsupplied_rate_pct: float
    unsupplied_rate_delta_pp: float
    idle_rate_pct: float
    idle_rate_delta_pp: float
    disposal_floor_pct: float
    disposal_ok: bool | None
    open_cases: int
    open_idle_mu: float
    overdue_cases: int


def kpis(stock: pd.DataFrame, supply: pd.DataFrame, disposal: pd.DataFrame, cases: pd.DataFrame,
         profile: Profile, region: str | None = None) -> Kpis:
    """Headline numbers of ``region`` from the indicator tables, checked against the profile's lines.

    ``supply_ok`` is ``supply rate ≥ floor``; ``disposal_ok`` is ``False`` only when both disposal rates are below
    the quarter's floor (seed 000: "两项同时未达到"), ``None`` when the quarter has no floor (Q1).
    """
    stock_row, supply_row = region_row(stock, region), region_row(supply, region)
    rates = region_row(disposal, region).sort_values("quarter")
    current = rates.tail(1)
    previous = rates.iloc[-2:-1] if len(rates) > 1 else rates.iloc[0:0]
    quarter = int(current["quarter"].iloc[0]) if len(current) else 0
    floors = disposal_floors_pct(profile)
    floor = floors.get(quarter, float("nan"))
    unsupplied_rate, idle_rate = _first(current, "unsupplied_disposal_rate_pct"), _first(current, "idle_disposal_rate_pct")

    def delta(column: str, now: float) -> float:
        return now - _first(previous, column) if len(previous) else float("nan")

    disposal_ok = None
    if pd.notna(floor):
        below = [pd.notna(r) and r < floor for r in (unsupplied_rate, idle_rate)]
        disposal_ok = not all(below)
    rate, line = _first(supply_row, "supply_rate_pct"), supply_floor_pct(profile)
    in_region = cases if region is None else cases[cases["region_code"] == region]
    open_cases = in_region[~in_region["disposed"].astype(bool)]
    stock_now, year_start = _first(stock_row, "unsupplied_mu"), _first(current, "unsupplied_stock_mu")
    return Kpis(
        window_unsupplied_mu=_first(supply_row, "unsupplied_mu"),
        stock_mu=stock_now,
        year_start_stock_mu=year_start,
        stock_delta_mu=stock_now - year_start,
        supply_rate_pct=rate,
        supply_floor_pct=line,
        supply_ok=None if pd.isna(rate) else bool(rate >= line),
        window_years=int(profile["supply_rate_window_years"]),
        quarter=quarter,
        unsupplied_rate_pct=unsupplied_rate,
        unsupplied_rate_delta_pp=delta("unsupplied_disposal_rate_pct", unsupplied_rate),
        idle_rate_pct=idle_rate,
        idle_rate_delta_pp=delta("idle_disposal_rate_pct", idle_rate),
        disposal_floor_pct=floor,
        disposal_ok=disposal_ok,
        open_cases=len(open_cases),
        open_idle_mu=float(open_cases["area_mu"].sum()),
        overdue_cases=int(open_cases["overdue"].astype(bool).sum()),
    )


# ----------------------------------------------------------------------------------------------------------
# Region names and tables


def localise_regions(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """A copy of ``frame`` with ``region_name`` in the UI language (``names``: code → name; others kept)."""
    out = frame.copy()
    if "region_name" in out.columns and names:
        out["region_name"] = out["region_code"].map(names).fillna(out["region_name"])
    return out


def stock_table(stock: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """批而未供 per region (city first) for display: approvals, approved, supplied and unsupplied area in 亩."""
    return pd.DataFrame({
        _t("col.region", lang): stock["region_name"],
        _t("col.approvals_count", lang): stock["approvals_count"],
        _t("col.approved_mu", lang): stock["approved_mu"],
        _t("col.supplied_mu", lang): stock["supplied_mu"],
        _t("col.unsupplied_mu", lang): stock["unsupplied_mu"],
    }).reset_index(drop=True)


def supply_table(supply: pd.DataFrame, profile: Profile, lang: str = "zh") -> pd.DataFrame:
    """Five-year supply rates per region (city first) for display, against the profile's floor."""
    floor = supply_floor_pct(profile)
    rate = supply["supply_rate_pct"]
    return pd.DataFrame({
        _t("col.region", lang): supply["region_name"],
        _t("col.window", lang): _day(supply["window_start"]) + " ~ " + _day(supply["window_end"]),
        _t("col.approved_mu", lang): supply["approved_mu"],
        _t("col.supplied_mu", lang): supply["supplied_mu"],
        _t("col.unsupplied_mu", lang): supply["unsupplied_mu"],
        _t("col.supply_rate_pct", lang): rate.round(2),
        _t("col.supply_floor_pct", lang): floor,
        _t("col.gap_pp", lang): (rate - floor).round(2),
    }).reset_index(drop=True)


def disposal_table(disposal: pd.DataFrame, profile: Profile, lang: str = "zh") -> pd.DataFrame:
    """Cumulative disposal rates per region and quarter for display, with the profile's floor of each quarter."""
    floors = disposal_floors_pct(profile)
    return pd.DataFrame({
        _t("col.region", lang): disposal["region_name"],
        _t("col.quarter", lang): disposal["quarter"].map(lambda q: f"Q{int(q)}"),
        _t("col.period_end", lang): _day(disposal["period_end"]),
        _t("col.unsupplied_base_mu", lang): disposal["unsupplied_stock_mu"],
        _t("col.unsupplied_disposed_mu", lang): disposal["unsupplied_disposed_mu"],
        _t("col.unsupplied_rate_pct", lang): disposal["unsupplied_disposal_rate_pct"].round(2),
        _t("col.idle_base_mu", lang): disposal["idle_open_mu"],
        _t("col.idle_disposed_mu", lang): disposal["idle_disposed_mu"],
        _t("col.idle_rate_pct", lang): disposal["idle_disposal_rate_pct"].round(2),
        _t("col.floor_pct", lang): disposal["quarter"].map(lambda q: floors.get(int(q), float("nan"))),
    }).reset_index(drop=True)


# ----------------------------------------------------------------------------------------------------------
# Charts


def _configure(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Projector-sized fonts and no chart border."""
    return (
        chart.configure_axis(labelFontSize=FONT["label"], titleFontSize=FONT["title"], labelLimit=260)
        .configure_legend(labelFontSize=FONT["legend"], titleFontSize=FONT["legend"], orient="bottom",
                          labelLimit=260)
        .configure_view(stroke=None)
    )


def county_aging_frame(aging: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Unsupplied area per county and age band (long), for the stacked county chart.

    Returns ``region_code, region_name, age_band, band, band_order, unsupplied_mu`` (bands with no area left out).
    """
    frame = counties(aging).groupby(["region_code", "region_name", "age_band"], as_index=False)["unsupplied_mu"].sum()
    labels = band_labels(lang)
    frame["band"] = frame["age_band"].map(labels)
    frame["band_order"] = frame["age_band"].map({b: i for i, b in enumerate(labels)})
    return frame[frame["unsupplied_mu"] > 0].reset_index(drop=True)


def year_aging_frame(aging: pd.DataFrame, region: str | None = None, lang: str = "zh") -> pd.DataFrame:
    """Unsupplied area of ``region`` by approval year and age band.

    Returns ``approval_year, age_band, band, band_order, unsupplied_mu`` (rows with no area left out); an
    approval year spans two bands when the data date falls inside the year.
    """
    frame = region_row(aging, region)[["approval_year", "age_band", "unsupplied_mu"]].copy()
    labels = band_labels(lang)
    frame["band"] = frame["age_band"].map(labels)
    frame["band_order"] = frame["age_band"].map({b: i for i, b in enumerate(labels)})
    return frame[frame["unsupplied_mu"] > 0].reset_index(drop=True)


def _legend(labels: list[str], plot_px: int, title: str | None = None) -> alt.Legend:
    """A bottom legend whose every entry shows under a plot ``plot_px`` wide (Vega starts it at the plot's left
    edge, not the chart's): as many entries a row as fit (:func:`dashboard.layout.legend_columns`), the rest
    wrapped below, and no label cut short."""
    return alt.Legend(title=title, orient="bottom", columns=legend_columns(labels, plot_px, FONT["legend"]),
                      labelLimit=max_text_width_px(labels, FONT["legend"]) + 8)


def _band_legend(lang: str, plot_px: int) -> alt.Legend:
    return _legend(list(band_labels(lang).values()), plot_px, _t("axis_age", lang))


def _series_legend(lang: str, plot_px: int) -> alt.Legend:
    return _legend([_t("series_unsupplied", lang), _t("series_idle", lang)], plot_px)


def _name_axis(names, width_px: int, row_px: int) -> tuple[alt.Axis, int, int]:
    """The county axis of a chart ``width_px`` wide, long names wrapped; the plot's width (px) beside it, and the
    row height (px): ``row_px``, or more for names on several lines (Vega drops labels that would overlap)."""
    names = list(names)
    expr, name_px = wrapped_labels(names, NAME_WRAP_PX, FONT["label"])
    axis = alt.Axis(labelLimit=name_px + 4, **({"labelExpr": expr} if expr else {}))
    lines = max((len(wrap_text(n, NAME_WRAP_PX, FONT["label"])) for n in names), default=1)
    return axis, width_px - name_px - 4 - CHART_CHROME_PX, max(row_px, round(lines * FONT["label"] * 1.25) + 6)


def _fit_x(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The chart stretched to its column's width at its own height (Streamlit's "fit" would squeeze the rows
    and Vega would then drop every other county's name)."""
    return chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def _band_scale(lang: str) -> alt.Scale:
    return alt.Scale(domain=list(band_labels(lang).values()), range=list(BAND_COLOURS))


def county_aging_chart(frame: pd.DataFrame, lang: str = "zh", selected: str | None = None,
                       width_px: int = HALF_WIDTH_PX) -> alt.Chart:
    """Stacked horizontal bars: each county's unsupplied area (亩) split by age band, largest stock on top.

    ``width_px``: the chart's width at the smallest screen, which the age legend wraps to.
    """
    order = frame.groupby("region_name")["unsupplied_mu"].sum().sort_values(ascending=False).index.tolist()
    opacity = (alt.condition(alt.datum.region_code == selected, alt.value(1.0), alt.value(0.45))
               if selected else alt.value(1.0))
    axis, plot_px, row_px = _name_axis(order, width_px, 38)
    bars = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("region_name:N", sort=order, title=None, axis=axis),
        x=alt.X("sum(unsupplied_mu):Q", title=_t("axis_unsupplied_mu", lang)),
        color=alt.Color("band:N", scale=_band_scale(lang), title=_t("axis_age", lang),
                        sort=list(band_labels(lang).values()), legend=_band_legend(lang, plot_px)),
        order=alt.Order("band_order:Q"),
        opacity=opacity,
        tooltip=[alt.Tooltip("region_name:N", title=_t("col.region", lang)),
                 alt.Tooltip("band:N", title=_t("axis_age", lang)),
                 alt.Tooltip("unsupplied_mu:Q", title=_t("axis_unsupplied_mu", lang), format=",.2f")],
    )
    totals = alt.Chart(frame).transform_aggregate(total="sum(unsupplied_mu)", groupby=["region_name"]).mark_text(
        align="left", dx=4, fontSize=FONT["label"]
    ).encode(y=alt.Y("region_name:N", sort=order, axis=axis), x="total:Q", text=alt.Text("total:Q", format=",.0f"))
    return _configure(_fit_x(alt.layer(bars, totals).properties(height=max(260, row_px * len(order)))))


def year_aging_chart(frame: pd.DataFrame, lang: str = "zh", width_px: int = HALF_WIDTH_PX) -> alt.Chart:
    """Vertical bars: unsupplied area (亩) by approval year, coloured by age band (legend wrapped to ``width_px``)."""
    bars = alt.Chart(frame).mark_bar().encode(
        x=alt.X("approval_year:O", title=_t("axis_approval_year", lang), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("sum(unsupplied_mu):Q", title=_t("axis_unsupplied_mu", lang)),
        color=alt.Color("band:N", scale=_band_scale(lang), title=_t("axis_age", lang),
                        sort=list(band_labels(lang).values()),
                        legend=_band_legend(lang, width_px - NUMBER_AXIS_PX - CHART_CHROME_PX)),
        order=alt.Order("band_order:Q"),
        tooltip=[alt.Tooltip("approval_year:O", title=_t("axis_approval_year", lang)),
                 alt.Tooltip("band:N", title=_t("axis_age", lang)),
                 alt.Tooltip("unsupplied_mu:Q", title=_t("axis_unsupplied_mu", lang), format=",.2f")],
    )
    return _configure(bars.properties(height=340))


def supply_rate_frame(supply: pd.DataFrame, profile: Profile, lang: str = "zh") -> pd.DataFrame:
    """County five-year supply rates against the profile's floor, lowest first.

    Returns ``region_code, region_name, supply_rate_pct, floor_pct, gap_pp, below_min, status`` where
    ``floor_pct`` is the profile's floor (not the table's), so a what-if profile moves it.
    """
    floor = supply_floor_pct(profile)
    frame = counties(supply)[["region_code", "region_name", "supply_rate_pct", "approved_mu", "supplied_mu"]].copy()
    frame["floor_pct"] = floor
    frame["gap_pp"] = frame["supply_rate_pct"] - floor
    frame["below_min"] = (frame["supply_rate_pct"] < floor).to_numpy()
    frame["status"] = frame["below_min"].map({True: _t("below_line", lang), False: _t("meets_line", lang)})
    return frame.sort_values("supply_rate_pct").reset_index(drop=True)


def supply_rate_chart(frame: pd.DataFrame, profile: Profile, lang: str = "zh", selected: str | None = None):
    """Horizontal bars of the counties' five-year supply rate (%) with the profile's floor as a red rule."""
    floor = supply_floor_pct(profile)
    window = int(profile["supply_rate_window_years"])
    base = alt.Chart(frame)
    colour = alt.Color("status:N", title=None, scale=alt.Scale(
        domain=[_t("meets_line", lang), _t("below_line", lang)], range=[OK_COLOUR, LINE_COLOUR]))
    opacity = (alt.condition(alt.datum.region_code == selected, alt.value(1.0), alt.value(0.5))
               if selected else alt.value(1.0))
    order = frame.sort_values("supply_rate_pct")["region_name"].tolist()  # lowest first: the ones at risk on top
    y = alt.Y("region_name:N", sort=order, title=None)
    bars = base.mark_bar().encode(
        y=y, x=alt.X("supply_rate_pct:Q", title=_t("axis_supply_rate", lang, years=window),
                     scale=alt.Scale(domain=[0, 100]), axis=alt.Axis(tickCount=10)),
        color=colour, opacity=opacity,
        tooltip=[alt.Tooltip("region_name:N", title=_t("col.region", lang)),
                 alt.Tooltip("supply_rate_pct:Q", title=_t("axis_supply_rate", lang, years=window), format=".2f"),
                 alt.Tooltip("gap_pp:Q", title=_t("col.gap_pp", lang), format="+.2f")],
    )
    labels = base.mark_text(align="left", dx=4, fontSize=FONT["label"]).encode(
        y=y, x="supply_rate_pct:Q", text=alt.Text("supply_rate_pct:Q", format=".1f"))
    line = _rule(floor, "x", _t("line_label", lang, value=f"{floor:g}"))
    return _configure(alt.layer(bars, labels, *line).properties(height=max(260, 38 * len(frame))))


def _rule(value: float, channel: str, text: str) -> list[alt.Chart]:
    """A dashed red policy line at ``value`` on ``channel`` ("x" or "y") with its label."""
    data = pd.DataFrame({"value": [value], "text": [text]})
    enc = {channel: alt.X("value:Q") if channel == "x" else alt.Y("value:Q")}
    rule = alt.Chart(data).mark_rule(color=LINE_COLOUR, strokeDash=[6, 4], strokeWidth=2.5).encode(**enc)
    # A vertical line is labelled above the plot, clear of the bars; a horizontal one at its left end.
    label = alt.Chart(data).mark_text(color=LINE_COLOUR, fontSize=FONT["label"], fontWeight="bold",
                                      align="center" if channel == "x" else "left", baseline="bottom",
                                      dy=-4, dx=0 if channel == "x" else 4).encode(
        **enc, text="text:N", **({"y": alt.value(0)} if channel == "x" else {"x": alt.value(0)}))
    return [rule, label]


def disposal_trend_frame(disposal: pd.DataFrame, region: str | None = None, lang: str = "zh") -> pd.DataFrame:
    """The region's cumulative disposal rates by quarter (long): ``quarter, quarter_label, series, rate_pct,
    disposed_mu, base_mu``; ``series`` is the translated 批而未供 / 闲置土地 label."""
    rows = region_row(disposal, region)
    parts = []
    for kind, rate, done, base in (
        ("unsupplied", "unsupplied_disposal_rate_pct", "unsupplied_disposed_mu", "unsupplied_stock_mu"),
        ("idle", "idle_disposal_rate_pct", "idle_disposed_mu", "idle_open_mu"),
    ):
        part = rows[["quarter"]].copy()
        part["series"] = _t(f"series_{kind}", lang)
        part["rate_pct"] = rows[rate].to_numpy()
        part["disposed_mu"] = rows[done].to_numpy()
        part["base_mu"] = rows[base].to_numpy()
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    frame["quarter_label"] = frame["quarter"].map(lambda q: f"Q{int(q)}")
    return frame[["quarter", "quarter_label", "series", "rate_pct", "disposed_mu", "base_mu"]]


def floors_frame(profile: Profile, lang: str = "zh") -> pd.DataFrame:
    """The profile's quarterly floors for the chart: ``quarter_label, floor_pct, text``."""
    floors = disposal_floors_pct(profile)
    return pd.DataFrame({
        "quarter_label": [f"Q{q}" for q in floors],
        "floor_pct": list(floors.values()),
        "text": [_t("line_label", lang, value=f"{v:g}") for v in floors.values()],
    })


def _series_scale(lang: str) -> alt.Scale:
    return alt.Scale(domain=[_t("series_unsupplied", lang), _t("series_idle", lang)],
                     range=[UNSUPPLIED_COLOUR, IDLE_COLOUR])


def disposal_trend_chart(frame: pd.DataFrame, profile: Profile, lang: str = "zh",
                         width_px: int = HALF_WIDTH_PX) -> alt.Chart:
    """Lines of the two cumulative disposal rates (%) over Q1–Q4, with the profile's floor of each quarter drawn
    as a red tick (the floors of quarters still to come show the targets ahead)."""
    x = alt.X("quarter_label:O", title=_t("axis_quarter", lang), axis=alt.Axis(labelAngle=0),
              scale=alt.Scale(domain=[f"Q{q}" for q in QUARTERS]))
    lines = alt.Chart(frame).mark_line(point=alt.OverlayMarkDef(size=90), strokeWidth=3).encode(
        x=x, y=alt.Y("rate_pct:Q", title=_t("axis_disposal_rate", lang)),
        color=alt.Color("series:N", scale=_series_scale(lang), title=None,
                        legend=_series_legend(lang, width_px - NUMBER_AXIS_PX - CHART_CHROME_PX)),
        tooltip=[alt.Tooltip("quarter_label:O", title=_t("axis_quarter", lang)),
                 alt.Tooltip("series:N", title=_t("col.series", lang)),
                 alt.Tooltip("rate_pct:Q", title=_t("axis_disposal_rate", lang), format=".2f"),
                 alt.Tooltip("disposed_mu:Q", title=_t("col.disposed_mu", lang), format=",.2f"),
                 alt.Tooltip("base_mu:Q", title=_t("col.base_mu", lang), format=",.2f")],
    )
    floors = floors_frame(profile, lang)
    ticks = alt.Chart(floors).mark_tick(color=LINE_COLOUR, thickness=3, size=46).encode(
        x=x, y="floor_pct:Q", tooltip=[alt.Tooltip("text:N", title=_t("col.floor_pct", lang))])
    labels = alt.Chart(floors).mark_text(color=LINE_COLOUR, fontSize=FONT["label"], fontWeight="bold", dx=28,
                                         align="left").encode(x=x, y="floor_pct:Q", text="text:N")
    return _configure(alt.layer(lines, ticks, labels).properties(height=340))


def county_disposal_frame(disposal: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The counties' two disposal rates in the data date's (latest) quarter, long: ``region_code, region_name,
    quarter, series, rate_pct``."""
    rows = counties(disposal)
    rows = rows[rows["quarter"] == rows["quarter"].max()]
    parts = []
    for kind, rate in (("unsupplied", "unsupplied_disposal_rate_pct"), ("idle", "idle_disposal_rate_pct")):
        part = rows[["region_code", "region_name", "quarter"]].copy()
        part["series"] = _t(f"series_{kind}", lang)
        part["rate_pct"] = rows[rate].to_numpy()
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def county_disposal_chart(frame: pd.DataFrame, profile: Profile, lang: str = "zh", width_px: int = HALF_WIDTH_PX):
    """Paired bars per county of this quarter's two disposal rates (%), with the quarter's floor (when it has one);
    the legend wraps to ``width_px``."""
    quarter = int(frame["quarter"].max()) if len(frame) else 0
    floor = disposal_floors_pct(profile).get(quarter)
    axis, plot_px, row_px = _name_axis(frame["region_name"].unique(), width_px, 46)
    y = alt.Y("region_name:N", title=None, axis=axis)
    bars = alt.Chart(frame).mark_bar().encode(
        y=y, yOffset=alt.YOffset("series:N", sort=[_t("series_unsupplied", lang), _t("series_idle", lang)]),
        x=alt.X("rate_pct:Q", title=_t("axis_disposal_rate_q", lang, quarter=quarter),
                scale=alt.Scale(domain=[0, 108]), axis=alt.Axis(values=list(range(0, 101, 10)))),
        color=alt.Color("series:N", scale=_series_scale(lang), title=None, legend=_series_legend(lang, plot_px)),
        tooltip=[alt.Tooltip("region_name:N", title=_t("col.region", lang)),
                 alt.Tooltip("series:N", title=_t("col.series", lang)),
                 alt.Tooltip("rate_pct:Q", title=_t("axis_disposal_rate", lang), format=".2f")],
    )
    labels = alt.Chart(frame).mark_text(align="left", dx=3, fontSize=12).encode(
        y=y, yOffset=alt.YOffset("series:N", sort=[_t("series_unsupplied", lang), _t("series_idle", lang)]),
        x="rate_pct:Q", text=alt.Text("rate_pct:Q", format=".1f"))
    layers = [bars, labels]
    if floor is not None:
        layers += _rule(floor, "x", _t("line_label", lang, value=f"{floor:g}"))
    return _configure(_fit_x(alt.layer(*layers).properties(height=max(300, row_px * frame["region_name"].nunique()))))


# ----------------------------------------------------------------------------------------------------------
# Suspension flags


def suspension_table(flags: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The 增存挂钩 flags per county for display: rates with units in the headers, ✔/✖ flags and the rule text and
    shortfall in ``lang``; suspended counties first."""
    frame = flags.sort_values(["suspended", "region_code"], ascending=[False, True])
    yes, no = _t("flag_yes", lang), _t("flag_no", lang)

    def flag(column: str) -> pd.Series:
        return frame[column].astype(bool).map({True: yes, False: no})

    out = pd.DataFrame({
        _t("col.region", lang): frame["region_name"],
        _t("col.supply_rate_pct", lang): frame["supply_rate_pct"].round(2),
        _t("col.supply_floor_pct", lang): frame["supply_rate_min_pct"].round(6),
        _t("col.suspended_supply_rate", lang): flag("suspended_supply_rate"),
        _t("col.quarter", lang): frame["quarter"].map(lambda q: f"Q{int(q)}" if pd.notna(q) else ""),
        _t("col.unsupplied_rate_pct", lang): frame["unsupplied_disposal_rate_pct"].round(2),
        _t("col.idle_rate_pct", lang): frame["idle_disposal_rate_pct"].round(2),
        _t("col.floor_pct", lang): frame["disposal_floor_pct"].round(6),
        _t("col.suspended_disposal", lang): flag("suspended_disposal"),
        _t("col.suspended", lang): flag("suspended"),
        _t("col.shortfall", lang): frame[f"shortfall_{lang}"],
        _t("col.rule", lang): frame[f"rule_{lang}"],
    })
    return out.reset_index(drop=True)


def suspension_alerts(flags: pd.DataFrame, lang: str = "zh") -> list[str]:
    """One sentence per suspended county: "华宁县：<shortfall> → <rule>", in region-code order."""
    suspended = flags[flags["suspended"].astype(bool)].sort_values("region_code")
    return [
        _t("alert", lang, region=name, shortfall=short, rule=rule)
        for name, short, rule in zip(suspended["region_name"], suspended[f"shortfall_{lang}"],
                                     suspended[f"rule_{lang}"], strict=True)
    ]


def policy_clauses(profile: Profile, lang: str = "zh") -> list[tuple[str, str]]:
    """The page's lines and the clauses behind them, from the profile: ``("五年供地率下限 40%",
    "《玉溪市加强用地要素保障措施机制研究》三、(二)…")``; the clause is the document's text (Chinese), cited by title."""
    rows = []
    sep = "、" if lang == "zh" else ", "
    for key in ("supply_rate_min", "disposal_rate_quarterly_min"):
        param = profile.param(key)
        value = param.value
        shown = (sep.join(f"{q} {pct(v):g}%" for q, v in value.items()) if isinstance(value, dict)
                 else f"{pct(value):g}%")
        rows.append((f"{param.zh if lang == 'zh' else param.en} {shown}", cite(param.source)))
    return rows


# ----------------------------------------------------------------------------------------------------------
# 一地一策 idle-case table

IDLE_SCOPES = ("open", "overdue", "all")


def _choice(column: pd.Series, kind: str, lang: str) -> pd.Series:
    """Contract choice codes (``government``, ``disposing``, ``transfer``…) as words; other text as it is."""
    def word(value):
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        key = f"{_NS}.{kind}.{value}"
        try:
            return t(key, lang)
        except KeyError:
            return str(value)

    return column.map(word)


def _day(column: pd.Series) -> pd.Series:
    """Timestamps as ISO calendar dates (no time of day in tables and exports); missing dates as ``""``."""
    return pd.to_datetime(column).dt.strftime("%Y-%m-%d").fillna("")


def idle_case_table(cases: pd.DataFrame, region: str | None = None, scope: str = "open",
                    lang: str = "zh") -> pd.DataFrame:
    """The 一地一策 table: one row per idle case of ``region`` with cause, method, deadline and overdue days.

    ``scope``: ``"open"`` (not disposed), ``"overdue"`` (open and past the deadline) or ``"all"``.  Most overdue
    first (the indicator's order); headers carry units.
    """
    if scope not in IDLE_SCOPES:
        raise ValueError(f"scope must be one of {IDLE_SCOPES}, not {scope!r}")
    frame = cases if region is None else cases[cases["region_code"] == region]
    disposed = frame["disposed"].astype(bool)
    if scope == "open":
        frame = frame[~disposed]
    elif scope == "overdue":
        frame = frame[~disposed & frame["overdue"].astype(bool)]
    link = frame["parcel_id"].where(frame["parcel_id"].notna(), frame["supply_id"]).fillna("")
    return pd.DataFrame({
        _t("col.case_id", lang): frame["case_id"],
        _t("col.region", lang): frame["region_name"],
        _t("col.area_mu", lang): frame["area_mu"],
        _t("col.cause", lang): _choice(frame["cause"], "cause", lang),
        _t("col.status", lang): _choice(frame["status"], "status", lang),
        _t("col.method", lang): frame["method"].fillna(""),
        _t("col.identified_date", lang): _day(frame["identified_date"]),
        _t("col.deadline", lang): _day(frame["deadline"]),
        _t("col.overdue_days", lang): frame["overdue_days"].astype("int64"),
        _t("col.disposal_date", lang): _day(frame["disposal_date"]),
        _t("col.linked", lang): link,
    }).reset_index(drop=True)


# ----------------------------------------------------------------------------------------------------------
# Small map


def stock_deck(regions: pd.DataFrame, unsupplied: pd.DataFrame | None, idle: pd.DataFrame | None,
               selected: str | None = None, lang: str = "zh", height_px: int = 480, datum: str = "wgs84",
               basemap_style: str | None = None, width_px: int = 1100) -> maps.CompactDeck:
    """County outlines with the unsupplied approvals and the open idle cases of ``selected`` (or the city).

    ``unsupplied`` comes from :func:`dashboard.overlays.unsupplied_approvals` and ``idle`` from
    :func:`dashboard.overlays.open_idle_cases` (either may be ``None``: that layer is left out).  Layers are named
    ``unsupplied`` and ``idle``, with dot layers ``unsupplied-markers`` and ``idle-markers`` on top (a click
    reports the approval id or the case id); the view fits the county.
    """
    name_column = "name_en" if lang == "en" and "name_en" in regions.columns else "name"
    fills, outlines = maps.region_layers(regions, selected, datum, name_column, pickable=False)
    layers = [fills, outlines]
    for layer_id, frame, build in (("unsupplied", unsupplied, overlays.unsupplied_features),
                                   ("idle", idle, overlays.idle_features)):
        if frame is not None and len(frame):
            features = build(frame, lang, datum)
            layers.append(maps.geojson_layer(layer_id, features))
            layers.append(marker_layer(f"{layer_id}-markers", features))
    county_rows = regions[regions["level"] == "county"]
    focus = county_rows[county_rows["code"] == selected] if selected else county_rows
    bounds = (focus if len(focus) else county_rows).total_bounds
    return maps.deck(layers, maps.view_state(bounds, height_px, width_px), basemap_style)


def marker_layer(layer_id: str, features: dict, radius_px: tuple[int, int] = (5, 14)) -> pdk.Layer:
    """A dot at each feature's representative point, so parcels of a few dozen 亩 stay visible on a city map.

    Each dot carries the feature's ``name`` and ``id`` (top level and under ``properties``, as the GeoJSON
    features do) and its fill colour, opaque; radius 80 m, kept between ``radius_px`` pixels.
    """
    rows = []
    for feature in features["features"]:
        point = shapely.from_geojson(json.dumps(feature["geometry"])).representative_point()
        props = feature["properties"]
        tip = {"name": props["name"], "id": props["id"]}
        rows.append({"position": [round(point.x, 6), round(point.y, 6)], "fill": [*props["fill"][:3], 230],
                     **tip, "properties": tip})
    return pdk.Layer("ScatterplotLayer", data=rows, id=layer_id, get_position="position", get_fill_color="fill",
                     get_line_color=[255, 255, 255, 255], stroked=True, line_width_min_pixels=1, get_radius=80,
                     radius_min_pixels=radius_px[0], radius_max_pixels=radius_px[1], pickable=True)


def in_region(frame: pd.DataFrame | None, region: str | None, column: str = "region_code") -> pd.DataFrame | None:
    """``frame`` restricted to a county (unchanged for the city or when it lacks ``column``)."""
    if frame is None or region is None or column not in frame.columns:
        return frame
    return frame[frame[column] == region]


# ----------------------------------------------------------------------------------------------------------
# The parcel chain 批 → 供 → 用


@dataclass(frozen=True)
class ParcelChain:
    """One approval and what followed it, one hop at a time.

    * ``approval``: the approval's record plus ``supplied_mu`` (its supplies to the data date, capped at the
      approved area, as the indicators count them) and ``unsupplied_mu``;
    * ``supplies``: its supply records (``supplies.approval_id``), to the data date;
    * ``parcels``: park parcels on those supplies, latest year, with the enterprise's grade (``parcel_id`` in
      ``enterprise_grades``) and the rule that linked each (column ``parcel_link``); the field ``parcel_link``
      says which rules linked them (see :func:`link_parcels`);
    * ``cases``: idle cases on those supplies (``idle_land.supply_id``) or on those parcels (``parcel_id``).
    """

    approval: dict
    supplies: pd.DataFrame
    parcels: pd.DataFrame
    cases: pd.DataFrame
    parcel_link: str
    notes: list[str] = field(default_factory=list)


def link_parcels(supplies: pd.DataFrame, park_parcels: pd.DataFrame | None,
                 parks: pd.DataFrame | None = None) -> tuple[pd.DataFrame, str]:
    """Park parcels (latest year of each parcel) created by ``supplies``, and the rule that linked them.

    Each parcel is linked by the first rule it can use:

    * ``"supply_id"`` — the parcel carries a ``supply_id`` (the ledger records its 供地编号 / 电子监管号): an exact
      key, linked when it is one of ``supplies``;
    * ``"date_county"`` — the parcel has no ``supply_id`` (the column is absent or empty on its row): same county
      (the park's ``county_code``) and the same supply date (calendar day), since the 宗地 a 供地 record creates
      carries that record's date.  A guess: it needs ``parks`` and the parcels' ``supply_date``.

    The returned rule says which rules linked the parcels: ``"supply_id"``, ``"date_county"``, or
    ``"supply_id_date_county"`` when some parcels were linked by each; with nothing linked, which rules were
    tried (``"supply_id_date_county"`` when the table has parcels with and without a supply id); ``"none"`` when
    there is no parcel table.

    Returns the parcels with ``supply_id`` (the supply they were linked to) and ``parcel_link`` (the rule that
    linked each), and the rule.
    """
    empty = pd.DataFrame(columns=["parcel_id", "supply_id", "parcel_link"])
    if park_parcels is None:
        return empty, "none"
    latest = park_parcels.sort_values("year").drop_duplicates("parcel_id", keep="last")
    latest = pd.DataFrame(latest.drop(columns="geometry", errors="ignore"))
    keyed = pd.Series(False, index=latest.index)
    if "supply_id" in latest.columns:
        keyed = latest["supply_id"].notna() & (latest["supply_id"].astype("string").str.strip() != "")
    tried = [rule for rule, used in (("supply_id", keyed.any()), ("date_county", not keyed.all())) if used]
    if supplies.empty or latest.empty:
        return empty, "_".join(tried) or "date_county"

    by_key = latest[keyed]
    if len(by_key):
        by_key = by_key[by_key["supply_id"].isin(supplies["supply_id"])].assign(parcel_link="supply_id")
    by_guess = pd.DataFrame()
    rest = latest[~keyed].drop(columns="supply_id", errors="ignore")
    if len(rest) and parks is not None and "supply_date" in rest.columns:
        county = pd.DataFrame(parks)[["park_id", "county_code"]]
        rest = rest.drop(columns="county_code", errors="ignore").merge(county, on="park_id", how="left")
        rest["_day"] = pd.to_datetime(rest["supply_date"]).dt.normalize()
        keys = supplies[["supply_id", "county_code", "supply_date"]].assign(
            _day=pd.to_datetime(supplies["supply_date"]).dt.normalize()).drop(columns="supply_date")
        by_guess = rest.merge(keys, on=["county_code", "_day"], how="inner").drop(columns="_day")
        by_guess = by_guess.assign(parcel_link="date_county")
    parts = [part for part in (by_key, by_guess) if len(part)]
    if not parts:
        return empty, "_".join(tried)
    linked = pd.concat(parts, ignore_index=True).sort_values(["supply_id", "parcel_id"], kind="stable")
    linked = linked.reset_index(drop=True)
    used = [rule for rule in ("supply_id", "date_county") if (linked["parcel_link"] == rule).any()]
    return linked, "_".join(used)


def parcel_chain(approval_id: str, approvals: pd.DataFrame, supplies: pd.DataFrame, as_of: date,
                 park_parcels: pd.DataFrame | None = None, parks: pd.DataFrame | None = None,
                 grades: pd.DataFrame | None = None, cases: pd.DataFrame | None = None) -> ParcelChain:
    """The chain 批 → 供 → 用 of approval ``approval_id`` (see :class:`ParcelChain`).

    Parameters
    ----------
    approval_id
        The approval (批准文号).
    approvals, supplies
        The conformed datasets.
    as_of
        The data date: supplies after it are not counted.
    park_parcels, parks
        Park parcels and parks (the parks give each parcel its county); ``None`` when not loaded.
    grades
        The ``enterprise_grades`` indicator (``parcel_id, year, score, grade``…).
    cases
        The ``idle_cases`` indicator (``case_id, supply_id, parcel_id, overdue_days``…).

    Raises
    ------
    KeyError
        When no approval has ``approval_id``.
    """
    match = approvals[approvals["approval_id"].astype(str) == str(approval_id)]
    if match.empty:
        raise KeyError(approval_id)
    record = {k: v for k, v in match.iloc[0].items() if k != "geometry"}
    cutoff = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    own = supplies[(supplies["approval_id"].astype(str) == str(approval_id))
                   & (pd.to_datetime(supplies["supply_date"]) < cutoff)]
    own = pd.DataFrame(own).sort_values(["supply_date", "supply_id"]).reset_index(drop=True)
    approved = float(record["approved_area_mu"])
    supplied = min(float(own["area_mu"].sum()), approved)
    record |= {"supplied_mu": round(supplied, 4), "unsupplied_mu": round(approved - supplied, 4),
               "supplies_count": len(own)}

    parcels, rule = link_parcels(own, park_parcels, parks)
    if grades is not None and len(parcels):
        latest = grades.sort_values("year").drop_duplicates("parcel_id", keep="last")
        parcels = parcels.merge(latest[["parcel_id", "score", "grade"]], on="parcel_id", how="left")
    chain_cases = pd.DataFrame()
    if cases is not None:
        on_supply = cases["supply_id"].isin(own["supply_id"])
        on_parcel = cases["parcel_id"].isin(parcels["parcel_id"]) if len(parcels) else False
        chain_cases = cases[on_supply | on_parcel].reset_index(drop=True)
    return ParcelChain(record, own, parcels, chain_cases, rule)


def approval_choices(approvals: pd.DataFrame, supplies: pd.DataFrame, cases: pd.DataFrame | None,
                     region: str | None = None) -> tuple[list[str], int]:
    """Approval ids of ``region`` for the chain's picker, newest first, and the index to open on.

    The default is the newest approval whose supplies carry an idle case (its chain reaches 用), else the newest.
    """
    frame = approvals if region is None else approvals[approvals["county_code"] == region]
    frame = frame.sort_values(["approval_date", "approval_id"], ascending=[False, True])
    ids = frame["approval_id"].astype(str).tolist()
    if cases is None or not ids:
        return ids, 0
    with_case = set(supplies.loc[supplies["supply_id"].isin(cases["supply_id"].dropna()), "approval_id"].astype(str))
    return ids, next((i for i, a in enumerate(ids) if a in with_case), 0)


def approval_label(approvals: pd.DataFrame, lang: str = "zh") -> dict[str, str]:
    """``approval_id → "批准文号 · 批次名称 · 批准面积 亩"`` for the picker."""
    names = approvals["batch_name"] if "batch_name" in approvals.columns else pd.Series("", index=approvals.index)
    return {
        str(a): _t("approval_option", lang, id=a, name=n if isinstance(n, str) else "", mu=f"{m:,.2f}")
        for a, n, m in zip(approvals["approval_id"], names, approvals["approved_area_mu"], strict=True)
    }


def approval_for_feature(layer: str, feature_id: str, supplies: pd.DataFrame, cases: pd.DataFrame) -> str | None:
    """The approval a clicked map feature belongs to: an unsupplied feature is the approval itself; an idle case
    leads to its supply's approval (``None`` when the case has no supply link)."""
    if layer == "unsupplied":
        return feature_id or None
    if layer == "idle":
        case = cases[cases["case_id"] == feature_id]
        if case.empty or pd.isna(case["supply_id"].iloc[0]):
            return None
        match = supplies.loc[supplies["supply_id"] == case["supply_id"].iloc[0], "approval_id"]
        return str(match.iloc[0]) if len(match) else None
    return None


def chain_supply_table(chain: ParcelChain, lang: str = "zh") -> pd.DataFrame:
    """The chain's supplies for display (headers with units, methods as words)."""
    s = chain.supplies.reindex(columns=["supply_id", "supply_date", "area_mu", "method", "land_use", "price_wan"])
    return pd.DataFrame({
        _t("col.supply_id", lang): s["supply_id"],
        _t("col.supply_date", lang): _day(s["supply_date"]),
        _t("col.supply_mu", lang): s["area_mu"],
        _t("col.supply_method", lang): _choice(s["method"], "method", lang),
        _t("col.land_use", lang): s["land_use"].fillna(""),
        _t("col.price_wan", lang): s["price_wan"],
    })


def chain_parcel_table(chain: ParcelChain, lang: str = "zh") -> pd.DataFrame:
    """The chain's park parcels and enterprises with their grade, for display; when some parcels were linked by
    supply id and some by county and date, a last column says which rule linked each."""
    if chain.parcels.empty:
        return pd.DataFrame()
    p = chain.parcels.reindex(columns=["supply_id", "parcel_id", "enterprise_name", "area_mu", "status", "year",
                                       "score", "grade", "parcel_link"])
    table = pd.DataFrame({
        _t("col.supply_id", lang): p["supply_id"],
        _t("col.parcel_id", lang): p["parcel_id"],
        _t("col.enterprise", lang): p["enterprise_name"],
        _t("col.parcel_mu", lang): p["area_mu"],
        _t("col.use_status", lang): _choice(p["status"], "use", lang),
        _t("col.year", lang): p["year"],
        _t("col.score", lang): p["score"].round(2),
        _t("col.grade", lang): p["grade"],
    })
    if chain.parcel_link == "supply_id_date_county":
        table[_t("col.parcel_link", lang)] = _choice(p["parcel_link"], "link_by", lang)
    return table


def chain_case_table(chain: ParcelChain, lang: str = "zh") -> pd.DataFrame:
    """The chain's idle cases for display (the 一地一策 columns)."""
    if chain.cases.empty:
        return pd.DataFrame()
    return idle_case_table(chain.cases, scope="all", lang=lang)
