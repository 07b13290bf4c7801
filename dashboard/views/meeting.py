"""Meeting mode (会议模式) and the county briefing: the sequence of slides, one indicator per screen, and the static
map.  Pure (never imports Streamlit).

Every number comes from the 总览 panel's shaping functions (:mod:`dashboard.views.overview`): KPI cards and their
policy-line notes (:func:`~dashboard.views.overview.kpi_cards`, :func:`~dashboard.views.overview.kpi_note`), metric
values with lines and statuses (:func:`~dashboard.views.overview.all_metric_values`), the alert list
(:func:`~dashboard.views.overview.alert_rows`) and the ranking charts.  Nothing is recomputed here: this module only
picks, orders and formats, so the meeting screen, the briefing PDF and the overview page show the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import altair as alt
import numpy as np
import pandas as pd
import shapely

from dashboard.i18n import t
from dashboard.layout import SCREEN_WIDTH_PX, SCROLLBAR_PX, column_width
from dashboard.policy import Profile
from dashboard.views import overview as ov

#: Slides in presentation order: key → metric keys shown as figures (large numbers) on it.
SLIDE_FIGURES: dict[str, tuple[str, ...]] = {
    "kpis": tuple(m.key for m in ov.KPI_METRICS),
    "arable": ("cultivated_balance", "paddy_balance", "grain_balance"),
    "supply_rate": ("supply_rate", "unsupplied_stock"),
    "disposal": ("unsupplied_disposal", "idle_disposal"),
    "idle": ("idle_land",),
    "parks": ("invest_per_mu", "output_per_mu", "gdp_per_land"),
    "alerts": (),
}
#: Ranking charts on each slide (metric keys), drawn by :func:`dashboard.views.overview.ranking_chart`.
SLIDE_CHARTS: dict[str, tuple[str, ...]] = {
    "kpis": (),
    "arable": ("cultivated_balance",),
    "supply_rate": ("supply_rate",),
    "disposal": ("unsupplied_disposal", "idle_disposal"),
    "idle": ("idle_land",),
    "parks": ("invest_per_mu", "output_per_mu"),
    "alerts": (),
}
SLIDES = tuple(SLIDE_FIGURES)
#: Alerts shown on the alert slide and in the briefing (most severe first).
TOP_ALERTS = 8


def m(key: str, lang: str, **params) -> str:
    """A message of the ``meeting`` catalog (``key`` without the ``meeting.`` prefix)."""
    return t(f"meeting.{key}", lang, **params)


@dataclass(frozen=True)
class MeetingData:
    """The overview's tables for one region: what the slides and the briefing are read from.

    ``regions`` is :func:`~dashboard.views.overview.region_frame` in ``lang``; ``values`` and ``previous`` are
    :func:`~dashboard.views.overview.all_metric_values` of this and the previous period; ``county`` is a county
    code or ``None`` for the city.
    """

    lang: str
    profile: Profile
    county: str | None
    as_of: date
    regions: pd.DataFrame
    tables: Mapping[str, pd.DataFrame]
    values: Mapping[str, pd.DataFrame]
    previous: Mapping[str, pd.DataFrame]


def region_label(data: MeetingData) -> str:
    """The region's name (``红塔区``; the city's name for the whole city)."""
    frame = data.regions
    if data.county is None:
        return str(frame.loc[frame["level"] == ov.CITY_LEVEL, "name"].iloc[0])
    found = frame.loc[frame["region_code"] == data.county, "name"]
    return str(found.iloc[0]) if len(found) else data.county


# ----------------------------------------------------------------------------------------------------------
# Figures and slides


@dataclass(frozen=True)
class Figure:
    """One large number: label (with the evaluated year), value with its unit, change from the previous period
    (``change`` bare, ``delta`` as a sentence; empty when none), policy-line note and status."""

    key: str
    label: str
    value: str
    delta: str
    change: str
    note: str
    status: str
    raw: float | None


def cards(data: MeetingData) -> dict[str, ov.KpiCard]:
    """The region's cards by metric key: :func:`~dashboard.views.overview.kpi_cards` for the KPI metrics, and the
    same reading of :func:`~dashboard.views.overview.metric_values` for the disposal rates (no previous period)."""
    found = {card.metric.key: card for card in ov.kpi_cards(data.values, data.previous, data.county)}
    for metric in ov.METRICS:
        if metric.key in found or metric.key not in data.values:
            continue
        values = data.values[metric.key]
        row = values[values["region_code"] == (data.county or ov.city_code(values))]
        below = values[(values["level"] == ov.COUNTY_LEVEL) & (values["status"] == "warn")]
        if data.county is not None:
            below = below[below["region_code"] == data.county]
        first = row.iloc[0] if len(row) else None
        value = None if first is None or pd.isna(first["value"]) else float(first["value"])
        found[metric.key] = ov.KpiCard(
            metric=metric, value=value, previous=None, delta=None,
            line=None if first is None or pd.isna(first["line"]) else float(first["line"]),
            status="none" if first is None else str(first["status"]), below=tuple(below["name"]),
            miss=0.0 if first is None else float(first["miss"]), period=None, county=data.county is not None)
    return found


def figure(card: ov.KpiCard, lang: str, detail: str = "") -> Figure:
    """A card as a large number with its unit, its change from the previous period and its policy-line note."""
    metric = card.metric
    label = metric.label(lang)
    if card.period is not None:
        label = t("overview_panel.label_year", lang, label=label, year=card.period)
    delta = change = ""
    if card.delta is not None and round(card.delta, 2) != 0:
        unit = "pp" if metric.unit == "pct" else metric.unit
        sign = "+" if card.delta > 0 else ""  # format_number writes a minus sign itself
        change = sign + ov.format_number(card.delta, unit, lang, metric.decimals)
        delta = m("delta", lang, delta=change)
    return Figure(key=metric.key, label=label, value=ov.format_number(card.value, metric.unit, lang, metric.decimals),
                  delta=delta, change=change, note=ov.kpi_note(card, lang, detail), status=card.status, raw=card.value)


@dataclass(frozen=True)
class Slide:
    """One screen: title, a sentence of context, its figures, its ranking charts (metric keys) and, on the alert
    slide, the alerts."""

    key: str
    title: str
    lead: str
    figures: tuple[Figure, ...]
    charts: tuple[str, ...]
    alerts: pd.DataFrame | None = None
    #: On the alert slide, every alert (``alerts`` holds the most severe :data:`TOP_ALERTS`), for the full table.
    all_alerts: pd.DataFrame | None = None


def all_alerts(data: MeetingData) -> pd.DataFrame:
    """The region's alerts, most severe first (:func:`~dashboard.views.overview.alert_rows`)."""
    return ov.alert_rows(data.tables, data.values, data.profile, data.regions, data.lang, data.county)


