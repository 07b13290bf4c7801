"""Map objects (pydeck) built from conformed frames.  Pure: callers render them.

Offline by construction: decks use ``map_provider=None`` with the default style sentinel (no Carto or Mapbox
style is fetched) unless a basemap is configured (:mod:`dashboard.basemap`), in which case the style is a JSON
file the app serves itself.  Big layers come as vector tiles (:mod:`dashboard.tiles`); small ones inline, as
compact GeoJSON (6 decimals, no indentation, UTF-8: about a third of pydeck's default JSON).

Tooltips are deck.gl *text* templates, never HTML: a value such as ``<img src=x onerror=alert(1)>`` is shown as
text.  Every inline feature therefore carries the same two tooltip properties, ``name`` and ``id`` (a template
naming a property a feature lacks would show the placeholder itself).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pydeck as pdk
import shapely
from pydeck.bindings.json_tools import default_serialize

from dashboard.geo import transform_geometries, view_for_bounds, wgs84_to_gcj02
from dashboard.layout import MAIN_WIDTH_PX, column_width
from dashboard.offline import mvt_load_options
from dashboard.tiles import MAX_ZOOM, MIN_ZOOM, LayerTiles, Tileset

#: Outline and fill colours (RGBA) for regions: selected county stands out, others stay quiet.
REGION_LINE = [90, 90, 90, 255]
REGION_FILL = [235, 235, 230, 160]
SELECTED_FILL = [179, 38, 30, 70]
SELECTED_LINE = [179, 38, 30, 255]
#: Decimal places kept in inline coordinates: 6 decimals of a degree is ~0.1 m.
COORD_DECIMALS = 6
#: Tooltip shared by every layer: each feature has ``name`` and ``id`` properties.
TOOLTIP = {"text": "{name}\n{id}"}
#: The 土地利用 map: beside its legend (``st.columns(LANDUSE_MAP_COLUMNS, gap="medium")``), or the whole main column
#: in its meeting mode (keys ``False`` / ``True``).  The view is fitted to the map's width on the smallest screen
#: (:mod:`dashboard.layout`, 1366 px); fitted as if 900 px wide, the western and eastern counties were cut off there.
LANDUSE_MAP_COLUMNS = (3, 2)
LANDUSE_MAP_HEIGHT = {False: 580, True: 780}
LANDUSE_MAP_WIDTH = {False: column_width(LANDUSE_MAP_COLUMNS, 0, "medium"), True: MAIN_WIDTH_PX}


class CompactDeck(pdk.Deck):
    """A ``pdk.Deck`` serialised compactly: no indentation and UTF-8 text instead of ``\\uXXXX`` escapes.

    ``st.pydeck_chart`` sends ``deck.to_json()`` to the browser; pydeck's own JSON is indented and
    ASCII-escaped, three times larger for Chinese names and long coordinate lists.
    """

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"), ensure_ascii=False)


def _round_geometries(geoms, decimals: int = COORD_DECIMALS):
    return shapely.transform(np.asarray(geoms, dtype=object), lambda xy: np.round(xy, decimals))


def display_geometries(geoms, datum: str = "wgs84"):
    """Geometries as drawn: shifted to GCJ-02 over a GCJ-02 basemap, rounded to :data:`COORD_DECIMALS`."""
    geoms = np.asarray(geoms, dtype=object)
    if datum == "gcj02":
        geoms = transform_geometries(geoms, wgs84_to_gcj02)
    return _round_geometries(geoms)


def feature_collection(
    geoms, properties: Iterable[Mapping], datum: str = "wgs84"
) -> dict:
    """GeoJSON ``FeatureCollection`` of ``geoms`` with one property mapping per geometry (display coordinates)."""
    shapes = display_geometries(geoms, datum)
    texts = shapely.to_geojson(shapes)
    features = [
        {"type": "Feature", "geometry": json.loads(text), "properties": dict(props)}
        for text, props in zip(texts, properties, strict=True)
        if text is not None
    ]
    return {"type": "FeatureCollection", "features": features}


def regions_geojson(regions, selected: str | None = None, datum: str = "wgs84", name_column: str = "name") -> dict:
    """County features with ``name``, ``id`` (the code) and colour properties."""
    counties = regions[regions["level"] == "county"]
    props = []
    for code, name in zip(counties["code"], counties[name_column], strict=True):
        chosen = code == selected
        props.append(
            {
                "id": code,
                "name": name,
                "fill": SELECTED_FILL if chosen else REGION_FILL,
                "line": SELECTED_LINE if chosen else REGION_LINE,
                "width": 3 if chosen else 1.2,
            }
        )
    return feature_collection(counties.geometry.values, props, datum)


def geojson_layer(layer_id: str, data: dict, *, pickable: bool = True, filled: bool = True, **style) -> pdk.Layer:
    """A ``GeoJsonLayer`` whose colours and widths come from each feature's ``fill``, ``line`` and ``width``.

    Widths are pixels (pydeck turns plain strings into JS expressions, so the unit is passed quoted).
    """
    options = {
        "stroked": True,
        "filled": filled,
        "pickable": pickable,
        "get_fill_color": "properties.fill",
        "get_line_color": "properties.line",
        "get_line_width": "properties.width",
        "line_width_scale": 1,
        "line_width_min_pixels": 1,
        "line_width_units": "'pixels'",
    }
    options.update(style)
    return pdk.Layer("GeoJsonLayer", data=data, id=layer_id, **options)


def region_layers(regions, selected: str | None = None, datum: str = "wgs84", name_column: str = "name",
                  pickable: bool = True):
    """Two layers: county fills under everything and county outlines over everything (never pickable).

    ``pickable=False`` when other layers answer clicks: every pickable layer adds to the cost of each pick.
    """
    data = regions_geojson(regions, selected, datum, name_column)
    fills = geojson_layer("regions", data, stroked=False, pickable=pickable)
    outlines = geojson_layer("region-outlines", data, pickable=False, filled=False)
    return fills, outlines


def _mvt_layer(url_template: str, bounds, layer_id: str, opacity: float) -> pdk.Layer:
    return pdk.Layer(
        "MVTLayer",
        data=url_template,
        id=layer_id,
        min_zoom=MIN_ZOOM,
        max_zoom=MAX_ZOOM,
        extent=list(bounds),
        pickable=True,
        opacity=opacity,
        get_fill_color="[properties.r, properties.g, properties.b, 235]",
        get_line_color=[120, 120, 120, 90],
        line_width_min_pixels=0.3,
        load_options=mvt_load_options(),
    )


def landuse_tile_layer(tileset: Tileset, opacity: float = 0.85, layer_id: str = "landuse") -> pdk.Layer:
    """The 三调 parcels of one tileset as an ``MVTLayer``, filled with each parcel's class colour.

    The decoder worker comes from the app's static files (:func:`dashboard.offline.mvt_load_options`); tiles
    outside the tileset's bounds are never requested.
    """
    return _mvt_layer(tileset.url_template, tileset.bounds, layer_id, opacity)


def landuse_tiles_layer(tiles: LayerTiles, gen: int = 0, opacity: float = 0.85) -> pdk.Layer:
    """The land-use layer's tiles (every county merged in one folder, :func:`dashboard.tiles.merge_county_tiles`)
    as one ``MVTLayer`` with id ``landuse-<gen>`` (see :func:`layer_kind`)."""
    return landuse_tile_layer(tiles.merged, opacity, f"landuse-{gen}")


def landuse_url_layer(url_template: str, bounds, gen: int = 0, opacity: float = 0.85) -> pdk.Layer:
    """The 三调 parcels from a tile server (``[map] landuse_tiles_url``): one ``MVTLayer`` over ``url_template``
    limited to the layer's lon-lat ``bounds``, with id ``landuse-<gen>``."""
    return _mvt_layer(url_template, bounds, f"landuse-{gen}", opacity)


