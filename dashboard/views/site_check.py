"""Display of a 选址预审 result: the tables the page, the PDF and the Excel report share, the interactive folium map
(with the Leaflet.draw control, assets served by the app) and the static map drawn for the report.

Pure (no Streamlit): functions take a :class:`dashboard.site_check.SiteCheck` and return frames, ``(label, value)``
rows, a ``folium.Map`` or an Altair chart; texts come from the ``site_check`` catalog in the language passed in.
Names that come from data are escaped before they reach a map tooltip (folium writes tooltips as HTML).
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import altair as alt
import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement, Template

from dashboard.geo import view_for_bounds
from dashboard.i18n import t as _t
from dashboard.legend import LegendGroup, LegendItem
from dashboard.offline import local_draw_plugin, local_folium_map
from dashboard.overlays import CONTROL_LINE_COLOURS, IDLE_FILL, PARK_LINE, UNSUPPLIED_FILL
from dashboard.site_check import CONTROL_KINDS, SiteCheck
from dashboard.views import arable as arable_views

#: Colours (hex) of the map layers, shared by the folium map and the report's static map.
FOOTPRINT_COLOUR = "#e6007e"
KIND_COLOURS = {kind: "#{:02x}{:02x}{:02x}".format(*rgba[:3]) for kind, rgba in CONTROL_LINE_COLOURS.items()}
PARK_COLOUR = "#{:02x}{:02x}{:02x}".format(*PARK_LINE[:3])
CANDIDATE_COLOURS = {"unsupplied": "#{:02x}{:02x}{:02x}".format(*UNSUPPLIED_FILL[:3]),
                     "idle": "#{:02x}{:02x}{:02x}".format(*IDLE_FILL[:3])}
REGION_COLOUR = "#7a7a7a"
#: Candidates drawn on the maps and listed in the report (the page's table lists all).
MAP_CANDIDATES = 10
#: Margin around the footprint (and the candidates) on the report's map, as a share of the extent.
MAP_MARGIN = 0.35
#: Smallest extent of the report's map (degrees, ≈ 1 km): a tiny site still shows its surroundings.
MAP_MIN_SPAN_DEG = 0.01


def m(key: str, lang: str, **params) -> str:
    """A message of the ``site_check`` catalog (``key`` without the ``site_check.`` prefix)."""
    return _t(f"site_check.{key}", lang, **params)


def unit(code: str, lang: str) -> str:
    """A unit's label (亩, 平方米, 公斤, 万元, 米)."""
    return m(f"unit.{code}", lang)


def col(key: str, lang: str, unit_code: str | None = None) -> str:
    """A column header, with its unit in brackets when it has one."""
    name = m(f"col.{key}", lang)
    return m("with_unit", lang, name=name, unit=unit(unit_code, lang)) if unit_code else name


def kind_label(kind: str, lang: str) -> str:
    """永久基本农田 / 生态保护红线 / 城镇开发边界."""
    return _t(f"maps.kind.{kind}", lang)


def level_label(level: str, lang: str) -> str:
    """A project level's name (the pool simulator's labels)."""
    return _t(f"arable_panel.level.{level}", lang)


def indicator_label(ind: str, lang: str) -> str:
    """耕地数量 / 水田规模 / 粮食产能 (without unit)."""
    return arable_views.indicator_label(ind, lang, with_unit=False)


def _num(value: float, digits: int = 2) -> str:
    return "—" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value:,.{digits}f}"


# ----------------------------------------------------------------------------------------------------------
# tables


def summary_rows(check: SiteCheck, names: Mapping[str, str], lang: str) -> list[tuple[str, str]]:
    """The report's 基本情况: ``(label, value)`` rows, every number with its unit."""
    p, f = check.project, check.footprint
    source = m("summary.source_draw", lang) if f.source == "draw" else m("summary.source_upload", lang, name=f.name)
    rows = [
        (m("summary.project", lang), p.name or m("summary.unnamed", lang)),
        (m("summary.county", lang), names.get(p.county, p.county)),
        (m("summary.type", lang), m("type.industrial" if p.industrial else "type.other", lang)),
        (m("summary.level", lang), level_label(p.level, lang)),
        (m("summary.area", lang), m("summary.area_value", lang, mu=_num(check.area_mu), m2=_num(check.area_m2))),
        (m("summary.parts", lang), str(f.parts)),
        (m("summary.ubg", lang), m(f"ubg.{check.ubg_status}", lang)),
        (m("summary.source", lang), source),
        (m("summary.crs", lang), m("summary.crs_value", lang, read=f.crs or "—", area=check.crs)),
        (m("summary.submitted", lang), p.submitted.isoformat()),
        (m("summary.due", lang), m("summary.due_value", lang, date=check.due_date.isoformat() if check.due_date else "—",
                                   days=check.consultation_days)),
    ]
    return rows