def top_alerts(data: MeetingData, limit: int = TOP_ALERTS, alerts: pd.DataFrame | None = None) -> pd.DataFrame:
    """The region's ``limit`` most severe alerts (of ``alerts`` when given, else of :func:`all_alerts`)."""
    alerts = all_alerts(data) if alerts is None else alerts
    return alerts.head(limit).reset_index(drop=True)


def _lead(key: str, data: MeetingData, by_key: Mapping[str, ov.KpiCard]) -> str:
    lang = data.lang
    if key == "disposal":
        card = by_key.get("unsupplied_disposal")
        disposal = data.tables.get("disposal_rates_quarterly")
        quarter = None if disposal is None or disposal.empty else int(ov.latest_period(disposal)["quarter"].iloc[0])
        line = ov.DASH if card is None or card.line is None else ov.format_number(card.line, "pct", lang, 0)
        return m("lead.disposal", lang, quarter=quarter if quarter is not None else ov.DASH, line=line)
    if key == "parks":
        return m("lead.parks", lang,
                 invest=ov.format_number(data.profile["invest_intensity_benchmark_wan_per_mu"], "wan_per_mu", lang, 0),
                 output=ov.format_number(data.profile["output_benchmark_wan_per_mu"], "wan_per_mu", lang, 0))
    if key == "supply_rate":
        card = by_key.get("supply_rate")
        line = ov.DASH if card is None or card.line is None else ov.format_number(card.line, "pct", lang, 0)
        return m("lead.supply_rate", lang, line=line, years=data.profile["supply_rate_window_years"])
    return m(f"lead.{key}", lang)