def layer_kind(layer_id: str) -> str:
    """What a pickable layer shows, from its id: ``landuse-3`` → ``landuse``, ``parks-3`` → ``parks``."""
    return layer_id.rsplit("-", 1)[0]


def view_state(bounds: Sequence[float], height_px: int, width_px: int = MAIN_WIDTH_PX) -> pdk.ViewState:
    """A view that fits lon-lat ``bounds`` in a map ``width_px`` × ``height_px`` big.

    Pass the width the map really gets (a map in a column: :func:`dashboard.layout.column_width`); the default
    is the full main column at the smallest screen.  Fitted to a wider map than drawn, the bounds' edges are cut.
    """
    return pdk.ViewState(**view_for_bounds(bounds, width_px=width_px, height_px=height_px))


def visible_bounds(view: pdk.ViewState, width_px: float, height_px: float) -> tuple[float, float, float, float]:
    """The lon-lat bounds (minx, miny, maxx, maxy) a north-up ``view`` shows in a map ``width_px`` × ``height_px``
    big (web mercator, 512 px world at zoom 0, as deck.gl draws it): to check that a view fits what it should."""
    world = 512.0 * 2.0 ** float(view.zoom)
    half_lon = width_px / 2.0 / world * 360.0
    centre_y = np.log(np.tan(np.pi / 4 + np.radians(float(view.latitude)) / 2))
    half_y = height_px / 2.0 / world * 2.0 * np.pi

    def lat(y: float) -> float:
        return float(np.degrees(2.0 * np.arctan(np.exp(y)) - np.pi / 2))

    return (float(view.longitude) - half_lon, lat(centre_y - half_y), float(view.longitude) + half_lon,
            lat(centre_y + half_y))


def deck(layers: Sequence[pdk.Layer], view: pdk.ViewState, basemap_style: str | None = None) -> CompactDeck:
    """A compact deck of ``layers`` with the shared text tooltip.

    ``basemap_style`` is the URL of a style JSON served by the app (:mod:`dashboard.basemap`); without one no
    basemap is drawn.  ``map_style=None`` must never be passed: Streamlit's front end then fetches a Carto style
    from the internet.
    """
    kwargs = {"map_style": basemap_style} if basemap_style else {}
    return CompactDeck(layers=list(layers), initial_view_state=view, map_provider=None, tooltip=TOOLTIP, **kwargs)


def highlight_layer(layer_id: str, geometry, datum: str = "wgs84", colour=(0, 229, 255)) -> pdk.Layer:
    """A bold outline around one feature (the selected parcel), drawn on top and never pickable."""
    data = feature_collection([geometry], [{"id": "", "name": "", "line": [*colour, 255], "fill": [0, 0, 0, 0],
                                            "width": 4}], datum)
    return geojson_layer(layer_id, data, pickable=False, filled=False)


def region_deck(regions, selected: str | None = None, height_px: int = 520, basemap_style: str | None = None,
                datum: str = "wgs84") -> CompactDeck:
    """A map of the county boundaries, fitted to the selected county (or the whole city).

    Parameters
    ----------
    regions
        Conformed ``regions`` frame (simplified for display by the caller).
    selected
        County code to highlight and fit, or ``None`` for the whole city.
    """
    counties = regions[regions["level"] == "county"]
    focus = counties[counties["code"] == selected] if selected else counties
    if focus.empty:
        focus = counties
    fills, outlines = region_layers(regions, selected, datum)
    return deck([fills, outlines], view_state(focus.total_bounds, height_px), basemap_style)
