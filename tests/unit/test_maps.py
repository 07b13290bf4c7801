"""Map building blocks: compact JSON, text tooltips, display coordinates, region layers."""

import json

import geopandas as gpd
import pydeck as pdk
import pytest
from shapely.geometry import Polygon

from dashboard import layout, maps
from dashboard.geo import wgs84_to_gcj02
from dashboard.io import read_dataset
from dashboard.tiles import Tileset
from tests.conftest import ROOT

XSS = "<img src=x onerror=alert(1)>"


def _square(x=102.5, y=24.3, d=0.0123456789):
    return Polygon([(x, y), (x + d, y), (x + d, y + d), (x, y + d)])


def test_compact_deck_json_is_compact_utf8_and_equivalent_to_pydeck():
    data = maps.feature_collection([_square()], [{"id": "P1", "name": "水田（0101）"}])
    layers = [maps.geojson_layer("x", data)]
    view = maps.view_state((102.5, 24.3, 102.6, 24.4), height_px=500)
    compact = maps.deck(layers, view).to_json()
    plain = pdk.Deck(layers=layers, initial_view_state=view, map_provider=None, tooltip=maps.TOOLTIP).to_json()
    assert "水田" in compact and "\\u6c34" not in compact
    assert "\n" not in compact and ": " not in compact
    assert json.loads(compact) == json.loads(plain)
    assert len(compact.encode()) < len(plain.encode())


def test_deck_never_sends_a_null_map_style_and_uses_a_text_tooltip():
    spec = json.loads(maps.deck([], maps.view_state((102, 24, 103, 25), 500)).to_json())
    assert spec.get("mapProvider") is None
    assert "mapStyle" not in spec or spec["mapStyle"] is not None
    assert maps.TOOLTIP == {"text": "{name}\n{id}"}  # text: deck.gl sets innerText, never innerHTML
    with_style = json.loads(maps.deck([], maps.view_state((102, 24, 103, 25), 500), "/app/static/s.json").to_json())
    assert with_style["mapStyle"] == "/app/static/s.json"


def test_feature_collection_rounds_to_six_decimals_and_keeps_names_as_text():
    fc = maps.feature_collection([_square()], [{"id": "P1", "name": XSS}])
    feature = fc["features"][0]
    assert feature["properties"]["name"] == XSS  # data, not markup: the tooltip shows it as text
    ring = feature["geometry"]["coordinates"][0]
    assert all(len(repr(v).split(".")[1]) <= 6 for point in ring for v in point)


def test_gcj02_display_shifts_coordinates_but_not_the_source():
    square = _square()
    before = list(square.exterior.coords)
    shifted = maps.display_geometries([square], "gcj02")[0]
    lon, lat = wgs84_to_gcj02(before[0][0], before[0][1])
    assert shifted.exterior.coords[0] == pytest.approx((round(float(lon), 6), round(float(lat), 6)), abs=1e-6)
    assert list(square.exterior.coords) == before


def test_region_layers_highlight_the_selected_county():
    regions = gpd.GeoDataFrame(
        {"code": ["530400", "530402", "530403"], "name": ["市", "甲", "乙"], "level": ["city", "county", "county"]},
        geometry=[_square(d=0.5), _square(), _square(x=102.6)],
        crs="EPSG:4326",
    )
    fills, outlines = maps.region_layers(regions, "530403")
    features = fills.data["features"]
    assert [f["properties"]["id"] for f in features] == ["530402", "530403"]  # counties only
    assert features[1]["properties"]["fill"] == maps.SELECTED_FILL
    assert outlines.pickable is False


def test_landuse_tile_layer_points_at_local_tiles_and_worker():
    tileset = Tileset("k", "landuse", __import__("pathlib").Path("/x/static/tiles/landuse-k"), 6, 13,
                      (101.0, 23.0, 103.0, 25.0), 10, "wgs84", "now")
    layer = maps.landuse_tile_layer(tileset)
    spec = json.loads(maps.deck([layer], maps.view_state(tileset.bounds, 500)).to_json())["layers"][0]
    assert spec["data"] == "/app/static/tiles/landuse-k/{z}/{x}/{y}.pbf"
    assert spec["loadOptions"]["mvt"]["workerUrl"].startswith("/app/static/vendor/")
    assert spec["extent"] == [101.0, 23.0, 103.0, 25.0]
    assert spec["maxZoom"] == 13


@pytest.mark.parametrize("width_px", [300, 459, 518, 890])
def test_view_state_fits_the_bounds_in_the_width_the_map_gets(width_px):
    bounds = (101.28, 23.32, 103.18, 24.96)  # about the demo city
    view = maps.view_state(bounds, height_px=560, width_px=width_px)
    minx, miny, maxx, maxy = maps.visible_bounds(view, width_px, 560)
    assert minx < bounds[0] and miny < bounds[1] and maxx > bounds[2] and maxy > bounds[3]
    # ... with a small margin, not a city lost in the middle of the map.
    assert (bounds[2] - bounds[0]) / (maxx - minx) > 0.85 or (bounds[3] - bounds[1]) / (maxy - miny) > 0.85


def test_a_view_fitted_wider_than_drawn_cuts_the_edges():
    bounds = (101.28, 23.32, 103.18, 24.96)
    minx, _, maxx, _ = maps.visible_bounds(maps.view_state(bounds, 560, width_px=900), 459, 560)
    assert minx > bounds[0] and maxx < bounds[2]  # the overview's old view in its 459 px column


def test_landuse_map_fits_the_whole_city_in_its_column_on_a_projector():
    """The 土地利用 map is fitted to the width its column has at 1366 px, so the whole city shows (fitted as if
    900 px wide, the western and eastern counties were cut off)."""
    regions = read_dataset("regions", ROOT / "data" / "demo" / "regions.parquet")
    bounds = tuple(regions.total_bounds)
    for meeting in (False, True):
        width, height = maps.LANDUSE_MAP_WIDTH[meeting], maps.LANDUSE_MAP_HEIGHT[meeting]
        view = maps.view_state(bounds, height_px=height, width_px=width)
        shown = maps.visible_bounds(view, width, height)
        assert shown[0] <= bounds[0] and shown[2] >= bounds[2] and shown[1] <= bounds[1] and shown[3] >= bounds[3]
    # the map's column at 1366 px (st.columns((3, 2), gap="medium")), not the 900 px it was fitted to before
    assert maps.LANDUSE_MAP_WIDTH[False] == layout.column_width(maps.LANDUSE_MAP_COLUMNS, 0, "medium") < 600