def summary_frame(check: SiteCheck, names: Mapping[str, str], lang: str) -> pd.DataFrame:
    """:func:`summary_rows` as a two-column table."""
    rows = summary_rows(check, names, lang)
    return pd.DataFrame({m("col.item", lang): [r[0] for r in rows], m("col.value", lang): [r[1] for r in rows]})


def overlaps_table(check: SiteCheck, lang: str) -> pd.DataFrame:
    """Each control line: the lines touched, overlap in 亩 and 平方米, share of the site (%)."""
    o = check.overlaps
    return pd.DataFrame({
        col("line", lang): [kind_label(k, lang) for k in o["kind"]],
        col("line_ids", lang): [s or "—" for s in o["lines"].astype(str)],
        col("overlap", lang, "mu"): o["overlap_mu"].astype(float).to_numpy(),
        col("overlap", lang, "m2"): o["overlap_m2"].astype(float).to_numpy(),
        col("share", lang, "pct"): o["share_pct"].astype(float).to_numpy(),
    })


def classes_table(check: SiteCheck, lang: str) -> pd.DataFrame:
    """Land-use classes occupied: code, name, group, area in 亩 and 平方米, share (%)."""
    c = check.classes
    group = c["group_zh"] if lang == "zh" else c["group_en"]
    return pd.DataFrame({
        col("dlbm", lang): [code or "—" for code in c["dlbm"].astype(str)],
        col("dlmc", lang): [name if code else m("uncovered", lang) for code, name in zip(c["dlbm"], c["dlmc"])],
        col("group", lang): [g or "—" for g in group.astype(str)],
        col("area", lang, "mu"): c["area_mu"].astype(float).to_numpy(),
        col("area", lang, "m2"): c["area_m2"].astype(float).to_numpy(),
        col("share", lang, "pct"): c["share_pct"].astype(float).to_numpy(),
    })


def need_table(check: SiteCheck, lang: str) -> pd.DataFrame:
    """The three arable indicators: need, the county's balance, usable reserve, gap, covered."""
    rows = []
    for row in check.need.itertuples():
        rows.append({
            col("indicator", lang): indicator_label(row.indicator, lang),
            col("unit", lang): unit(row.unit, lang),
            col("need", lang): float(row.need),
            col("balance", lang): float(row.balance),
            col("available", lang): float(row.available),
            col("gap", lang): float(row.gap),
            col("covered", lang): m("yes" if row.covered else "no", lang),
        })
    return pd.DataFrame(rows)


def pool_messages(check: SiteCheck, lang: str) -> list[tuple[str, str]]:
    """``(level, text)`` of the pool simulation (the 耕地 page's wording), or what happened instead."""
    if check.covered:
        return [("success", m("pool.not_needed", lang))]
    if check.pools is None:
        return [("warning", m("pool.no_ledger", lang))]
    return arable_views.outcome_messages(check.pools, lang)


def pool_table(check: SiteCheck, names: Mapping[str, str], lang: str) -> pd.DataFrame:
    """The pool draws (:func:`dashboard.views.arable.draws_display`); empty when nothing is drawn."""
    if check.pools is None or check.pools.draws.empty:
        return pd.DataFrame()
    return arable_views.draws_display(check.pools, names, lang)


def pool_cost(check: SiteCheck) -> float:
    """Price of the pool draws in 万元 (0 when nothing is drawn)."""
    return check.pools.cost_wan if check.pools is not None else 0.0


def candidates_table(check: SiteCheck, lang: str, limit: int | None = None) -> pd.DataFrame:
    """Candidate stock parcels, best first: rank, kind, id, park, available 亩, land left over (%), distance (米)."""
    c = check.candidates if limit is None else check.candidates.head(limit)
    return pd.DataFrame({
        col("rank", lang): c["rank"].astype(int).to_numpy(),
        col("kind", lang): [m(f"candidate.{k}", lang) for k in c["kind"]],
        col("candidate_id", lang): c["candidate_id"].astype(str).to_numpy(),
        col("park", lang): c["park_name"].astype(str).to_numpy(),
        col("available_area", lang, "mu"): c["available_mu"].astype(float).to_numpy(),
        col("fit", lang, "pct"): c["fit_pct"].astype(float).to_numpy(),
        col("distance", lang, "m"): c["distance_m"].astype(float).to_numpy(),
    })


