"""The 土地利用 map explorer: land-use tiles and overlays, legend, clicked-parcel detail, structure beside the map.

Drill-down lives in the URL: ``?region=`` (the sidebar's county) and ``?parcel=`` (the clicked parcel), so a
copied link reopens the same view.  A link with a parcel opens the map fitted to that parcel.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import panels
from components.loaders import dataset_versions, indicator_table, landuse_tileset, load_dataset, load_display_regions
from components.maps import configured_basemap, configured_landuse_tiles_url, picked_feature
from components.state import current_lang, current_profile, t
from dashboard import maps, overlays
from dashboard.basemap import basemap_style_url, display_datum
from dashboard.geo import display_boundaries
from dashboard.legend import LegendGroup, LegendItem, landuse_legend, legend_html
from dashboard.tiles import parcel_min_zoom

LAYERS = ("landuse", *overlays.OVERLAYS)
#: The page opens on the land use alone: with the control lines' outlines on as well, the first complete picture
#: came about 2.5 s later on a PC without a graphics card (software WebGL; BENCHMARKS.md, cold start).  They are
#: one click away, and a parcel's detail lists the control lines it overlaps.
DEFAULT_LAYERS = ["landuse"]
MAP_HEIGHT, MAP_WIDTH, MAP_COLUMNS = maps.LANDUSE_MAP_HEIGHT, maps.LANDUSE_MAP_WIDTH, maps.LANDUSE_MAP_COLUMNS
PARCEL_PARAM = "parcel"
#: Session key: the class clicked on the dissolved overview (below the parcel zoom), to ask for a closer zoom.
_ZOOM_HINT = "_landuse_zoom_hint"
#: How far around a linked parcel the map opens (degrees): a few hundred metres of context.
PARCEL_MARGIN_DEG = 0.01


def _overlay_layers(selected: list[str], county: str | None, datum: str, lang: str, gen: int) -> list:
    """The inline overlay layers the user switched on, restricted to the selected county.

    Pickable layers are named ``<kind>-<gen>`` (see :func:`_remember_pick`).
    """

    def in_county(frame, column="county_code"):
        return frame if county is None or column not in frame.columns else frame[frame[column] == county]

    layers = []
    if "control_lines" in selected and (lines := load_dataset("control_lines")) is not None:
        lines = display_boundaries(in_county(lines), tolerance_deg=0.0005)
        # Outlines only, not pickable: a click inside a control line reaches the parcel under it, whose detail
        # lists the control lines it overlaps.
        layers.append(maps.geojson_layer("control_lines", overlays.control_line_features(lines, lang, datum), filled=False,
                                        pickable=False))
    if "parks" in selected and (parks := load_dataset("parks")) is not None:
        layers.append(maps.geojson_layer(f"parks-{gen}", overlays.park_features(in_county(parks), datum)))
    if "unsupplied" in selected and (approvals := load_dataset("approvals")) is not None:
        stock = in_county(indicator_table("unsupplied_approvals", current_profile()), "region_code")
        parcels = overlays.unsupplied_approvals(approvals, stock)
        layers.append(maps.geojson_layer(f"unsupplied-{gen}", overlays.unsupplied_features(parcels, lang, datum)))
    if "idle" in selected and (idle := load_dataset("idle_land")) is not None:
        cases = in_county(indicator_table("idle_cases", current_profile()), "region_code")
        features = overlays.idle_features(overlays.open_idle_cases(idle, cases), lang, datum)
        layers.append(maps.geojson_layer(f"idle-{gen}", features))
    return layers


def _linked_parcel() -> str | None:
    value = st.query_params.get(PARCEL_PARAM)
    return str(value) if value else None


def _view_bounds(regions, county: str | None, landuse, map_key: str) -> tuple:
    """What the map opens on, fixed per map key so that reruns (a click) never move the map.

    The parcel of a link (first view of the session), else the selected county, else the city.
    """
    stored = st.session_state.get("_landuse_view")
    if stored and stored[0] == map_key:
        return stored[1]
    bounds = None
    linked = _linked_parcel()
    if linked and landuse is not None and not st.session_state.get("_landuse_view"):
        row = overlays.find_parcel(landuse, linked)
        if row is not None:
            minx, miny, maxx, maxy = row["geometry"].bounds
            m = PARCEL_MARGIN_DEG
            bounds = (minx - m, miny - m, maxx + m, maxy + m)
    if bounds is None:
        counties = regions[regions["level"] == "county"]
        focus = counties[counties["code"] == county] if county else counties
        bounds = tuple(float(v) for v in (focus if not focus.empty else counties).total_bounds)
    st.session_state["_landuse_view"] = (map_key, bounds)
    return bounds


def _remember_pick(event) -> None:
    """Keep what was clicked (the parcel in the URL, an overlay feature in the session), then start a new pick
    generation: the pickable layers get new ids, so Streamlit drops the old selection instead of dimming every
    other feature (its selection styling does not suit tiled layers)."""
    picked = picked_feature(event)
    if picked is None:
        return
    layer_id, props = picked
    kind = maps.layer_kind(layer_id)
    st.session_state.pop(_ZOOM_HINT, None)
    if kind == "landuse" and not props.get("id"):
        # below the parcel zoom the tiles hold classes dissolved by county, not parcels: say so, keep the old pick
        st.session_state[_ZOOM_HINT] = str(props.get("name", ""))
    elif kind == "landuse":
        st.query_params[PARCEL_PARAM] = str(props.get("id", ""))
        st.session_state.pop("_landuse_feature", None)
    else:
        st.session_state["_landuse_feature"] = (kind, {"id": props.get("id", ""), "name": props.get("name", "")})
        st.query_params.pop(PARCEL_PARAM, None)
    st.session_state["_landuse_pick_gen"] = st.session_state.get("_landuse_pick_gen", 0) + 1


def _overlay_legend(selected: list[str], lang: str) -> LegendGroup | None:
    items = []
    if "control_lines" in selected:
        items += [LegendItem(t(f"maps.kind.{kind}"), tuple(rgba[:3]), outline=True)
                  for kind, rgba in overlays.CONTROL_LINE_COLOURS.items()]
    if "parks" in selected:
        items.append(LegendItem(t("maps.layer.parks"), tuple(overlays.PARK_LINE[:3]), outline=True))
    if "unsupplied" in selected:
        items.append(LegendItem(t("maps.layer.unsupplied"), tuple(overlays.UNSUPPLIED_FILL[:3])))
    if "idle" in selected:
        items.append(LegendItem(t("maps.layer.idle"), tuple(overlays.IDLE_FILL[:3])))
    return LegendGroup(t("maps.legend_overlays"), tuple(items)) if items else None


def _render_legend(selected: list[str], county: str | None, landuse, meeting: bool, lang: str) -> None:
    groups = []
    if "landuse" in selected and landuse is not None:
        codes = landuse["dlbm"] if county is None else landuse.loc[landuse["county_code"] == county, "dlbm"]
        groups += landuse_legend(codes.dropna().unique(), lang)
    extra = _overlay_legend(selected, lang)
    if extra:
        groups.append(extra)
    if groups:
        st.markdown(f"**{t('maps.legend')}**")
        st.html(legend_html(groups, large=meeting, columns=4 if meeting else 2))


def _key_value_table(rows: list[tuple[str, str]]) -> None:
    """A small label → value table as static HTML text (escaped by Streamlit; searchable, printable)."""
    st.table(pd.DataFrame([value for _, value in rows], index=[label for label, _ in rows], columns=[" "]))


def _render_parcel_detail(parcel_id: str, landuse) -> None:
    lang = current_lang()
    detail = overlays.parcel_detail(landuse, parcel_id, load_dataset("control_lines"))
    if detail is None:
        st.info(t("maps.parcel_missing", parcel=parcel_id))
        return
    regions = load_dataset("regions")
    names = dict(zip(regions["code"], regions["name" if lang == "zh" else "name_en"], strict=True))
    st.subheader(t("maps.detail"))
    rows = [
        (t("maps.parcel_id"), detail.parcel_id),
        (t("maps.landuse_class"), f"{detail.dlmc}（{detail.dlbm}）"),
        (t("maps.group"), detail.group_zh if lang == "zh" else detail.group_en),
        (t("maps.area"), f"{detail.area_mu:,.2f} 亩 / {detail.area_m2:,.1f} m²"),
        (t("maps.county"), f"{names.get(detail.county_code, detail.county_code)}（{detail.county_code}）"),
    ]
    _key_value_table(rows)
    st.markdown(f"**{t('maps.overlaps')}**")
    if detail.overlaps.empty:
        st.caption(t("maps.no_overlap"))
        return
    table = detail.overlaps.assign(kind=detail.overlaps["kind"].map(lambda k: t(f"maps.kind.{k}")))
    table = table.rename(columns={"kind": t("maps.overlap_kind"), "lines": t("maps.overlap_lines"),
                                  "overlap_mu": t("maps.overlap_mu"), "overlap_m2": t("maps.overlap_m2"),
                                  "share_pct": t("maps.overlap_share")})
    st.table(table.round(2).set_index(t("maps.overlap_kind")))
    panels.table_downloads(table, f"{t('maps.overlaps')}_{detail.parcel_id}", ("landuse", "control_lines"),
                           key="landuse_overlaps", filters={t("maps.parcel_id"): detail.parcel_id})


def _render_feature_detail(layer_id: str, props: dict) -> None:
    st.subheader(t(f"maps.{layer_id}_detail") if layer_id in ("parks", "unsupplied", "idle") else t("maps.detail"))
    rows = [(t("maps.feature_id"), str(props.get("id", ""))), (t("maps.feature_name"), str(props.get("name", "")))]
    _key_value_table(rows)


def _structure_chart(rows, group: str):
    """Bars of the groups' areas (万亩), each labelled with its share of the region (%)."""
    import altair as alt  # imported after the map is sent (~0.3 s of a cold start)

    chart_data = rows[[group, "area_wan_mu", "area_ha", "share_pct"]].rename(columns={group: "group"})
    chart = (
        alt.Chart(chart_data)
        .transform_calculate(share_label="format(datum.share_pct, '.2f') + '%'")
        .mark_bar(color="#b3261e")
        .encode(
            x=alt.X("area_wan_mu:Q", title=t("maps.area_wan_mu")),
            # the longest group names (水域及水利设施用地, "Urban, village & industrial land") in full
            y=alt.Y("group:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
            tooltip=[
                alt.Tooltip("group:N", title=t("maps.group")),
                alt.Tooltip("area_wan_mu:Q", title=t("maps.area_wan_mu"), format=",.2f"),
                alt.Tooltip("area_ha:Q", title=t("maps.area_ha"), format=",.0f"),
                alt.Tooltip("share_pct:Q", title=t("maps.share_pct"), format=".2f"),
            ],
        )
        .properties(height=300)
    )
    labels = chart.mark_text(align="left", dx=4, color="#333").encode(text=alt.Text("share_label:N"))
    return chart + labels


def _render_structure(county: str | None, region_label: str, as_of: str) -> None:
    """The region's land-use structure below the map and, for the city, the check against the published figures
    (full width: the column beside the map holds the legend, and the check's notes are long)."""
    lang = current_lang()
    structure = indicator_table("landuse_structure")
    code = county or structure.loc[structure["level"] == "city", "region_code"].iloc[0]
    rows = structure[structure["region_code"] == code]
    group = "group_zh" if lang == "zh" else "group_en"
    st.subheader(t("maps.structure", region=region_label))
    st.caption(t("maps.structure_caption", date=as_of))
    st.altair_chart(_structure_chart(rows, group), width="stretch")
    if county is not None:
        return
    check = indicator_table("landuse_published_check")
    st.markdown(f"**{t('maps.published_check')}**")
    st.caption(t("maps.published_caption"))
    note = "note_zh" if lang == "zh" else "note_en"
    table = check[["group" if lang == "zh" else "group_en", "published_area_wan_ha", "published_share_pct",
                   "computed_area_wan_ha", "consistent", note]]
    table = table.rename(columns={"group": t("maps.group"), "group_en": t("maps.group"),
                                  "published_area_wan_ha": t("maps.published_area"),
                                  "published_share_pct": t("maps.published_share"),
                                  "computed_area_wan_ha": t("maps.computed_area"),
                                  "consistent": t("maps.consistent"), note: t("maps.note")})
    panels.static_table(table, t("maps.published_check"), ("landuse", "regions"), key="published_check")


def render_landuse_explorer(county: str | None, region_label: str, as_of: str) -> None:
    """The whole 土地利用 page body below the header."""
    lang = current_lang()
    regions = load_display_regions()
    if regions is None:
        st.info(t("data.no_regions"))
        return
    # The parcels themselves (a large frame) are read after the map is sent, unless a parcel link needs them
    # first: the map draws the vector tiles, and its first paint should not wait for the frame.
    has_landuse = dataset_versions().get("landuse") is not None
    basemap = configured_basemap()
    datum = display_datum(basemap)

    with st.container(horizontal=True, vertical_alignment="bottom"):
        selected = st.pills(t("maps.layers"), LAYERS, selection_mode="multi", default=DEFAULT_LAYERS,
                            format_func=lambda k: t(f"maps.layer.{k}"), key="landuse_layers") or []
        meeting = st.toggle(t("maps.meeting_mode"), help=t("maps.meeting_help"), key="meeting_mode")
        if st.button(t("maps.fit"), icon=":material/fit_screen:", key="landuse_fit"):
            st.session_state["_landuse_fit"] = st.session_state.get("_landuse_fit", 0) + 1

    # Only the parcels and the switched-on overlays answer clicks (each pickable layer slows every pick).
    fills, outlines = maps.region_layers(regions, county, datum, "name" if lang == "zh" else "name_en", pickable=False)
    map_key = f"landuse_map_{county or 'city'}_{st.session_state.get('_landuse_fit', 0)}"
    _remember_pick(st.session_state.get(map_key))  # a click puts its parcel in the URL: read the link after it
    parcel = _linked_parcel()
    landuse = load_dataset("landuse") if parcel or configured_landuse_tiles_url() else None
    gen = st.session_state.get("_landuse_pick_gen", 0)
    layers = [fills]
    parcel_zoom = None  # the zoom from which parcels (not classes merged by county) can be picked
    if "landuse" in selected:
        if not has_landuse:
            st.info(t("maps.no_landuse"))
        elif tiles_url := configured_landuse_tiles_url():
            bounds = tuple(float(v) for v in landuse.total_bounds)
            parcel_zoom = parcel_min_zoom(bounds, len(landuse))
            layers.append(maps.landuse_url_layer(tiles_url, bounds, gen))
        elif (tiles := landuse_tileset(datum)) is not None:
            parcel_zoom = tiles.parcel_zoom
            layers.append(maps.landuse_tiles_layer(tiles, gen))
    layers += _overlay_layers(selected, county, datum, lang, gen)
    chosen = overlays.find_parcel(landuse, parcel) if parcel and landuse is not None else None
    if chosen is not None:
        layers.append(maps.highlight_layer("selected-parcel", chosen["geometry"], datum))
    layers.append(outlines)

    height = MAP_HEIGHT[meeting]
    view = maps.view_state(_view_bounds(regions, county, landuse, map_key), height_px=height,
                           width_px=MAP_WIDTH[meeting])
    deck = maps.deck(layers, view, basemap_style_url(basemap))

    if meeting:
        map_area, side = st.container(), st.container()
    else:
        map_area, side = st.columns(MAP_COLUMNS, gap="medium")
    with map_area:
        st.pydeck_chart(deck, height=height, on_select="rerun", selection_mode="single-object", key=map_key)
        st.caption(t("maps.click_hint"))
        landuse = load_dataset("landuse") if has_landuse else None
        if st.session_state.get(_ZOOM_HINT) is not None and parcel_zoom is not None:
            st.info(t("maps.zoom_to_pick", name=st.session_state[_ZOOM_HINT], zoom=parcel_zoom),
                    icon=":material/zoom_in:")
        feature = st.session_state.get("_landuse_feature")
        if feature:
            _render_feature_detail(*feature)
        elif parcel and landuse is not None:
            _render_parcel_detail(parcel, landuse)
    with side:
        _render_legend(selected, county, landuse, meeting, lang)
    _render_structure(county, region_label, as_of)