def slides(data: MeetingData) -> list[Slide]:
    """The meeting's slides in :data:`SLIDES` order, for ``data``'s region and language."""
    lang = data.lang
    by_key = cards(data)
    details = ov.kpi_details(data.tables, data.profile, data.regions, data.county, lang)
    out = []
    for key in SLIDES:
        figures = tuple(figure(by_key[k], lang, details.get(k, "")) for k in SLIDE_FIGURES[key] if k in by_key)
        charts = tuple(k for k in SLIDE_CHARTS[key] if k in data.values)
        every = all_alerts(data) if key == "alerts" else None
        alerts = None if every is None else top_alerts(data, alerts=every)
        lead = _lead(key, data, by_key)
        if every is not None and len(every) > len(alerts):
            # a slide of the worst few must not read as the whole list (the overview shows them all)
            lead = m("lead.alerts_top", lang, total=len(every), shown=len(alerts))
        out.append(Slide(key, m(f"slide.{key}", lang), lead, figures, charts, alerts, every))
    return out


def clamp_slide(value, count: int) -> int:
    """A 1-based slide number from the URL (``?slide=3``): anything missing or invalid is 1, out of range is clamped."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), max(count, 1))


#: The slide's width on the smallest screen: meeting mode hides the sidebar and pads the page 3 rem each side
#: (``components.meeting.STYLE``).
SLIDE_WIDTH_PX = SCREEN_WIDTH_PX - 2 * 48 - SCROLLBAR_PX


def slide_chart_width(count: int) -> int:
    """The width (px) of one of ``count`` ranking charts side by side on a slide (``st.columns(count, gap="large")``)."""
    return column_width(max(count, 1), 0, "large", total_px=SLIDE_WIDTH_PX)


def ranking(data: MeetingData, key: str, width: int | None = None, count: int = 1) -> alt.LayerChart:
    """The ranking chart of metric ``key`` with the region highlighted, laid out for one of ``count`` charts on a
    slide (``width`` in pixels for a PNG instead)."""
    chart = ov.ranking_chart(data.values[key], ov.METRIC_BY_KEY[key], data.lang, data.county,
                             width_px=width or slide_chart_width(count))
    if width is not None:
        chart = chart.properties(width=width)
    return chart


# ----------------------------------------------------------------------------------------------------------
# Static map (offline: an Altair geoshape rendered by vl-convert)

#: Control-line colours and the tolerance (degrees, ≈ 200 m) the map simplifies outlines to.
MAP_TOLERANCE_DEG = 0.002


def _features(geoms, props: list[dict]) -> list[dict]:
    """GeoJSON features for Vega: rings rounded and outer rings clockwise (d3-geo's spherical convention — a
    counter-clockwise ring would be read as the whole globe outside it)."""
    geoms = shapely.orient_polygons(shapely.set_precision(np.asarray(list(geoms), dtype=object), 1e-6),
                                    exterior_cw=True)
    out = []
    for geom, prop in zip(geoms, props, strict=True):
        if geom is None or geom.is_empty:
            continue
        out.append({"type": "Feature", "geometry": shapely.geometry.mapping(geom), "properties": prop})
    return out


def map_chart(data: MeetingData, regions_geo: pd.DataFrame, lines: pd.DataFrame | None, width: int = 620,
              height: int = 420) -> alt.LayerChart:
    """The region on a static map: the county filled (the city: every county), its neighbours outlined, the three
    control lines inside it coloured by kind, county names; for :func:`dashboard.charts.chart_png`.

    ``regions_geo`` is the ``regions`` dataset (lon/lat), ``lines`` the ``control_lines`` dataset (or ``None``).
    """
    from dashboard.views.site_check import KIND_COLOURS, kind_label

    lang = data.lang
    counties = regions_geo[regions_geo["level"].astype(str) == ov.COUNTY_LEVEL]
    geoms = shapely.simplify(np.asarray(counties.geometry.values, dtype=object), MAP_TOLERANCE_DEG,
                             preserve_topology=True)
    codes = counties["code"].astype(str).to_numpy()
    names = dict(zip(data.regions["region_code"], data.regions["name"], strict=True))
    chosen = np.ones(len(codes), dtype=bool) if data.county is None else codes == data.county
    focus = shapely.union_all(geoms[chosen]) if chosen.any() else shapely.union_all(geoms)
    minx, miny, maxx, maxy = focus.bounds
    pad_x, pad_y = (maxx - minx) * 0.08 or 0.01, (maxy - miny) * 0.08 or 0.01
    frame = shapely.box(minx - pad_x, miny - pad_y, maxx + pad_x, maxy + pad_y)
    anchors = shapely.point_on_surface(geoms[chosen]) if chosen.any() else []
    # Everything is clipped to the frame: the projection then fits the region, neighbours are cut at the edge.
    geoms = shapely.clip_by_rect(geoms, *frame.bounds)
    region_feats = _features(geoms, [{"chosen": bool(c)} for c in chosen])
    charts = [alt.Chart(alt.Data(values=_features([frame], [{}]))).mark_geoshape(fill="#ffffff", stroke=None,
                                                                                    strokeWidth=0)]
    charts.append(alt.Chart(alt.Data(values=[f for f in region_feats if not f["properties"]["chosen"]]))
                  .mark_geoshape(fill="#f2f2f2", stroke="#9e9e9e", strokeWidth=0.8))
    charts.append(alt.Chart(alt.Data(values=[f for f in region_feats if f["properties"]["chosen"]]))
                  .mark_geoshape(fill="#fbfbf3", stroke="#333333", strokeWidth=1.6))
    if lines is not None and len(lines):
        inside = lines if data.county is None else lines[lines["county_code"].astype(str) == data.county]
        # ~1/500 of the map's extent: invisible at print size, and the city map stays quick to render.
        tolerance = max(MAP_TOLERANCE_DEG, max(maxx - minx, maxy - miny) / 500)
        shapes = shapely.clip_by_rect(shapely.simplify(np.asarray(inside.geometry.values, dtype=object),
                                                       tolerance, preserve_topology=True), *frame.bounds)
        labels = [kind_label(k, lang) for k in inside["kind"].astype(str)]
        feats = _features(shapes, [{"label": label} for label in labels])
        domain = list(dict.fromkeys(labels))
        colours = [KIND_COLOURS[k] for k in dict.fromkeys(inside["kind"].astype(str))]
        if feats:
            charts.append(alt.Chart(alt.Data(values=feats)).mark_geoshape(fillOpacity=0.35, strokeWidth=0.8).encode(
                fill=alt.Fill("properties.label:N", scale=alt.Scale(domain=domain, range=colours),
                              legend=alt.Legend(title=m("map.legend", lang), orient="bottom", labelFontSize=12,
                                                titleFontSize=12)),
                stroke=alt.Stroke("properties.label:N", scale=alt.Scale(domain=domain, range=colours), legend=None),
            ))
    points = [{"lon": p.x, "lat": p.y, "name": names.get(code, code)}
              for p, code in zip(anchors, codes[chosen], strict=True)]
    if points:
        charts.append(alt.Chart(alt.Data(values=points)).mark_text(
            fontSize=13 if data.county is None else 16, fontWeight="bold", color="#222222", stroke="#ffffff",
            strokeWidth=3, strokeOpacity=0.8).encode(longitude="lon:Q", latitude="lat:Q", text="name:N"))
        charts.append(alt.Chart(alt.Data(values=points)).mark_text(
            fontSize=13 if data.county is None else 16, fontWeight="bold", color="#222222").encode(
            longitude="lon:Q", latitude="lat:Q", text="name:N"))
    return (alt.layer(*charts).project(type="mercator")
            .properties(width=width, height=height).configure_view(strokeWidth=0))