def parameters_table(check: SiteCheck, pool_profile_name: str, lang: str) -> pd.DataFrame:
    """The policy values the check used, with their source clauses."""
    rows = [
        (m("param.grain_yield", lang), f"{check.grain_yield:,.0f} {unit('kg_per_mu', lang)}", check.grain_yield_source),
        (m("param.consultation_days", lang), f"{check.consultation_days} {unit('working_days', lang)}",
         check.consultation_source),
        (m("param.pool_rules", lang), pool_profile_name, m("param.pool_rules_source", lang)),
    ]
    return pd.DataFrame({col("param", lang): [r[0] for r in rows], col("value", lang): [r[1] for r in rows],
                         col("clause", lang): [r[2] for r in rows]})


def versions_table(versions: Mapping, titles: Mapping[str, str], lang: str) -> pd.DataFrame:
    """Dataset, version, data date and source of every dataset the check read (``None``: no data)."""
    rows = []
    for name, version in versions.items():
        rows.append({
            col("dataset", lang): titles.get(name, name),
            col("version", lang): version.version if version is not None else m("no_data", lang),
            col("data_date", lang): (version.data_date or "—") if version is not None else "—",
            col("source", lang): version.source(lang) if version is not None else "—",
        })
    return pd.DataFrame(rows)


def conclusions(check: SiteCheck, lang: str) -> list[tuple[str, str]]:
    """The check's findings as ``(level, text)`` (``error`` / ``warning`` / ``success`` / ``info``), in report order."""
    out = []
    o = check.overlaps.set_index("kind")
    for kind in ("farmland", "eco_redline"):
        mu = float(o.at[kind, "overlap_mu"])
        if o.at[kind, "overlap_m2"] > 0.01:
            out.append(("error", m(f"finding.{kind}", lang, mu=_num(mu), pct=_num(float(o.at[kind, "share_pct"])))))
        else:
            out.append(("success", m(f"finding.no_{kind}", lang)))
    ubg_mu = float(o.at["ubg", "overlap_mu"])
    level = {"inside": "success", "partly": "warning", "outside": "warning"}[check.ubg_status]
    out.append((level, m(f"finding.ubg_{check.ubg_status}", lang, mu=_num(ubg_mu),
                        outside=_num(check.area_mu - ubg_mu))))
    need = check.need.set_index("indicator")
    if float(need.at["cultivated", "need"]) <= 1e-9:
        out.append(("success", m("finding.no_arable", lang)))
    elif check.covered:
        out.append(("success", m("finding.covered", lang)))
    else:
        gaps = m("list_sep", lang).join(
            f"{indicator_label(ind, lang)} {_num(float(row.gap), 0 if row.unit == 'kg' else 2)} {unit(row.unit, lang)}"
            for ind, row in need.iterrows() if row.gap > 1e-9)
        out.append(("warning", m("finding.gap", lang, gaps=gaps)))
    if check.project.industrial:
        if len(check.candidates):
            best = check.candidates.iloc[0]
            out.append(("info", m("finding.candidates", lang, count=len(check.candidates),
                                  best=str(best["candidate_id"]), park=str(best["park_name"]),
                                  mu=_num(float(best["available_mu"])))))
        else:
            out.append(("info", m("finding.no_candidates", lang, mu=_num(check.area_mu))))
    return out


# ----------------------------------------------------------------------------------------------------------
# maps


def _clip(frame: pd.DataFrame | None, box) -> pd.DataFrame:
    if frame is None or frame.empty:
        return pd.DataFrame(columns=["geometry"])
    hits = shapely.intersects(frame.geometry.values, box)
    out = frame[hits].copy()
    out["geometry"] = shapely.clip_by_rect(out.geometry.values, *box.bounds)
    return out[~shapely.is_empty(out.geometry.values)]


def map_extent(check: SiteCheck, candidates: int = MAP_CANDIDATES) -> tuple[float, float, float, float]:
    """Lon-lat box around the footprint and the best candidates, with a margin."""
    geoms = [check.footprint.geometry, *check.candidates.geometry.head(candidates)]
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(geoms, dtype=object))
    span = max(maxx - minx, maxy - miny, MAP_MIN_SPAN_DEG)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half = span * (0.5 + MAP_MARGIN)
    return cx - half, cy - half, cx + half, cy + half


def _features(geoms, props: list[dict]) -> list[dict]:
    rounded = shapely.set_precision(np.asarray(list(geoms), dtype=object), 1e-6)
    return [{"type": "Feature", "geometry": shapely.geometry.mapping(g), "properties": p}
            for g, p in zip(rounded, props) if g is not None and not g.is_empty]


def report_map_chart(check: SiteCheck, lines: pd.DataFrame | None, parks: pd.DataFrame | None,
                     regions: pd.DataFrame | None, lang: str, width: int = 640, height: int = 460) -> alt.LayerChart:
    """The report's static map: county outlines, control lines, parks, candidates (numbered) and the footprint,
    clipped to :func:`map_extent` (an Altair geoshape chart; export with :func:`dashboard.charts.chart_png`)."""
    box = shapely.box(*map_extent(check))
    layers: list[tuple[str, str, list]] = []  # (legend label, colour, features)
    domain, colours = [], []

    def add(label: str, colour: str, geoms, extra: list[dict] | None = None) -> None:
        feats = _features(geoms, extra or [{} for _ in range(len(geoms))])
        for f in feats:
            f["properties"]["label"] = label
        if feats:
            layers.append((label, colour, feats))
            domain.append(label)
            colours.append(colour)

    counties = _clip(regions[regions["level"].astype(str) == "county"] if regions is not None else None, box)
    region_feats = _features(shapely.boundary(counties.geometry.values) if len(counties) else [], [{} for _ in counties.index])
    for kind in CONTROL_KINDS:
        part = _clip(lines[lines["kind"] == kind] if lines is not None else None, box)
        add(kind_label(kind, lang), KIND_COLOURS[kind], list(part.geometry.values))
    if check.project.industrial:
        add(m("map.parks", lang), PARK_COLOUR, list(_clip(parks, box).geometry.values))
        top = check.candidates.head(MAP_CANDIDATES)
        for kind in ("unsupplied", "idle"):
            chosen = top[top["kind"] == kind]
            add(m(f"candidate.{kind}", lang), CANDIDATE_COLOURS[kind], list(chosen.geometry.values),
                [{"rank": int(r)} for r in chosen["rank"]])
    add(m("map.footprint", lang), FOOTPRINT_COLOUR, [check.footprint.geometry])
    scale = alt.Scale(domain=domain, range=colours)
    frame = _features([box], [{"label": ""}])
    base = alt.Chart(alt.Data(values=frame)).mark_geoshape(fill="#fbfbf8", stroke="#dddddd").encode()
    charts = [base]
    if region_feats:
        charts.append(alt.Chart(alt.Data(values=region_feats)).mark_geoshape(
            filled=False, stroke=REGION_COLOUR, strokeDash=[4, 3], strokeWidth=1))
    opacity = {m("map.footprint", lang): 0.12, m("map.parks", lang): 0.06}
    for label, _colour, feats in layers:
        is_footprint = label == m("map.footprint", lang)
        mark = alt.Chart(alt.Data(values=feats)).mark_geoshape(
            fillOpacity=opacity.get(label, 0.35), strokeWidth=3 if is_footprint else 1.2)
        charts.append(mark.encode(
            fill=alt.Fill("properties.label:N", scale=scale, legend=alt.Legend(title=None, orient="bottom",
                                                                                columns=3, labelFontSize=12)),
            stroke=alt.Stroke("properties.label:N", scale=scale, legend=None),
        ))
    # A ring around the site keeps it visible when candidates far away make the map's scale small.
    centre = check.footprint.geometry.representative_point()
    charts.append(alt.Chart(alt.Data(values=[{"lon": centre.x, "lat": centre.y}])).mark_point(
        shape="circle", size=500, filled=False, strokeWidth=2.5, color=FOOTPRINT_COLOUR,
    ).encode(longitude="lon:Q", latitude="lat:Q"))
    ranks = []
    for _, row in check.candidates.head(MAP_CANDIDATES).iterrows():
        point = row.geometry.representative_point()
        ranks.append({"lon": point.x, "lat": point.y, "rank": str(int(row["rank"]))})
    if ranks and check.project.industrial:
        charts.append(alt.Chart(alt.Data(values=ranks)).mark_text(fontSize=13, fontWeight="bold", color="#222222")
                      .encode(longitude="lon:Q", latitude="lat:Q", text="rank:N"))
    return alt.layer(*charts).project(type="mercator").properties(width=width, height=height)


_RANK_HTML = ('<div style="background:#fff;border:2px solid #333;border-radius:11px;width:22px;height:22px;'
              'box-sizing:border-box;text-align:center;font:bold 12px/18px sans-serif">{rank}</div>')


def _escaped(text) -> str:
    return html.escape(str(text))


def _geojson(geoms, props: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": _features(geoms, props)}


def map_bounds(regions: pd.DataFrame | None, county: str | None, check: SiteCheck | None = None,
               footprint=None) -> tuple[float, float, float, float]:
    """What the interactive map shows: the check's extent, else the footprint, else the county, else the city."""
    if check is not None:
        return map_extent(check)
    if footprint is not None:
        minx, miny, maxx, maxy = footprint.bounds
        pad = max(maxx - minx, maxy - miny, MAP_MIN_SPAN_DEG) * MAP_MARGIN
        return minx - pad, miny - pad, maxx + pad, maxy + pad
    if regions is not None and county is not None and (regions["code"].astype(str) == str(county)).any():
        return tuple(regions[regions["code"].astype(str) == str(county)].total_bounds)
    if regions is not None and len(regions):
        return tuple(regions.total_bounds)
    return (102.0, 23.5, 103.0, 24.9)


def map_view(bounds, width_px: int = 1000, height_px: int = 540) -> tuple[list[float], int]:
    """Centre ``[lat, lon]`` and whole Leaflet zoom that fit lon-lat ``bounds`` in the map.

    Leaflet's tiles are 256 px where deck.gl counts 512, so its zoom is one more than
    :func:`dashboard.geo.view_for_bounds`'s.
    """
    view = view_for_bounds(bounds, width_px, height_px)
    return [view["latitude"], view["longitude"]], int(np.clip(np.floor(view["zoom"] + 1), 3, 18))


class MetricScale(MacroElement):
    """Leaflet's scale bar in metres and kilometres only (folium's ``control_scale`` adds miles and feet too)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "L.control.scale({imperial: false, metric: true}).addTo({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def map_legend(lang: str = "zh") -> list[LegendGroup]:
    """What the map's colours mean, in three groups: the control lines; parks and candidate land by kind; the
    footprint and the county boundaries (outlines are drawn as outlined swatches)."""
    lines = tuple(LegendItem(kind_label(kind, lang), _rgb(KIND_COLOURS[kind])) for kind in CONTROL_KINDS)
    land = (LegendItem(m("map.parks", lang), _rgb(PARK_COLOUR), outline=True),
            *(LegendItem(m(f"candidate.{kind}", lang), _rgb(colour)) for kind, colour in CANDIDATE_COLOURS.items()))
    site = (LegendItem(m("map.footprint", lang), _rgb(FOOTPRINT_COLOUR), outline=True),
            LegendItem(m("map.counties", lang), _rgb(REGION_COLOUR), outline=True))
    return [LegendGroup(m("map.legend_lines", lang), lines), LegendGroup(m("map.legend_land", lang), land),
            LegendGroup(m("map.legend_site", lang), site)]


def base_map(regions: pd.DataFrame | None, lang: str = "zh", tiles: tuple[str, str, int] | None = None) -> folium.Map:
    """The interactive map's fixed part: county outlines and a Leaflet.draw control for polygons and rectangles
    (assets served by the app).  streamlit-folium draws this once per session; what changes — control lines,
    parks, the footprint, candidates — goes in :func:`overlay_groups`, and the view through ``center``/``zoom``.

    ``tiles`` is an optional WGS84 basemap ``(url template, attribution, max zoom)`` configured by the deployment.
    """
    bounds = map_bounds(regions, None)
    centre, zoom = map_view(bounds)
    fmap = local_folium_map(location=centre, zoom_start=zoom)
    MetricScale().add_to(fmap)
    if tiles is not None:
        folium.TileLayer(tiles=tiles[0], attr=_escaped(tiles[1]) or " ", max_zoom=tiles[2], name="basemap").add_to(fmap)
    counties = regions[regions["level"].astype(str) == "county"] if regions is not None else None
    if counties is not None and len(counties):
        simple = shapely.simplify(counties.geometry.values, 0.001, preserve_topology=True)
        names = counties["name"] if lang == "zh" or "name_en" not in counties.columns else counties["name_en"]
        folium.GeoJson(
            _geojson(simple, [{"name": _escaped(n)} for n in names]), name=m("map.counties", lang),
            style_function=lambda _: {"color": REGION_COLOUR, "weight": 1.5, "fill": False, "dashArray": "4 3"},
            tooltip=folium.GeoJsonTooltip(["name"], labels=False),
        ).add_to(fmap)
    local_draw_plugin(
        export=False, position="topleft",
        draw_options={"polyline": False, "circle": False, "marker": False, "circlemarker": False,
                      "polygon": {"allowIntersection": False, "showArea": True}, "rectangle": True},
        edit_options={"edit": False, "remove": True},
    ).add_to(fmap)
    return fmap


def overlay_groups(county: str | None, lines: pd.DataFrame | None, parks: pd.DataFrame | None,
                   check: SiteCheck | None, footprint=None, lang: str = "zh") -> list[folium.FeatureGroup]:
    """The map's changing layers as feature groups: the county's control lines (one group per kind) and parks,
    the ranked candidates and the footprint (``footprint``, a lon-lat geometry, when there is no check yet)."""
    groups = []
    if lines is not None and len(lines):
        here = lines[lines["county_code"].astype(str) == str(county)] if county else lines
        for kind in CONTROL_KINDS:
            part = here[here["kind"] == kind]
            if part.empty:
                continue
            colour = KIND_COLOURS[kind]
            group = folium.FeatureGroup(name=kind_label(kind, lang))
            folium.GeoJson(
                _geojson(shapely.simplify(part.geometry.values, 0.0002, preserve_topology=True),
                         [{"name": _escaped(f"{kind_label(kind, lang)} {lid}")} for lid in part["line_id"]]),
                style_function=lambda _, c=colour: {"color": c, "weight": 1.5, "fillColor": c, "fillOpacity": 0.15},
                tooltip=folium.GeoJsonTooltip(["name"], labels=False),
            ).add_to(group)
            groups.append(group)
    if parks is not None and len(parks) and (check is None or check.project.industrial):
        here = parks[parks["county_code"].astype(str) == str(county)] if county else parks
        if len(here):
            group = folium.FeatureGroup(name=m("map.parks", lang))
            folium.GeoJson(
                _geojson(here.geometry.values, [{"name": _escaped(n)} for n in here["name"]]),
                style_function=lambda _: {"color": PARK_COLOUR, "weight": 2, "fillOpacity": 0.05},
                tooltip=folium.GeoJsonTooltip(["name"], labels=False),
            ).add_to(group)
            groups.append(group)
    if check is not None and len(check.candidates):
        top = check.candidates.head(MAP_CANDIDATES)
        props = [{"name": _escaped(m("map.candidate_tip", lang, rank=int(r["rank"]), kind=m(f"candidate.{r['kind']}", lang),
                                     id=r["candidate_id"], mu=_num(float(r["available_mu"])),
                                     distance=_num(float(r["distance_m"]), 0))),
                  "kind": str(r["kind"])} for _, r in top.iterrows()]
        group = folium.FeatureGroup(name=m("map.candidates", lang))
        folium.GeoJson(
            _geojson(top.geometry.values, props),
            style_function=lambda f: {"color": CANDIDATE_COLOURS.get(f["properties"]["kind"], "#ff8c00"), "weight": 2,
                                      "fillOpacity": 0.5},
            tooltip=folium.GeoJsonTooltip(["name"], labels=False),
        ).add_to(group)
        for _, r in top.iterrows():
            point = r.geometry.representative_point()
            folium.Marker([point.y, point.x], icon=folium.DivIcon(
                html=_RANK_HTML.format(rank=int(r["rank"])), icon_size=(22, 22), icon_anchor=(11, 11),
            )).add_to(group)
        groups.append(group)
    shown = check.footprint.geometry if check is not None else footprint
    if shown is not None:
        group = folium.FeatureGroup(name=m("map.footprint", lang))
        folium.GeoJson(
            _geojson([shown], [{"name": _escaped(m("map.footprint", lang))}]),
            style_function=lambda _: {"color": FOOTPRINT_COLOUR, "weight": 3, "fillOpacity": 0.1},
            tooltip=folium.GeoJsonTooltip(["name"], labels=False),
        ).add_to(group)
        groups.append(group)
    return groups
